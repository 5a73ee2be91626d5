/*
 * ldconf.c - the search-path files: glibc's /etc/ld.so.conf (with its
 * includes) and musl's /etc/ld-musl-ARCH.path, read through a root view.
 *
 * ld.so.conf follows glibc elf/ldconfig.c (parse_conf, parse_conf_include,
 * add_dir_1, add_single_dir):
 *  - each line (getline; text after a NUL byte in a line is ignored) is cut at
 *    its first '#', then leading isspace() is skipped; blank lines are skipped;
 *  - "include" followed by a blank (' ' or '\t'): the rest is split on blanks
 *    and every non-empty word is a glob(3) pattern; a relative pattern is
 *    relative to the directory of the including file; the matches, sorted,
 *    are read in turn; no match, or a file that cannot be read, is skipped
 *    silently (ldconfig warns at most);
 *  - "hwcap" (any case) followed by a blank: ignored (ldconfig warns);
 *  - anything else is a directory: glibc up to 2.36 cut it at a '=' (the old
 *    "dir=TYPE" syntax; 2.37 dropped the syntax and then such a path does not
 *    exist, so cutting it is what the older releases did and what the newer
 *    ones would find only if "dir=TYPE" were a real directory); trailing
 *    isspace() and trailing '/'s are removed and an empty result dropped
 *    (so "/" itself is dropped, as in ldconfig);
 *  - ldconfig stat()s each directory and drops it when that fails, and drops a
 *    directory already listed under another name (same device and inode).
 *    Here: a directory is kept when it resolves inside the root to a
 *    directory, and a duplicate is one whose resolved path is already listed;
 *    the first occurrence (name as written, file and line) is kept. A relative
 *    directory (ldconfig would stat it relative to its working directory) is
 *    dropped.
 * ldconfig has no defence against include loops and no limits; here includes
 * deeper than LP_LDCONF_MAX_DEPTH are not followed, at most
 * LP_LDCONF_MAX_FILES files and LP_LDCONF_MAX_DIRS directories are read, at
 * most LP_LDCONF_MAX_GLOB matches of one pattern taken, each file at most
 * LDCONF_MAX_TEXT bytes. Past a limit the rest is skipped, never the whole
 * configuration: what was read stays, and one line per limit reached says
 * how much was skipped and where it began (lp_dirlist.skipped), so that an
 * answer that rests on the configuration can say it may be incomplete.
 *
 * Globbing: glob(3) with flags 0, done over lp_root_list() so that nothing is
 * read from outside the root: '*', '?', '[...]' and '\' escapes in any path
 * component, each component matched with fnmatch(3) and FNM_PERIOD (a leading
 * '.' must be matched literally, as glob does); a pattern without wildcards
 * is taken as it is; the result is sorted bytewise (glob sorts with strcoll,
 * which is bytewise in the C locale ldconfig runs in under most setups).
 *
 * Invariants: every loop is over a file of at most LDCONF_MAX_TEXT bytes, a
 * directory listing (at most 65536 names), or a list capped above. Time is
 * linear in what is read: a directory is listed once per read of the
 * configuration however many patterns name it, a file or a pattern already
 * taken at the same depth or shallower is not taken again (it could add
 * nothing: its directories would be duplicates, its includes taken already),
 * duplicates are found with a hash set, and the names compared with patterns
 * in all are capped at LDCONF_MAX_MATCHES (LP_ERR_LIMIT beyond).
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkproof/ld.h"
#include "util/smap.h"
#include "util/strbuf.h"

#define LDCONF_MAX_TEXT (1u << 20)
#define LDCONF_MAX_FILES ((size_t)LP_LDCONF_MAX_FILES)
#define LDCONF_MAX_GLOB ((size_t)LP_LDCONF_MAX_GLOB)
/* Names listed or compared with a pattern in one read of the configuration (real ones: a few hundred). */
#define LDCONF_MAX_MATCHES (1u << 22)

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

/* C-locale isspace() and isblank(), independent of the caller's locale. */
static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static bool ascii_prefix_nocase(const char *s, const char *pre)
{
    for (; *pre; s++, pre++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != *pre)
            return false;
    }
    return true;
}

void lp_dirlist_release(lp_dirlist *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->dirs ? l->dirs[i] : NULL);
        free(l->origins ? l->origins[i] : NULL);
    }
    free(l->dirs);
    free(l->origins);
    l->dirs = NULL;
    l->origins = NULL;
    l->n = 0;
    for (size_t i = 0; i < l->n_skipped; i++)
        free(l->skipped[i]);
    free(l->skipped);
    l->skipped = NULL;
    l->n_skipped = 0;
}

