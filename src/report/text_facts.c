/*
 * text_facts.c - the text of what is read from a binary: `inspect` (the facts
 * of one file, the answers first, then the details), `funcs`, `pkgs`, and the
 * views of facts: `check` (a line per assertion with its confidence, and for
 * each failure what was expected, what was found and the likely cause) and
 * `diff` (changes grouped, most consequential first).
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

static void xreport_text(lp_report *o, const lp_xreport *x, bool is_go);

static void label(lp_report *o, const char *l) { lp_text_label(o, l); }
static void row(lp_report *o, const char *l, const char *v) { lp_text_row(o, l, v); }

static void sub(lp_report *o, const char *v)
{
    fprintf(o->o.fp, "  %-*s  ", LP_TEXT_LABEL_W, "");
    lp_put_safe(o->o.fp, v);
}

static void module_line(lp_report *o, const lp_module *m)
{
    lp_put_safe(o->o.fp, m->path);
    if (m->version && *m->version) {
        fputc(' ', o->o.fp);
        lp_put_safe(o->o.fp, m->version);
    }
    if (m->replace) {
        fputs(" => ", o->o.fp);
        module_line(o, m->replace);
    }
}

static void warn(lp_report *o, const char *id, const char *text)
{
    label(o, "note");
    if (o->color)
        fputs("\033[33m", o->o.fp);
    lp_put_safe(o->o.fp, text);
    fprintf(o->o.fp, " [%s]", id);
    if (o->color)
        fputs("\033[0m", o->o.fp);
    fputc('\n', o->o.fp);
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

static void init_list(lp_report *o, const lp_facts *f, bool all)
{
    FILE *fp = o->o.fp;
    size_t shown = 0, col = 0;
    for (size_t i = 0; i < f->n_inits; i++) {
        if (!all && !main_module_init(f->inits[i], f->go))
            continue;
        size_t w = strlen(f->inits[i]) + 2;
        if (shown && col + w > 64) {
            fprintf(fp, ",\n  %-*s", LP_TEXT_LABEL_W, "");
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

static void facts_text(lp_report *o, const lp_facts *f)
{
    FILE *fp = o->o.fp;
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
        lp_gosupport gs;
        lp_gosupport_eval(bi->go_version, o->o.as_of, &gs);
        snprintf(buf, sizeof buf, "%s: %s", lp_gosupport_status_name(gs.status), gs.why);
        row(o, "go support", buf);
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
    xreport_text(o, &f->x, f->is_go);
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
                fprintf(fp, "  %-*s", LP_TEXT_LABEL_W, "");
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
        if ((o->o.flags & LP_REPORT_ALL_INITS)) {
            init_list(o, f, true);
        } else {
            size_t mine = 0;
            for (size_t i = 0; i < f->n_inits; i++)
                mine += main_module_init(f->inits[i], bi);
            fprintf(fp, "%zu (%zu in the main module; --inits lists all)", f->n_inits, mine);
            if (mine) {
                fprintf(fp, "\n  %-*s", LP_TEXT_LABEL_W, "");
                init_list(o, f, false);
            }
        }
        fputc('\n', fp);
    }
}

static void xreport_text(lp_report *o, const lp_xreport *x, bool is_go)
{
    FILE *fp = o->o.fp;
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
        fprintf(fp, "  %-*s    ", LP_TEXT_LABEL_W, "");
        lp_put_safe(fp, r->detail ? r->detail : "");
        fprintf(fp, " (confidence: %s)", r->confidence ? r->confidence : "low");
        fputc('\n', fp);
        if (r->n_suggestions) {
            fprintf(fp, "  %-*s    did you mean: ", LP_TEXT_LABEL_W, "");
            for (size_t k = 0; k < r->n_suggestions; k++) {
                if (k)
                    fputs(", ", fp);
                lp_put_safe(fp, r->suggestions[k]);
            }
            fputc('\n', fp);
        }
    }
}

bool lp_text_inspect(lp_report *r, const void *doc)
{
    const lp_facts *f = doc;
    if (f->error.code)
        return true; /* its one line is on stderr */
    if (r->n)
        fputc('\n', r->o.fp);
    facts_text(r, f);
    return true;
}

