/*
 * facts.c - gather the facts about one file, once, for every view.
 *
 * Owns: the order in which readers run and the rules that turn raw facts into
 * the derived ones (static, PIE, stripped) and into notes where the build's
 * own record disagrees with the binary. Reads only what these questions need:
 * headers, notes, the dynamic section and at most 64 KiB for build info.
 */
#include "linkproof/facts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkproof/ldflags.h"

#define ET_DYN 3u

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

static bool add_note(lp_facts *f, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool add_note(lp_facts *f, const char *id, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    lp_note *nn = realloc(f->notes, (f->n_notes + 1) * sizeof *nn);
    if (!nn)
        return false;
    f->notes = nn;
    lp_note *n = &f->notes[f->n_notes];
    n->id = strdup(id);
    n->text = strdup(buf);
    if (!n->id || !n->text) {
        free(n->id);
        free(n->text);
        return false;
    }
    f->n_notes++;
    return true;
}

static bool starts_with(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

static void scan_sections(lp_facts *f, const lp_obj *obj)
{
    f->has_sections = lp_obj_section_count(obj) > 0;
    f->symtab = lp_obj_has_symtab(obj);
    for (size_t i = 0; i < lp_obj_section_count(obj); i++) {
        const lp_section *s = lp_obj_section_at(obj, i);
        bool z = starts_with(s->name, ".zdebug_");
        if (!z && !starts_with(s->name, ".debug_"))
            continue;
        f->dwarf = true;
        f->n_dwarf_sections++;
        if (z || (s->flags & LP_SHF_COMPRESSED))
            f->dwarf_compressed = true;
    }
}

static void derive_linkage(lp_facts *f)
{
    lp_linkage *l = &f->linkage;
    l->is_static = !l->dyn.interp && l->dyn.n_needed == 0;
    l->pie_flag = l->dyn.has_flags_1 && (l->dyn.flags_1 & LP_DF_1_PIE);
    /* A shared library is ET_DYN too; it is a PIE only if it says so or can be run. */
    l->pie = f->info.type == ET_DYN && (l->pie_flag || (l->dyn.interp && !l->dyn.soname));
}

/* Where the build's record and the binary disagree: one line each. */
static bool check_record(lp_facts *f)
{
    const lp_buildinfo *bi = f->go;
    const lp_linkage *l = &f->linkage;
    if (!bi)
        return true;
    const char *cgo = lp_buildinfo_setting(bi, "CGO_ENABLED");
    if (cgo && strcmp(cgo, "1") == 0 && l->is_static && f->info.type != ET_DYN &&
        !add_note(f, "cgo-static",
                  "CGO_ENABLED=1 is recorded but the binary is static with no interpreter: "
                  "no package used cgo, so nothing from libc was linked"))
        return false;
    if (cgo && strcmp(cgo, "0") == 0 && l->dyn.n_needed > 0 &&
        !add_note(f, "nocgo-dynamic",
                  "CGO_ENABLED=0 is recorded but the binary needs shared libraries (%s%s)",
                  l->dyn.needed[0], l->dyn.n_needed > 1 ? ", ..." : ""))
        return false;

    const char *mode = lp_buildinfo_setting(bi, "-buildmode");
    if (mode && strcmp(mode, "pie") == 0 && !l->pie &&
        !add_note(f, "pie-mismatch", "-buildmode=pie is recorded but the binary is not a PIE"))
        return false;
    if (mode && strcmp(mode, "exe") == 0 && l->pie &&
        !add_note(f, "pie-mismatch", "-buildmode=exe is recorded but the binary is a PIE"))
        return false;

    const char *goarch = lp_buildinfo_setting(bi, "GOARCH");
    if (goarch && f->info.goarch && strcmp(goarch, f->info.goarch) != 0 &&
        !add_note(f, "goarch-mismatch", "GOARCH=%s is recorded but the machine is %s (%s)",
                  goarch, f->machine, f->info.goarch))
        return false;

    /* Stripping: compare -s/-w in the recorded -ldflags with the sections present. */
    const char *ld = lp_buildinfo_setting(bi, "-ldflags");
    const char *trim = lp_buildinfo_setting(bi, "-trimpath");
    bool ld_known = ld || !(trim && strcmp(trim, "true") == 0);
    if (!ld_known || !f->has_sections)
        return true;
    lp_strv args = {0};
    lp_err e2;
    if (ld && lp_go_split_quoted(ld, &args, &e2) != LP_OK)
        return e2.code != LP_ERR_NOMEM;
    bool s = lp_ldflags_bool(&args, "s"), w = lp_ldflags_bool(&args, "w");
    lp_strv_release(&args);
    bool ok = true;
    if (s && f->symtab)
        ok = add_note(f, "symtab-kept", "-ldflags has -s but the binary has a symbol table");
    else if (!s && !f->symtab)
        ok = add_note(f, "stripped-after-build",
                      "no -s in the recorded -ldflags, yet there is no symbol table: "
                      "the binary was stripped after the build (strip, objcopy)");
    if (ok && (s || w) && f->dwarf)
        ok = add_note(f, "dwarf-kept", "-ldflags has %s but the binary has DWARF sections",
                      w ? "-w" : "-s");
    else if (ok && !s && !w && f->symtab && !f->dwarf)
        ok = add_note(f, "dwarf-removed",
                      "no -w in the recorded -ldflags, yet there are no DWARF sections: "
                      "debug information was removed after the build");
    return ok;
}

lp_code lp_facts_from_src(lp_src *src, lp_facts **out, lp_err *err)
{
    *out = NULL;
    lp_facts *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(lp_src_name(src)))) {
        free(f);
        return nomem(err);
    }
    *out = f;
    lp_obj *obj = NULL;
    lp_code rc = lp_obj_open(&obj, src, &f->error);
    if (rc == LP_ERR_UNSUPPORTED) {
        /* a script, an empty file, a text file: readable, just not an object */
        lp_err_clear(&f->error);
        return LP_OK;
    }
    if (rc)
        goto fail;
    f->is_object = true;
    f->info = *lp_obj_info_get(obj);
    snprintf(f->machine, sizeof f->machine, "%s", f->info.machine_name);
    f->info.machine_name = f->machine;
    scan_sections(f, obj);

    if ((rc = lp_obj_dynamic(obj, &f->linkage.dyn, &f->error)))
        goto fail;
    derive_linkage(f);

    rc = lp_buildinfo_read(obj, &f->go, &f->error);
    if (rc == LP_ERR_NOTFOUND || rc == LP_ERR_UNSUPPORTED) {
        /* no blob, or no writable segment holding one: not Go by build info */
        lp_err_clear(&f->error);
        rc = LP_OK;
    }
    if (rc)
        goto fail;
    if ((rc = lp_go_buildid(obj, &f->go_build_id, &f->go_build_id_src, &f->error)))
        goto fail;
    if ((rc = lp_gnu_buildid(obj, &f->gnu_build_id, &f->error)))
        goto fail;
    f->is_go = f->go || f->go_build_id;
    if (f->is_go && !f->go &&
        !add_note(f, "no-buildinfo",
                  "Go build ID present but no build info: the .go.buildinfo data was removed "
                  "or this is not a main package"))
        rc = nomem(&f->error);
    if (!rc && !check_record(f))
        rc = nomem(&f->error);
    if (rc)
        goto fail;
    lp_obj_free(&obj);
    return LP_OK;
fail:
    lp_obj_free(&obj);
    if (err)
        *err = f->error;
    return rc;
}

lp_code lp_facts_collect(const char *path, lp_facts **out, lp_err *err)
{
    *out = NULL;
    lp_src *src = NULL;
    lp_err e;
    lp_err_clear(&e);
    lp_code rc = lp_src_open(&src, path, &e);
    if (rc) {
        lp_facts *f = calloc(1, sizeof *f);
        if (f && !(f->path = strdup(path))) {
            free(f);
            f = NULL;
        }
        if (!f)
            return nomem(err);
        f->error = e;
        *out = f;
        if (err)
            *err = e;
        return rc;
    }
    rc = lp_facts_from_src(src, out, err);
    lp_src_free(&src);
    return rc;
}

void lp_facts_free(lp_facts **pf)
{
    if (!pf || !*pf)
        return;
    lp_facts *f = *pf;
    free(f->path);
    lp_buildinfo_free(&f->go);
    free(f->go_build_id);
    free(f->gnu_build_id);
    lp_dynamic_release(&f->linkage.dyn);
    for (size_t i = 0; i < f->n_notes; i++) {
        free(f->notes[i].id);
        free(f->notes[i].text);
    }
    free(f->notes);
    free(f);
    *pf = NULL;
}