/* Append (dir, "file:line") to l, which has room for cap entries. */
static lp_code dirlist_add(lp_dirlist *l, size_t *cap, const char *dir, size_t dlen,
                           const char *file, size_t line, lp_err *err)
{
    if (l->n >= LP_LDCONF_MAX_DIRS)
        return lp_err_set(err, LP_ERR_LIMIT, "'%s:%zu': more than %u directories", file, line,
                          LP_LDCONF_MAX_DIRS);
    if (l->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        char **d = realloc(l->dirs, ncap * sizeof *d);
        if (!d)
            return nomem(err);
        l->dirs = d;
        char **o = realloc(l->origins, ncap * sizeof *o);
        if (!o)
            return nomem(err);
        l->origins = o;
        *cap = ncap;
    }
    char *d = malloc(dlen + 1);
    if (!d)
        return nomem(err);
    memcpy(d, dir, dlen);
    d[dlen] = '\0';
    lp_strbuf sb = {0};
    lp_sb_addf(&sb, "%s:%zu", file, line);
    char *o = lp_sb_take(&sb);
    if (!o) {
        free(d);
        return nomem(err);
    }
    l->dirs[l->n] = d;
    l->origins[l->n] = o;
    l->n++;
    return LP_OK;
}

/* ---- globbing ---- */

/* A directory listed once per read (sorted names). */
typedef struct listing {
    char **names;
    size_t n;
} listing;

static void listing_free(void *p)
{
    listing *l = p;
    if (l) {
        lp_root_names_free(&l->names, l->n);
        free(l);
    }
}

/* What one limit made the reader skip: how many, and the first of them. */
enum { SKIP_FILES, SKIP_DIRS, SKIP_GLOB, SKIP_DEPTH, SKIP_SIZE, SKIP_MATCHES, SKIP_KINDS };
typedef struct skip_note {
    size_t n;
    char *first;
} skip_note;

typedef struct conf_ctx {
    lp_root *root;
    lp_dirlist *out;
    size_t cap;
    char **canon; /* resolved path of each listed directory */
    size_t canon_cap;
    smap canon_set; /* the same, to find duplicates */
    size_t files;
    smap lists;     /* directory -> listing */
    smap taken;     /* "f:FILE" / "p:PATTERN" -> the shallowest depth it was taken at, plus one */
    uint64_t matches;
    skip_note skip[SKIP_KINDS];
    lp_err *err;
} conf_ctx;

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static void strvec_free(strvec *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* Take ownership of str (freed on failure); the caller bounds the count (push_capped). */
static lp_code strvec_push(strvec *s, char *str, lp_err *err)
{
    if (!str)
        return nomem(err);
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 8;
        char **v = realloc(s->v, ncap * sizeof *v);
        if (!v) {
            free(str);
            return nomem(err);
        }
        s->v = v;
        s->cap = ncap;
    }
    s->v[s->n++] = str;
    return LP_OK;
}

/* Does the component (n bytes) hold an unescaped wildcard? '[' counts only
 * with a ']' after it, as in glibc's __glob_pattern_type. */
static bool comp_is_magic(const char *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (c[i] == '\\') {
            i++;
        } else if (c[i] == '*' || c[i] == '?') {
            return true;
        } else if (c[i] == '[') {
            if (memchr(c + i + 1, ']', n - i - 1))
                return true;
        }
    }
    return false;
}

