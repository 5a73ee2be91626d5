/*
 * ldflags.c - the go command's field splitting for -ldflags and the boolean
 * linker flags that matter for facts (-s, -w).
 *
 * Invariant: every loop advances over the input string, so work is linear.
 */
#include "linkproof/ldflags.h"

#include <stdlib.h>
#include <string.h>

void lp_strv_release(lp_strv *sv)
{
    if (!sv)
        return;
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = 0;
}

static bool push(lp_strv *sv, const char *p, size_t n)
{
    char **nv = realloc(sv->v, (sv->n + 1) * sizeof *nv);
    if (!nv)
        return false;
    sv->v = nv;
    if (!(sv->v[sv->n] = strndup(p, n)))
        return false;
    sv->n++;
    return true;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

lp_code lp_go_split_quoted(const char *s, lp_strv *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    size_t i = 0, n = strlen(s);
    while (i < n) {
        while (i < n && is_space(s[i]))
            i++;
        if (i >= n)
            break;
        if (s[i] == '"' || s[i] == '\'') {
            char q = s[i++];
            const char *end = memchr(s + i, q, n - i);
            if (!end) {
                lp_strv_release(out);
                return lp_err_set_at(err, LP_ERR_FORMAT, i - 1,
                                     "unterminated %c string at offset %zu", q, i - 1);
            }
            if (!push(out, s + i, (size_t)(end - (s + i))))
                goto oom;
            i = (size_t)(end - s) + 1;
            continue;
        }
        size_t j = i;
        while (j < n && !is_space(s[j]))
            j++;
        if (!push(out, s + i, j - i))
            goto oom;
        i = j;
    }
    return LP_OK;
oom:
    lp_strv_release(out);
    return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
}

/* Go's flag package: "-name", "--name", "-name=value" with strconv.ParseBool values. */
bool lp_ldflags_bool(const lp_strv *args, const char *name)
{
    static const char *const truth[] = {"1", "t", "T", "true", "TRUE", "True"};
    size_t nl = strlen(name);
    bool v = false;
    for (size_t i = 0; i < args->n; i++) {
        const char *a = args->v[i];
        if (a[0] != '-')
            continue;
        a += a[1] == '-' ? 2 : 1;
        if (strncmp(a, name, nl) != 0)
            continue;
        if (a[nl] == '\0') {
            v = true;
        } else if (a[nl] == '=') {
            v = false;
            for (size_t k = 0; k < sizeof truth / sizeof truth[0]; k++)
                if (strcmp(a + nl + 1, truth[k]) == 0)
                    v = true;
        }
    }
    return v;
}
