/*
 * text.c - facts as aligned human text, and the colour rules.
 *
 * Layout: the path on its own line, then "  label   value" rows with labels
 * padded to one width, so columns line up across files. Values that come
 * from the binary are printed with control bytes escaped, so a hostile
 * string cannot move the cursor or forge lines.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report.h"

#define LABEL_W 14

bool lp_color_parse(const char *s, lp_color_mode *mode)
{
    if (strcmp(s, "auto") == 0)
        *mode = LP_COLOR_AUTO;
    else if (strcmp(s, "always") == 0)
        *mode = LP_COLOR_ALWAYS;
    else if (strcmp(s, "never") == 0)
        *mode = LP_COLOR_NEVER;
    else
        return false;
    return true;
}

bool lp_color_enabled(FILE *fp, lp_color_mode mode)
{
    if (mode == LP_COLOR_ALWAYS)
        return true;
    if (mode == LP_COLOR_NEVER)
        return false;
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        return false;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0)
        return false;
    return isatty(fileno(fp)) == 1;
}

static void label(lp_out *o, const char *l)
{
    if (o->color)
        fprintf(o->fp, "  \033[1m%-*s\033[0m", LABEL_W, l);
    else
        fprintf(o->fp, "  %-*s", LABEL_W, l);
}

static void row(lp_out *o, const char *l, const char *v)
{
    label(o, l);
    lp_put_safe(o->fp, v ? v : "-");
    fputc('\n', o->fp);
}

static void sub(lp_out *o, const char *v)
{
    fprintf(o->fp, "  %-*s  ", LABEL_W, "");
    lp_put_safe(o->fp, v);
}

static void module_line(lp_out *o, const lp_module *m)
{
    lp_put_safe(o->fp, m->path);
    if (m->version && *m->version) {
        fputc(' ', o->fp);
        lp_put_safe(o->fp, m->version);
    }
    if (m->replace) {
        fputs(" => ", o->fp);
        module_line(o, m->replace);
    }
}

static void warn(lp_out *o, const char *id, const char *text)
{
    label(o, "note");
    if (o->color)
        fputs("\033[33m", o->fp);
    lp_put_safe(o->fp, text);
    fprintf(o->fp, " [%s]", id);
    if (o->color)
        fputs("\033[0m", o->fp);
    fputc('\n', o->fp);
}

static const char *yesno(bool b) { return b ? "yes" : "no"; }

/* Is init function name in the main module (package main, or the main module's path)? */
static bool main_module_init(const char *name, const lp_buildinfo *bi)
{
    if (strncmp(name, "main.", 5) == 0)
        return true;
    const char *mp = bi && bi->has_main ? bi->main.path : NULL;
    size_t ml = mp ? strlen(mp) : 0;
    return ml && strncmp(name, mp, ml) == 0 && (name[ml] == '.' || name[ml] == '/');
}

static void init_list(lp_out *o, const lp_facts *f, bool all)
{
    FILE *fp = o->fp;
    size_t shown = 0, col = 0;
    for (size_t i = 0; i < f->n_inits; i++) {
        if (!all && !main_module_init(f->inits[i], f->go))
            continue;
        size_t w = strlen(f->inits[i]) + 2;
        if (shown && col + w > 64) {
            fprintf(fp, ",\n  %-*s", LABEL_W, "");
            col = 0;
        } else if (shown) {
            fputs(", ", fp);
        }
        lp_put_safe(fp, f->inits[i]);
        col += w;
        shown++;
    }
    if (!shown)
        fputs("none", fp);
}