/* prefix + "/" + comp (n bytes), with backslash escapes removed when unescape. */
static char *join(const char *prefix, const char *comp, size_t n, bool unescape)
{
    lp_strbuf sb = {0};
    lp_sb_adds(&sb, prefix);
    lp_sb_addc(&sb, '/');
    for (size_t i = 0; i < n; i++) {
        if (unescape && comp[i] == '\\' && i + 1 < n)
            i++;
        lp_sb_addc(&sb, comp[i]);
    }
    return lp_sb_take(&sb);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Expand an absolute pattern: one component at a time, listing the current
 * candidates' directories for components with wildcards. Candidates that are
 * not directories simply fail to list; the final paths are not checked for
 * existence here (the caller's read fails on missing ones, as parse_conf's
 * fopen would).
 */
/* Push str unless the pattern has LDCONF_MAX_GLOB paths already (then count it in *dropped). */
static lp_code push_capped(strvec *s, char *str, size_t *dropped, lp_err *err)
{
    if (str && s->n >= LDCONF_MAX_GLOB) {
        free(str);
        (*dropped)++;
        return LP_OK;
    }
    return strvec_push(s, str, err);
}

/* The names in @p dir, listed once per read; NULL when it cannot be listed (*rc set on NOMEM/LIMIT). */
static const listing *list_once(conf_ctx *x, const char *dir, lp_code *rc)
{
    *rc = LP_OK;
    listing *l = smap_get(&x->lists, dir);
    if (l)
        return l->names ? l : NULL;
    if (!(l = calloc(1, sizeof *l)) || !smap_put(&x->lists, dir, l)) {
        free(l);
        *rc = nomem(x->err);
        return NULL;
    }
    lp_err le;
    lp_err_clear(&le);
    if (lp_root_list(x->root, dir, &l->names, &l->n, &le) != LP_OK) {
        if (le.code == LP_ERR_NOMEM)
            *rc = nomem(x->err);
        l->names = NULL; /* not a directory, missing, unreadable: no match (GLOB_ABORTED is ignored) */
        l->n = 0;
        return NULL;
    }
    return l;
}

static lp_code glob_root(conf_ctx *x, const char *pattern, strvec *out, size_t *dropped)
{
    lp_err *err = x->err;
    strvec cur = {0}, next = {0};
    lp_code rc = strvec_push(&cur, strdup(""), err);
    const char *p = pattern;
    while (rc == LP_OK && *p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, "/");
        bool magic = comp_is_magic(p, n);
        char *comp = NULL;
        if (magic && !(comp = strndup(p, n))) {
            rc = nomem(err);
            break;
        }
        for (size_t i = 0; rc == LP_OK && i < cur.n; i++) {
            if (!magic) {
                rc = push_capped(&next, join(cur.v[i], p, n, true), dropped, err);
                continue;
            }
            const listing *l = list_once(x, cur.v[i][0] ? cur.v[i] : "/", &rc);
            if (!l)
                continue;
            if (x->matches + l->n > LDCONF_MAX_MATCHES) {
                rc = lp_err_set(err, LP_ERR_LIMIT, "'%s': include patterns compared with more than %u "
                                "names in all",
                                pattern, LDCONF_MAX_MATCHES);
                break;
            }
            x->matches += l->n;
            for (size_t k = 0; rc == LP_OK && k < l->n; k++)
                if (fnmatch(comp, l->names[k], FNM_PERIOD) == 0)
                    rc = push_capped(&next, join(cur.v[i], l->names[k], strlen(l->names[k]), false),
                                     dropped, err);
        }
        free(comp);
        strvec_free(&cur);
        cur = next;
        memset(&next, 0, sizeof next);
        p += n;
    }
    strvec_free(&next);
    if (rc != LP_OK) {
        strvec_free(&cur);
        return rc;
    }
    /* the bare root ("/" or a pattern of slashes) is no file to read */
    if (cur.n == 1 && cur.v[0][0] == '\0')
        strvec_free(&cur);
    if (cur.n > 1)
        qsort(cur.v, cur.n, sizeof *cur.v, cmp_str);
    *out = cur;
    return LP_OK;
}

/* ---- ld.so.conf ---- */

static void note_skip(conf_ctx *x, int kind, size_t n, const char *first)
{
    x->skip[kind].n += n;
    if (!x->skip[kind].first)
        x->skip[kind].first = strdup(first); /* NULL when out of memory: the count still says it */
}

