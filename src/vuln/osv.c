/*
 * osv.c - parses one OSV report of the Go vulnerability database (hostile
 * input): the json limit is checked before jansson sees the bytes (jansson
 * bounds nesting itself), every array is counted against osv.h's bounds,
 * every string against LP_OSV_MAX_STRING, and only what matching needs is
 * kept: id, aliases, summary, withdrawn, and per affected module its SEMVER
 * events and imports (path, symbols, goos, goarch). Ranges of another type
 * are skipped (the Go database writes SEMVER only).
 *
 * Invariant: a parsed report owns all its strings; lp_osv_free frees a
 * partly built one.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "linkproof/vulns.h"
#include "util/jsonlimit.h"
#include "vuln/osv.h"

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void lp_osv_free(lp_osv **po)
{
    if (!po || !*po)
        return;
    lp_osv *o = *po;
    free(o->id);
    free(o->summary);
    free_strs(o->aliases, o->n_aliases);
    for (size_t i = 0; i < o->n_aff; i++) {
        lp_osv_affected *a = &o->aff[i];
        free(a->module);
        for (size_t k = 0; k < a->n_ev; k++) {
            free(a->ev[k].introduced);
            free(a->ev[k].fixed);
        }
        free(a->ev);
        free(a->range_end);
        for (size_t k = 0; k < a->n_imp; k++) {
            free(a->imp[k].path);
            free_strs(a->imp[k].symbols, a->imp[k].n_symbols);
            free_strs(a->imp[k].goos, a->imp[k].n_goos);
            free_strs(a->imp[k].goarch, a->imp[k].n_goarch);
        }
        free(a->imp);
    }
    free(o->aff);
    free(o);
    *po = NULL;
}

typedef struct ctx {
    const char *name;
    lp_err *err;
} ctx;

static lp_code bad(ctx *c, const char *what)
{
    return lp_err_set(c->err, LP_ERR_FORMAT, "'%s': OSV report: %s", c->name, what);
}

static lp_code nomem(ctx *c) { return lp_err_set(c->err, LP_ERR_NOMEM, "out of memory"); }

/* A string member: NULL when absent (and !required), an error when not a string or too long. */
static lp_code get_str(ctx *c, json_t *o, const char *key, bool required, size_t max, char **out)
{
    *out = NULL;
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        if (!required)
            return LP_OK;
        char why[96];
        snprintf(why, sizeof why, "no \"%s\"", key);
        return bad(c, why);
    }
    if (!json_is_string(v)) {
        char why[96];
        snprintf(why, sizeof why, "\"%s\" is not a string", key);
        return bad(c, why);
    }
    size_t n = json_string_length(v);
    if (n > max || memchr(json_string_value(v), '\0', n)) {
        if (max == LP_OSV_MAX_SUMMARY && !memchr(json_string_value(v), '\0', n)) {
            n = max;
        } else {
            char why[96];
            snprintf(why, sizeof why, "\"%s\" is longer than %zu bytes or holds a NUL", key, max);
            return bad(c, why);
        }
    }
    *out = strndup(json_string_value(v), n);
    return *out ? LP_OK : nomem(c);
}

/* An array of strings (absent: empty), at most @p max of them. */
static lp_code get_strs(ctx *c, json_t *o, const char *key, size_t max, char ***out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return LP_OK;
    char why[96];
    if (!json_is_array(v)) {
        snprintf(why, sizeof why, "\"%s\" is not an array", key);
        return bad(c, why);
    }
    size_t n = json_array_size(v);
    if (n > max) {
        snprintf(why, sizeof why, "more than %zu \"%s\"", max, key);
        return bad(c, why);
    }
    char **s = calloc(n ? n : 1, sizeof *s);
    if (!s)
        return nomem(c);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(v, i);
        size_t len = json_is_string(e) ? json_string_length(e) : 0;
        if (!json_is_string(e) || len > LP_OSV_MAX_STRING || memchr(json_string_value(e), '\0', len)) {
            free_strs(s, i);
            snprintf(why, sizeof why, "\"%s\" holds something that is not a short string", key);
            return bad(c, why);
        }
        if (!(s[i] = strndup(json_string_value(e), len))) {
            free_strs(s, i);
            return nomem(c);
        }
    }
    *out = s;
    *n_out = n;
    return LP_OK;
}