bool lp_text_funcs(lp_report *r, const void *doc)
{
    const lp_funcs *fs = doc;
    for (size_t i = 0; !fs->error.code && i < fs->n_funcs; i++) {
        fprintf(r->o.fp, "0x%08llx  ", (unsigned long long)fs->funcs[i]->entry);
        lp_put_safe(r->o.fp, fs->funcs[i]->name);
        fputc('\n', r->o.fp);
    }
    return true;
}

bool lp_text_pkgs(lp_report *r, const void *doc)
{
    const lp_funcs *fs = doc;
    for (size_t i = 0; !fs->error.code && i < fs->n_pkgs; i++) {
        const lp_pkg *p = &fs->pkgs[i];
        fprintf(r->o.fp, "%6zu  ", p->n_funcs);
        if (!p->len) {
            fputs("(no package: compiler-generated)\n", r->o.fp);
            continue;
        }
        /* shown as import paths, not the linker's escaped spelling */
        char *path = lp_go_prefix_to_path(p->name, p->len);
        lp_put_safe(r->o.fp, path ? path : "?");
        fputc('\n', r->o.fp);
        free(path);
    }
    return true;
}

bool lp_text_check(lp_report *r, const void *doc)
{
    const lp_check_run *run = doc;
    FILE *fp = r->o.fp;
    size_t total = 0, good = 0, fail = 0, undecided = 0;
    for (size_t i = 0; i < run->n; i++) {
        const lp_check_file *cf = &run->files[i];
        if (i)
            fputc('\n', fp);
        lp_put_safe(fp, cf->f->path);
        fputs(":\n", fp);
        if (cf->error.code) {
            fputs("  ERROR      ", fp);
            lp_put_safe(fp, cf->error.msg);
            fputc('\n', fp);
            continue;
        }
        for (size_t k = 0; k < cf->rep.n; k++) {
            const lp_check_result *c = &cf->rep.r[k];
            total++;
            good += c->status == LP_CHECK_OK;
            fail += c->status == LP_CHECK_FAIL;
            undecided += c->status == LP_CHECK_UNDECIDED;
            const char *tag = c->status == LP_CHECK_OK ? "ok" : c->status == LP_CHECK_FAIL ? "FAIL" : "UNDECIDED";
            const char *col = c->status == LP_CHECK_OK     ? "\033[32m"
                              : c->status == LP_CHECK_FAIL ? "\033[31m"
                                                           : "\033[33m";
            if (r->color)
                fprintf(fp, "  %s%-9s\033[0m  ", col, tag);
            else
                fprintf(fp, "  %-9s  ", tag);
            lp_put_safe(fp, c->a->text);
            fputs(": ", fp);
            lp_put_safe(fp, c->found);
            fprintf(fp, " (confidence: %s)\n", c->confidence ? c->confidence : "low");
            if (c->status != LP_CHECK_OK) {
                fputs("             expected: ", fp);
                lp_put_safe(fp, c->expected);
                fputc('\n', fp);
                if (c->cause) {
                    fputs(c->status == LP_CHECK_FAIL ? "             likely cause: " : "             why undecided: ",
                          fp);
                    lp_put_safe(fp, c->cause);
                    fputc('\n', fp);
                }
            }
        }
    }
    fprintf(fp, "%zu of %zu assertions hold", good, total);
    if (fail || undecided)
        fprintf(fp, "; %zu violated, %zu could not be decided", fail, undecided);
    fputc('\n', fp);
    return true;
}

static const char *group_title(const char *g)
{
    static const struct {
        const char *g, *t;
    } titles[] = {
        {"init_functions", "init functions"}, {"cgo", "cgo"}, {"linkage", "linkage"},
        {"needed", "needed libraries"}, {"xvars", "-X variables"}, {"go", "go"}, {"main", "main module"},
        {"settings", "build settings"}, {"deps", "dependencies"}, {"packages", "packages"},
        {"stripping", "stripping"}, {"format", "format"}, {"identity", "build ids"},
    };
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
        if (strcmp(titles[i].g, g) == 0)
            return titles[i].t;
    return g;
}