/* One line per limit reached, into out->skipped. */
static lp_code skip_lines(conf_ctx *x, lp_err *err)
{
    lp_dirlist *l = x->out;
    for (int k = 0; k < SKIP_KINDS; k++) {
        const skip_note *sn = &x->skip[k];
        if (!sn->n)
            continue;
        const char *first = sn->first ? sn->first : "?";
        lp_strbuf sb = {0};
        switch (k) {
        case SKIP_FILES:
            lp_sb_addf(&sb, "%zu configuration file%s not read (over the limit of %u files): from '%s' on",
                       sn->n, sn->n == 1 ? "" : "s", LP_LDCONF_MAX_FILES, first);
            break;
        case SKIP_DIRS:
            lp_sb_addf(&sb, "%zu director%s not used (over the limit of %u directories): from %s on", sn->n,
                       sn->n == 1 ? "y" : "ies", LP_LDCONF_MAX_DIRS, first);
            break;
        case SKIP_GLOB:
            lp_sb_addf(&sb, "%zu path%s matched by include patterns not read (over the limit of %u "
                       "matches of one pattern): the first in '%s'",
                       sn->n, sn->n == 1 ? "" : "s", LP_LDCONF_MAX_GLOB, first);
            break;
        case SKIP_DEPTH:
            lp_sb_addf(&sb, "%zu include%s nested deeper than %u levels not followed (an include loop?): "
                       "the first in '%s'",
                       sn->n, sn->n == 1 ? "" : "s", LP_LDCONF_MAX_DEPTH, first);
            break;
        case SKIP_MATCHES:
            lp_sb_addf(&sb, "%zu include pattern%s not expanded (over the limit of %u names compared "
                       "with patterns in all): from '%s' on",
                       sn->n, sn->n == 1 ? "" : "s", LDCONF_MAX_MATCHES, first);
            break;
        default:
            lp_sb_addf(&sb, "%zu configuration file%s larger than %u KiB not read: '%s'", sn->n,
                       sn->n == 1 ? "" : "s", LDCONF_MAX_TEXT >> 10, first);
            break;
        }
        char *line = lp_sb_take(&sb);
        char **nv = line ? realloc(l->skipped, (l->n_skipped + 1) * sizeof *nv) : NULL;
        if (!nv) {
            free(line);
            return nomem(err);
        }
        l->skipped = nv;
        l->skipped[l->n_skipped++] = line;
    }
    return LP_OK;
}

static lp_code parse_conf(conf_ctx *x, const char *file, unsigned depth, bool *present);

/* add_dir_1: clean up the line and add it when it is a new directory. */
static lp_code add_dir(conf_ctx *x, const char *line, const char *file, size_t lineno)
{
    size_t n = strcspn(line, "=");
    while (n > 0 && is_space(line[n - 1]))
        n--;
    while (n > 0 && line[n - 1] == '/')
        n--;
    if (n == 0 || line[0] != '/')
        return LP_OK;
    char *dir = strndup(line, n);
    if (!dir)
        return nomem(x->err);
    char *canon = NULL;
    lp_ftype type = LP_FT_NONE;
    lp_err le;
    lp_err_clear(&le);
    lp_code rc = lp_root_realpath(x->root, dir, &canon, &type, &le);
    if (rc == LP_ERR_NOMEM) {
        free(dir);
        return nomem(x->err);
    }
    if (rc != LP_OK || type != LP_FT_DIR || !canon) {
        free(dir);
        free(canon);
        return LP_OK; /* ldconfig: "Can't stat", dropped */
    }
    if (smap_has(&x->canon_set, canon)) {
        free(dir);
        free(canon);
        return LP_OK; /* "Path given more than once": the first stays */
    }
    if (x->out->n == x->canon_cap) {
        size_t nc = x->canon_cap ? x->canon_cap * 2 : 16;
        char **c = realloc(x->canon, nc * sizeof *c);
        if (!c) {
            free(dir);
            free(canon);
            return nomem(x->err);
        }
        x->canon = c;
        x->canon_cap = nc;
    }
    if (x->out->n >= LP_LDCONF_MAX_DIRS) {
        char where[600];
        snprintf(where, sizeof where, "%.256s (%.256s:%zu)", dir, file, lineno);
        note_skip(x, SKIP_DIRS, 1, where);
        free(dir);
        free(canon);
        return LP_OK;
    }
    rc = dirlist_add(x->out, &x->cap, dir, n, file, lineno, x->err);
    free(dir);
    if (rc != LP_OK) {
        free(canon);
        return rc;
    }
    x->canon[x->out->n - 1] = canon;
    return smap_put(&x->canon_set, canon, NULL) ? LP_OK : nomem(x->err);
}

/*
 * Whether @p kind:@p name was taken already at @p depth or shallower (then
 * taking it again adds nothing); records @p depth otherwise. *rc: NOMEM.
 */
static bool taken_before(conf_ctx *x, char kind, const char *name, unsigned depth, lp_code *rc)
{
    *rc = LP_OK;
    lp_strbuf sb = {0};
    lp_sb_addc(&sb, kind);
    lp_sb_addc(&sb, ':');
    lp_sb_adds(&sb, name);
    char *key = lp_sb_take(&sb);
    if (!key) {
        *rc = nomem(x->err);
        return true;
    }
    uintptr_t was = (uintptr_t)smap_get(&x->taken, key);
    bool before = was && was - 1 <= depth;
    if (!before && !smap_put(&x->taken, key, (void *)(uintptr_t)(depth + 1)))
        *rc = nomem(x->err);
    free(key);
    return before;
}