static lp_code parse_ranges(ctx *c, json_t *ranges, lp_osv_affected *a)
{
    if (!ranges || json_is_null(ranges))
        return LP_OK;
    if (!json_is_array(ranges))
        return bad(c, "\"ranges\" is not an array");
    size_t nr = json_array_size(ranges), total = 0;
    if (nr > LP_OSV_MAX_EVENTS)
        return bad(c, "too many ranges");
    for (size_t i = 0; i < nr; i++) {
        json_t *r = json_array_get(ranges, i), *ev = json_object_get(r, "events");
        if (!json_is_object(r) || !json_is_array(ev))
            return bad(c, "a range without \"events\"");
        total += json_array_size(ev);
        if (total > LP_OSV_MAX_EVENTS)
            return bad(c, "too many range events");
    }
    a->ev = calloc(total ? total : 1, sizeof *a->ev);
    a->range_end = calloc(nr ? nr : 1, sizeof *a->range_end);
    if (!a->ev || !a->range_end)
        return nomem(c);
    for (size_t i = 0; i < nr; i++) {
        json_t *r = json_array_get(ranges, i), *ev = json_object_get(r, "events");
        json_t *type = json_object_get(r, "type");
        if (!json_is_string(type))
            return bad(c, "a range without a \"type\"");
        bool semver = strcmp(json_string_value(type), "SEMVER") == 0;
        for (size_t k = 0; semver && k < json_array_size(ev); k++) {
            json_t *e = json_array_get(ev, k);
            if (!json_is_object(e))
                return bad(c, "an event is not an object");
            lp_osv_event *o = &a->ev[a->n_ev];
            lp_code rc = get_str(c, e, "introduced", false, LP_OSV_MAX_STRING, &o->introduced);
            if (!rc)
                rc = get_str(c, e, "fixed", false, LP_OSV_MAX_STRING, &o->fixed);
            if (rc) {
                free(o->introduced);
                free(o->fixed);
                o->introduced = o->fixed = NULL;
                return rc;
            }
            if (!o->introduced && !o->fixed)
                continue; /* last_affected / limit: not written by the Go database */
            if (o->introduced && o->fixed) {
                free(o->introduced);
                free(o->fixed);
                o->introduced = o->fixed = NULL;
                return bad(c, "an event with both \"introduced\" and \"fixed\"");
            }
            a->n_ev++;
        }
        a->range_end[a->n_ranges++] = a->n_ev;
    }
    return LP_OK;
}

static lp_code parse_imports(ctx *c, json_t *es, lp_osv_affected *a)
{
    if (!es || json_is_null(es))
        return LP_OK;
    if (!json_is_object(es))
        return bad(c, "\"ecosystem_specific\" is not an object");
    json_t *imps = json_object_get(es, "imports");
    if (!imps || json_is_null(imps))
        return LP_OK;
    if (!json_is_array(imps))
        return bad(c, "\"imports\" is not an array");
    size_t n = json_array_size(imps), syms = 0;
    if (n > LP_OSV_MAX_IMPORTS)
        return bad(c, "too many imports");
    a->imp = calloc(n ? n : 1, sizeof *a->imp);
    if (!a->imp)
        return nomem(c);
    for (size_t i = 0; i < n; i++) {
        json_t *im = json_array_get(imps, i);
        if (!json_is_object(im))
            return bad(c, "an import is not an object");
        lp_osv_import *p = &a->imp[a->n_imp++];
        lp_code rc = get_str(c, im, "path", true, LP_OSV_MAX_STRING, &p->path);
        if (!rc)
            rc = get_strs(c, im, "symbols", LP_OSV_MAX_SYMBOLS, &p->symbols, &p->n_symbols);
        if (!rc)
            rc = get_strs(c, im, "goos", 256, &p->goos, &p->n_goos);
        if (!rc)
            rc = get_strs(c, im, "goarch", 256, &p->goarch, &p->n_goarch);
        if (rc)
            return rc;
        syms += p->n_symbols;
        if (syms > LP_OSV_MAX_SYMBOLS)
            return bad(c, "too many symbols");
    }
    return LP_OK;
}