void lp_facts_text(lp_out *o, const lp_facts *f)
{
    FILE *fp = o->fp;
    lp_put_safe(fp, f->path);
    fputs(":\n", fp);
    if (f->error.code) {
        label(o, "error");
        lp_put_safe(fp, f->error.msg);
        fputc('\n', fp);
        return;
    }
    if (!f->is_object) {
        row(o, "format", "not an object file (unrecognized format)");
        row(o, "go", "not a Go binary");
        return;
    }
    char buf[256];
    const char *fmt = f->info.format == LP_FMT_PE ? (f->info.bits == 64 ? "PE32+" : "PE32")
                      : f->info.format == LP_FMT_MACHO ? (f->info.bits == 64 ? "Mach-O 64-bit" : "Mach-O 32-bit")
                      : f->info.bits == 64 ? "ELF64" : "ELF32";
    snprintf(buf, sizeof buf, "%s %s-endian %s%s%s%s, %s", fmt,
             f->info.big_endian ? "big" : "little", f->machine, f->info.goarch ? " (" : "",
             f->info.goarch ? f->info.goarch : "", f->info.goarch ? ")" : "", f->info.type_name);
    row(o, "format", buf);

    /* first what answers "is this build what we meant": version, module, linkage, cgo, -X, notes */
    const lp_buildinfo *bi = f->go;
    if (!f->is_go) {
        row(o, "go", "not a Go binary");
    } else if (!bi) {
        if (f->go_version_fallback) {
            snprintf(buf, sizeof buf, "%s (no build info; from the %s)", f->go_version_fallback,
                     f->go_version_source);
            row(o, "go", buf);
        } else {
            row(o, "go", "yes (no build info; version unknown)");
        }
    } else {
        row(o, "go", bi->go_version);
        if (bi->path && *bi->path)
            row(o, "path", bi->path);
        if (bi->has_main) {
            label(o, "module");
            module_line(o, &bi->main);
            fputc('\n', fp);
        }
    }

    const lp_linkage *l = &f->linkage;
    bool elf = f->info.format == LP_FMT_ELF;
    if (!elf) {
        row(o, "linkage", "not read for this format yet (ELF only)");
    } else {
        snprintf(buf, sizeof buf, "%s%s", l->is_static ? "static" : "dynamic",
                 l->pie ? (l->pie_flag ? ", PIE (DF_1_PIE)" : ", PIE") : "");
        if (l->kind && strcmp(l->kind, "shared-library") == 0)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), ", shared library");
        if (f->static_libc)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), ", C library linked in (%s)",
                     f->static_libc);
        row(o, "linkage", buf);
        if (l->dyn.interp)
            row(o, "interpreter", l->dyn.interp);
        if (l->dyn.n_needed) {
            label(o, "needed");
            for (size_t i = 0; i < l->dyn.n_needed; i++) {
                if (i)
                    fputs(", ", fp);
                lp_put_safe(fp, l->dyn.needed[i]);
            }
            fputc('\n', fp);
        }
        if (l->dyn.soname)
            row(o, "soname", l->dyn.soname);
        if (l->dyn.rpath)
            row(o, "rpath", l->dyn.rpath);
        if (l->dyn.runpath)
            row(o, "runpath", l->dyn.runpath);
    }
    if (f->pcln) {
        const char *setting = bi ? lp_buildinfo_setting(bi, "CGO_ENABLED") : NULL;
        snprintf(buf, sizeof buf, "CGO_ENABLED=%s; linked: %s", setting ? setting : "?",
                 f->cgo_linked ? "yes" : "no");
        label(o, "cgo");
        fputs(buf, fp);
        if (f->n_cgo_funcs) {
            fprintf(fp, " (%zu cgo functions: ", f->n_cgo_funcs);
            for (size_t i = 0; i < f->n_cgo_evidence && i < 3; i++) {
                if (i)
                    fputs(", ", fp);
                lp_put_safe(fp, f->cgo_evidence[i]);
            }
            fputs(f->n_cgo_funcs > 3 ? ", ...)" : ")", fp);
        }
        fputc('\n', fp);
        if (f->resolver) {
            label(o, "resolver");
            lp_put_safe(fp, f->resolver);
            fputs(": ", fp);
            lp_put_safe(fp, f->resolver_why);
            fputc('\n', fp);
        }
    }
    lp_xreport_text(o, &f->x, f->is_go);
    for (size_t i = 0; i < f->n_notes; i++)
        warn(o, f->notes[i].id, f->notes[i].text);

    /* then the details */
    if (elf) {
        snprintf(buf, sizeof buf, "RELRO %s, %s, %s, %zu RWX segment%s",
                 l->relro ? l->relro : "none",
                 l->nx ? "NX" : l->gnu_stack ? "executable stack" : "no PT_GNU_STACK (stack executable by default)",
                 l->dyn.textrel ? "TEXTREL" : "no TEXTREL", l->n_rwx, l->n_rwx == 1 ? "" : "s");
        row(o, "hardening", buf);
    }
    if (f->go_build_id) {
        snprintf(buf, sizeof buf, "(%s)",
                 f->go_build_id_src == LP_BUILDID_NOTE ? "note" : "text marker");
        label(o, "go build id");
        lp_put_safe(fp, f->go_build_id);
        fprintf(fp, " %s\n", buf);
    } else if (f->is_go) {
        row(o, "go build id", NULL);
    }
    row(o, "gnu build id", f->gnu_build_id);
    if (!f->has_sections) {
        row(o, "symtab", "unknown (no section headers)");
        row(o, "dwarf", "unknown (no section headers)");
    } else {
        row(o, "symtab", yesno(f->symtab));
        snprintf(buf, sizeof buf, "%s%s", yesno(f->dwarf),
                 f->dwarf ? (f->dwarf_compressed ? " (compressed)" : "") : "");
        row(o, "dwarf", buf);
    }
    if (bi && bi->n_settings) {
        label(o, "settings");
        for (size_t i = 0; i < bi->n_settings; i++) {
            if (i)
                fprintf(fp, "  %-*s", LABEL_W, "");
            lp_put_safe(fp, bi->settings[i].key);
            fputc('=', fp);
            lp_put_safe(fp, bi->settings[i].value);
            fputc('\n', fp);
        }
    }
    if (bi && bi->n_deps) {
        snprintf(buf, sizeof buf, "%zu", bi->n_deps);
        row(o, "deps", buf);
        for (size_t i = 0; i < bi->n_deps; i++) {
            sub(o, "");
            module_line(o, &bi->deps[i]);
            if (bi->deps[i].sum && *bi->deps[i].sum && !bi->deps[i].replace) {
                fputc(' ', fp);
                lp_put_safe(fp, bi->deps[i].sum);
            }
            fputc('\n', fp);
        }
    }
    if (bi && bi->parse_error)
        warn(o, "buildinfo-parse", bi->parse_error);
    if (f->pcln) {
        const lp_pclntab_info *in = lp_pclntab_get_info(f->pcln);
        snprintf(buf, sizeof buf, "%zu in %zu packages (pclntab 0x%08x: Go %s, %s)",
                 lp_pclntab_count(f->pcln), f->n_pkgs, in->magic, in->go_versions, in->found_by);
        row(o, "functions", buf);
        label(o, "init funcs");
        if (o->all_inits) {
            init_list(o, f, true);
        } else {
            size_t mine = 0;
            for (size_t i = 0; i < f->n_inits; i++)
                mine += main_module_init(f->inits[i], bi);
            fprintf(fp, "%zu (%zu in the main module; --inits lists all)", f->n_inits, mine);
            if (mine) {
                fprintf(fp, "\n  %-*s", LABEL_W, "");
                init_list(o, f, false);
            }
        }
        fputc('\n', fp);
    }
}