bool lp_text_diff(lp_report *r, const void *doc)
{
    const lp_doc_diff *dd = doc;
    const lp_diff *d = dd->diff;
    FILE *fp = r->o.fp;
    if (!d)
        return true; /* a file could not be read: its line is on stderr */
    fputs("--- ", fp);
    lp_put_safe(fp, dd->a);
    fputs("\n+++ ", fp);
    lp_put_safe(fp, dd->b);
    fputc('\n', fp);
    const char *group = NULL;
    for (size_t i = 0; i < d->n; i++) {
        const lp_change *c = &d->changes[i];
        if (!group || strcmp(group, c->group) != 0) {
            group = c->group;
            fprintf(fp, "%s%s%s\n", lp_c_on(r, "\033[1m"), group_title(group), lp_c_off(r));
        }
        const char *col = lp_c_on(r, c->kind == LP_REMOVED ? "\033[31m" : c->kind == LP_ADDED ? "\033[32m" : "\033[33m");
        fprintf(fp, "  %s", col);
        if (strcmp(c->group, "settings") == 0 && c->kind != LP_CHANGED) {
            /* settings read as KEY=VALUE */
            fputc(c->kind == LP_REMOVED ? '-' : '+', fp);
            fputc(' ', fp);
            lp_put_safe(fp, c->item);
            fputc('=', fp);
            lp_put_safe(fp, c->kind == LP_REMOVED ? c->a : c->b);
        } else if (c->kind == LP_CHANGED) {
            fputs("~ ", fp);
            lp_put_safe(fp, c->item);
            fputs(": ", fp);
            lp_put_safe(fp, c->a);
            fputs(" -> ", fp);
            lp_put_safe(fp, c->b);
        } else {
            const char *v = c->kind == LP_REMOVED ? c->a : c->b;
            fputs(c->kind == LP_REMOVED ? "- " : "+ ", fp);
            lp_put_safe(fp, c->item);
            if (v) {
                fputc(' ', fp);
                lp_put_safe(fp, v);
            }
        }
        fprintf(fp, "%s\n", lp_c_off(r));
    }
    if (d->n == 0)
        fputs("identical in every compared fact\n", fp);
    else
        fprintf(fp, "%zu difference%s\n", d->n, d->n == 1 ? "" : "s");
    return true;
}

bool lp_text_buildinfo(lp_report *r, const void *doc)
{
    /* Go's own lines, byte for byte: paths as they are, on the streams Go uses */
    const lp_gover_item *it = doc;
    const char *p = it->path;
    FILE *err = r->o.aux;
    if (it->what == LP_GOVER_INFO) {
        char *text = lp_buildinfo_format_gover(it->bi);
        fprintf(r->o.fp, "%s: %s\n%s", p, it->bi->go_version, text ? text : "");
        free(text);
        return true;
    }
    fflush(r->o.fp); /* Go writes stdout unbuffered: keep the order of the two streams */
    switch (it->what) {
    case LP_GOVER_STAT_FAILED: fprintf(err, "stat %s: %s\n", p, it->detail ? it->detail : ""); break;
    case LP_GOVER_SYMLINK: fprintf(err, "%s: symlink\n", p); break;
    case LP_GOVER_NOT_EXECUTABLE: fprintf(err, "%s: not executable file\n", p); break;
    case LP_GOVER_UNREADABLE: fprintf(err, "%s\n", p); break; /* Go prints only the name */
    case LP_GOVER_NOT_GO: fprintf(err, "%s: could not read Go build info from %s: not a Go executable\n", p, p); break;
    case LP_GOVER_MALFORMED:
    case LP_GOVER_UNRECOGNIZED:
        /* Go says "unrecognized file format" for every malformed file; --detail says why */
        if (it->what == LP_GOVER_MALFORMED && (r->o.flags & LP_REPORT_DETAIL))
            fprintf(err, "%s: could not read Go build info from %s: unrecognized file format (%s)\n", p, p,
                    it->detail ? it->detail : "");
        else
            fprintf(err, "%s: could not read Go build info from %s: unrecognized file format\n", p, p);
        break;
    case LP_GOVER_PARSE_ERROR:
        fprintf(err, "%s: could not read Go build info from %s: %s\n", p, p, it->detail ? it->detail : "");
        break;
    case LP_GOVER_INFO: break;
    }
    return true;
}