/* parse_conf_include: one pattern of an include line. */
static lp_code include(conf_ctx *x, const char *file, const char *pat, size_t plen,
                       unsigned depth)
{
    if (depth >= LP_LDCONF_MAX_DEPTH) {
        note_skip(x, SKIP_DEPTH, 1, file); /* a loop, or absurdly deep: cut */
        return LP_OK;
    }
    lp_strbuf sb = {0};
    if (pat[0] != '/') {
        const char *slash = strrchr(file, '/');
        size_t dl = slash ? (size_t)(slash - file) : 0;
        lp_sb_add(&sb, file, dl); /* dirname; "/x.conf" gives "" and so "/pat" */
        lp_sb_addc(&sb, '/');
    }
    lp_sb_add(&sb, pat, plen);
    char *pattern = lp_sb_take(&sb);
    if (!pattern)
        return nomem(x->err);
    strvec m = {0};
    size_t dropped = 0;
    lp_code rc = LP_OK;
    if (!taken_before(x, 'p', pattern, depth, &rc) && !rc)
        rc = glob_root(x, pattern, &m, &dropped);
    if (dropped)
        note_skip(x, SKIP_GLOB, dropped, pattern);
    if (rc == LP_ERR_LIMIT) { /* the pattern budget: this pattern is skipped, not the configuration */
        note_skip(x, SKIP_MATCHES, 1, pattern);
        rc = LP_OK;
    }
    free(pattern);
    for (size_t i = 0; rc == LP_OK && i < m.n; i++)
        rc = parse_conf(x, m.v[i], depth + 1, NULL);
    strvec_free(&m);
    return rc;
}

static lp_code parse_conf(conf_ctx *x, const char *file, unsigned depth, bool *present)
{
    lp_code trc = LP_OK;
    if (depth > 0 && taken_before(x, 'f', file, depth, &trc))
        return trc;
    if (trc)
        return trc;
    if (++x->files > LDCONF_MAX_FILES) {
        note_skip(x, SKIP_FILES, 1, file);
        return LP_OK;
    }
    char *text = NULL;
    size_t len = 0;
    lp_err le;
    lp_err_clear(&le);
    lp_code rc = lp_root_read_text(x->root, file, LDCONF_MAX_TEXT, &text, &len, &le);
    if (rc == LP_ERR_LIMIT) {
        if (present)
            *present = true;
        note_skip(x, SKIP_SIZE, 1, file);
        return LP_OK;
    }
    if (rc != LP_OK) {
        if (present)
            *present = rc != LP_ERR_NOTFOUND;
        if (rc == LP_ERR_NOMEM || (present && rc != LP_ERR_NOTFOUND)) {
            if (x->err)
                *x->err = le;
            return rc;
        }
        return LP_OK; /* an included file that is missing, a directory, unreadable */
    }
    if (present)
        *present = true;

    size_t lineno = 0;
    size_t pos = 0;
    while (rc == LP_OK && pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        pos += ll + (nl ? 1 : 0);
        lineno++;
        /* getline keeps NUL bytes, but the line is then used as a C string */
        const char *z = memchr(line, '\0', ll);
        if (z)
            ll = (size_t)(z - line);
        const char *hash = memchr(line, '#', ll);
        if (hash)
            ll = (size_t)(hash - line);
        size_t i = 0;
        while (i < ll && is_space(line[i]))
            i++;
        const char *cp = line + i;
        size_t cl = ll - i;
        if (cl == 0)
            continue;
        if (cl > 7 && memcmp(cp, "include", 7) == 0 && is_blank(cp[7])) {
            size_t k = 8;
            while (rc == LP_OK && k < cl) {
                size_t w = 0;
                while (k + w < cl && !is_blank(cp[k + w]))
                    w++;
                if (w > 0)
                    rc = include(x, file, cp + k, w, depth);
                k += w + 1;
            }
        } else if (cl > 5 && ascii_prefix_nocase(cp, "hwcap") && is_blank(cp[5])) {
            continue;
        } else {
            char *d = strndup(cp, cl);
            if (!d) {
                rc = nomem(x->err);
                break;
            }
            rc = add_dir(x, d, file, lineno);
            free(d);
        }
    }
    free(text);
    return rc;
}