static lp_code parse_doc(ctx *c, json_t *root, lp_osv *o)
{
    if (!json_is_object(root))
        return bad(c, "not a JSON object");
    lp_code rc = get_str(c, root, "id", true, 256, &o->id);
    if (!rc)
        rc = get_str(c, root, "summary", false, LP_OSV_MAX_SUMMARY, &o->summary);
    if (!rc)
        rc = get_strs(c, root, "aliases", LP_OSV_MAX_ALIASES, &o->aliases, &o->n_aliases);
    if (rc)
        return rc;
    json_t *w = json_object_get(root, "withdrawn");
    o->withdrawn = w && !json_is_null(w);
    json_t *aff = json_object_get(root, "affected");
    if (!aff || json_is_null(aff))
        return LP_OK;
    if (!json_is_array(aff))
        return bad(c, "\"affected\" is not an array");
    size_t n = json_array_size(aff);
    if (n > LP_OSV_MAX_AFFECTED)
        return bad(c, "too many \"affected\" entries");
    o->aff = calloc(n ? n : 1, sizeof *o->aff);
    if (!o->aff)
        return nomem(c);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(aff, i);
        if (!json_is_object(e))
            return bad(c, "an \"affected\" entry is not an object");
        json_t *pkg = json_object_get(e, "package");
        if (!json_is_object(pkg))
            return bad(c, "an \"affected\" entry without \"package\"");
        lp_osv_affected *a = &o->aff[o->n_aff++];
        if ((rc = get_str(c, pkg, "name", true, LP_OSV_MAX_STRING, &a->module)) ||
            (rc = parse_ranges(c, json_object_get(e, "ranges"), a)) ||
            (rc = parse_imports(c, json_object_get(e, "ecosystem_specific"), a)))
            return rc;
    }
    return LP_OK;
}

lp_code lp_osv_parse(const char *buf, size_t len, const char *name, lp_osv **out, lp_err *err)
{
    *out = NULL;
    ctx c = {name, err};
    lp_code rc = lp_json_check(buf, len, name, "OSV report", err);
    if (rc)
        return rc;
    json_error_t je;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return lp_err_set(err, LP_ERR_FORMAT, "'%s': OSV report: %s (line %d)", name, je.text,
                          je.line);
    lp_osv *o = calloc(1, sizeof *o);
    if (!o) {
        json_decref(root);
        return nomem(&c);
    }
    rc = parse_doc(&c, root, o);
    json_decref(root);
    if (rc) {
        lp_osv_free(&o);
        return rc;
    }
    *out = o;
    return LP_OK;
}

lp_code lp_osv_check(const char *buf, size_t len, const char *name, lp_err *err)
{
    lp_osv *o = NULL;
    lp_code rc = lp_osv_parse(buf, len, name, &o, err);
    if (!rc) {
        /* exercise the range walk on what was parsed */
        const char *fixed;
        for (size_t i = 0; i < o->n_aff; i++)
            (void)lp_osv_affects(&o->aff[i], "v1.2.3", &fixed);
    }
    lp_osv_free(&o);
    return rc;
}

/* "0" (introduced from the start) sorts below every version. */
static int ev_cmp_ver(const char *a, const char *b)
{
    bool a0 = strcmp(a, "0") == 0, b0 = strcmp(b, "0") == 0;
    if (a0 || b0)
        return (int)b0 - (int)a0;
    return lp_semver_cmp(a, b);
}

static const char *ev_ver(const lp_osv_event *e) { return e->introduced ? e->introduced : e->fixed; }

bool lp_osv_affects(const lp_osv_affected *a, const char *version, const char **fixed)
{
    *fixed = NULL;
    if (!lp_semver_valid(version))
        return false;
    size_t start = 0;
    for (size_t r = 0; r < a->n_ranges; r++) {
        size_t end = a->range_end[r], n = end - start;
        /* the events in version order: insertion sort over indices (n is bounded) */
        size_t idx_small[64], *idx = n <= 64 ? idx_small : malloc(n * sizeof *idx);
        if (!idx)
            return false;
        for (size_t i = 0; i < n; i++) {
            size_t k = i;
            while (k > 0 && ev_cmp_ver(ev_ver(&a->ev[start + idx[k - 1]]), ev_ver(&a->ev[start + i])) > 0) {
                idx[k] = idx[k - 1];
                k--;
            }
            idx[k] = i;
        }
        bool affected = false;
        const char *fix = NULL;
        for (size_t i = 0; i < n; i++) {
            const lp_osv_event *e = &a->ev[start + idx[i]];
            int c = ev_cmp_ver(version, ev_ver(e));
            if (c < 0) {
                if (affected && e->fixed)
                    fix = e->fixed;
                if (affected && !e->fixed)
                    continue;
                break;
            }
            affected = e->introduced != NULL;
        }
        if (idx != idx_small)
            free(idx);
        if (affected) {
            *fixed = fix;
            return true;
        }
        start = end;
    }
    return false;
}