void lp_xreport_text(lp_out *o, const lp_xreport *x, bool is_go)
{
    FILE *fp = o->fp;
    if (!is_go && !x->n)
        return;
    const char *absent = x->record == LP_XREC_TRIMPATH
                             ? "-ldflags not recorded (built with -trimpath)"
                         : x->record == LP_XREC_NO_SETTINGS
                             ? "-ldflags not known (the build info records no build settings: "
                               "Go 1.17 or older, or another build tool)"
                         : x->record == LP_XREC_NO_BUILDINFO ? "-ldflags not known (no build info)"
                                                             : "no -ldflags were given";
    if (!x->n) {
        label(o, "-X");
        if (x->ldflags_recorded)
            fputs("none in the recorded -ldflags\n", fp);
        else
            fprintf(fp, "%s%s\n", absent,
                    x->record != LP_XREC_KNOWN ? "; name targets with --var NAME=VALUE" : "");
        return;
    }
    if (!x->ldflags_recorded) {
        label(o, "-X");
        fprintf(fp, "%s: only --var targets are checked\n", absent);
    }
    for (size_t i = 0; i < x->n; i++) {
        const lp_xresult *r = &x->r[i];
        label(o, i || !x->ldflags_recorded ? "" : "-X");
        const char *v = lp_xverdict_name(r->verdict);
        bool good = r->verdict == LP_XV_INJECTED;
        bool unsure = r->verdict == LP_XV_UNCONFIRMED || r->verdict == LP_XV_UNVERIFIABLE;
        if (o->color)
            fputs(good ? "\033[32m" : unsure ? "\033[33m" : "\033[31m", fp);
        fprintf(fp, "%-12s", v);
        if (o->color)
            fputs("\033[0m", fp);
        fputc(' ', fp);
        lp_put_safe(fp, r->name);
        if (r->requested) {
            fputc('=', fp);
            lp_put_safe(fp, r->requested);
        }
        if (r->source == LP_XSRC_USER)
            fputs(" (--var)", fp);
        if (r->value && (r->verdict == LP_XV_DIFFERENT || r->verdict == LP_XV_OVERWRITTEN ||
                         (!r->requested && r->verdict == LP_XV_INJECTED))) {
            fputs(" [data holds \"", fp);
            lp_put_safe(fp, r->value);
            fputs("\"]", fp);
        }
        if (r->has_addr)
            fprintf(fp, " @0x%llx", (unsigned long long)r->addr);
        fputc('\n', fp);
        fprintf(fp, "  %-*s    ", LABEL_W, "");
        lp_put_safe(fp, r->detail ? r->detail : "");
        fprintf(fp, " (confidence: %s)", r->confidence ? r->confidence : "low");
        fputc('\n', fp);
        if (r->n_suggestions) {
            fprintf(fp, "  %-*s    did you mean: ", LABEL_W, "");
            for (size_t k = 0; k < r->n_suggestions; k++) {
                if (k)
                    fputs(", ", fp);
                lp_put_safe(fp, r->suggestions[k]);
            }
            fputc('\n', fp);
        }
    }
}