lp_code lp_ldconf_read(lp_root *root, const char *path, lp_dirlist *out, bool *present,
                       lp_err *err)
{
    if (present)
        *present = false;
    if (!out)
        return lp_err_set(err, LP_ERR_INVAL, "lp_ldconf_read: no output list");
    memset(out, 0, sizeof *out);
    if (!root || !path || path[0] != '/')
        return lp_err_set(err, LP_ERR_INVAL, "'%s': ld.so.conf path must be absolute",
                          path ? path : "(null)");
    conf_ctx x = {.root = root, .out = out, .err = err};
    bool here = false;
    lp_code rc = parse_conf(&x, path, 0, &here);
    if (rc == LP_OK)
        rc = skip_lines(&x, err);
    for (size_t i = 0; i < out->n; i++)
        free(x.canon[i]);
    free(x.canon);
    for (int k = 0; k < SKIP_KINDS; k++)
        free(x.skip[k].first);
    smap_release(&x.canon_set, NULL);
    smap_release(&x.lists, listing_free);
    smap_release(&x.taken, NULL);
    if (rc != LP_OK) {
        lp_dirlist_release(out);
        return rc;
    }
    if (present)
        *present = here;
    return LP_OK;
}

/* ---- musl ---- */

/*
 * musl ldso/dynlink.c, load_library: the path file is
 * "<prefix>/etc/ld-musl-" LDSO_ARCH ".path", where prefix is the loader's own
 * path (PT_INTERP) minus its last two components: "" for the usual
 * /lib/ld-musl-ARCH.so.1, so "/etc/ld-musl-ARCH.path" (a loader installed
 * elsewhere, e.g. /usr/local/musl/lib/, would read
 * /usr/local/musl/etc/...; this function reads the /etc one). The whole file
 * is read (fstat size and read; before musl 1.1.20 getdelim with delimiter 0,
 * the same up to the first NUL) and used as a C string. When open fails with
 * ENOENT the default "/lib:/usr/local/lib:/usr/lib" is used; when it fails
 * otherwise, or the read fails, sys_path is "" and nothing is searched.
 * path_open splits on ":\n": runs of separators are skipped, so there are no
 * empty elements; nothing else (spaces, '\r', trailing '/') is trimmed, and
 * a relative element is kept (musl opens it relative to the working
 * directory). Duplicates are kept: musl tries each in turn.
 */
lp_code lp_musl_path_read(lp_root *root, const char *arch, lp_dirlist *out, bool *present,
                          lp_err *err)
{
    if (present)
        *present = false;
    if (!out)
        return lp_err_set(err, LP_ERR_INVAL, "lp_musl_path_read: no output list");
    memset(out, 0, sizeof *out);
    if (!root || !arch || !arch[0] || strchr(arch, '/'))
        return lp_err_set(err, LP_ERR_INVAL, "'%s': not a musl architecture name",
                          arch ? arch : "(null)");
    lp_strbuf sb = {0};
    lp_sb_addf(&sb, "/etc/ld-musl-%s.path", arch);
    char *file = lp_sb_take(&sb);
    if (!file)
        return nomem(err);

    char *text = NULL;
    size_t len = 0;
    lp_err le;
    lp_err_clear(&le);
    lp_code rc = lp_root_read_text(root, file, LDCONF_MAX_TEXT, &text, &len, &le);
    if (rc == LP_ERR_NOTFOUND) {
        free(file);
        return LP_OK;
    }
    if (rc == LP_ERR_NOMEM || rc == LP_ERR_LIMIT) {
        if (err)
            *err = le;
        free(file);
        return rc;
    }
    if (present)
        *present = true;
    if (rc != LP_OK) { /* a directory, unreadable: musl's sys_path = "" */
        free(file);
        return LP_OK;
    }

    size_t cap = 0, line = 1, pos = 0;
    size_t end = strnlen(text, len);
    rc = LP_OK;
    while (rc == LP_OK && pos < end) {
        if (text[pos] == ':' || text[pos] == '\n') {
            if (text[pos] == '\n')
                line++;
            pos++;
            continue;
        }
        size_t n = strcspn(text + pos, ":\n");
        rc = dirlist_add(out, &cap, text + pos, n, file, line, err);
        pos += n;
    }
    free(text);
    free(file);
    if (rc != LP_OK) {
        lp_dirlist_release(out);
        if (present)
            *present = false;
    }
    return rc;
}
