/*
 * fuzz_versions.c - libFuzzer harness: arbitrary bytes as an object file
 * through the symbol version reader (ld.h): lp_obj_open, lp_versions_read,
 * then every query on what was read (defines, highest, version_cmp) and
 * release. Traps when a result breaks the API's promises: an error that is
 * not FORMAT/LIMIT/NOMEM or is not one line, a failed read that leaves
 * anything behind, a reference to a version that is not needed, or a
 * version comparison that is not antisymmetric.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "linkproof/ld.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sign(int v) { return (v > 0) - (v < 0); }

static void check_pair(const char *a, const char *b)
{
    if (sign(lp_version_cmp(a, b)) != -sign(lp_version_cmp(b, a)))
        __builtin_trap();
    if (lp_version_cmp(a, b) == 0 && strcmp(a, b) != 0)
        __builtin_trap();
}

static bool needed(const lp_versions *v, uint16_t index)
{
    for (size_t i = 0; i < v->n_needs; i++)
        for (size_t j = 0; j < v->needs[i].n_vers; j++)
            if (v->needs[i].vers[j].index == index)
                return true;
    return false;
}

static void exercise(const lp_versions *v)
{
    const char *prev = "";
    for (size_t i = 0; i < v->n_needs; i++) {
        const lp_verneed *n = &v->needs[i];
        check_pair(n->file, prev);
        for (size_t j = 0; j < n->n_vers; j++) {
            const char *name = n->vers[j].name;
            (void)lp_versions_defines(v, name);
            const char *hi = lp_versions_highest(v, name);
            if (hi)
                check_pair(hi, name);
            check_pair(name, prev);
            prev = name;
        }
    }
    for (size_t i = 0; i < v->n_defs; i++) {
        const char *name = v->defs[i].name;
        if (!lp_versions_defines(v, name))
            __builtin_trap();
        const char *hi = lp_versions_highest(v, name);
        if (hi && !(v->defs[i].flags & LP_VER_FLG_BASE) && lp_version_cmp(hi, name) < 0)
            __builtin_trap(); /* the highest of a family is not below one of its members */
        check_pair(name, prev);
        prev = name;
    }
    for (size_t i = 0; i < v->n_refs; i++) {
        if (!v->refs[i].name[0] || v->refs[i].version < 2 || !needed(v, v->refs[i].version))
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err err;
    if (lp_src_from_mem(&src, data, size, "fuzz", &err) != LP_OK)
        return 0;
    if (lp_obj_open(&obj, src, &err) == LP_OK) {
        lp_versions v;
        lp_code rc = lp_versions_read(obj, LP_VERSIONS_REFS, &v, &err);
        if (rc == LP_OK) {
            exercise(&v);
        } else {
            if (rc != LP_ERR_FORMAT && rc != LP_ERR_LIMIT && rc != LP_ERR_NOMEM)
                __builtin_trap();
            if (!err.msg[0] || strchr(err.msg, '\n') || v.needs || v.defs || v.refs || v.priv)
                __builtin_trap();
        }
        /* without the symbols: the same needs and definitions, no refs */
        lp_versions w;
        lp_code rc2 = lp_versions_read(obj, 0, &w, &err);
        if (rc2 == LP_OK) {
            exercise(&w);
            if (w.n_refs || (rc == LP_OK && (w.n_needs != v.n_needs || w.n_defs != v.n_defs)))
                __builtin_trap();
        } else if (rc2 != LP_ERR_FORMAT && rc2 != LP_ERR_LIMIT && rc2 != LP_ERR_NOMEM) {
            __builtin_trap();
        }
        lp_versions_release(&w);
        lp_versions_release(&v);
        lp_obj_free(&obj);
    }
    lp_src_free(&src);
    return 0;
}
