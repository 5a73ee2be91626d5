/*
 * deps.c - `deps` results as a tree, as an ldd-style list and as JSON
 * (docs/json-schema.md, "deps"). Every string that came from a file or a
 * root goes through lp_put_safe() or lp_json_str(), so a hostile name cannot
 * forge lines or break the JSON.
 */
#include <stdint.h>
#include <string.h>

#include "linkproof/ld.h"
#include "report/report.h"

static const char *c_on(const lp_out *o, const char *code) { return o->color ? code : ""; }
static const char *c_off(const lp_out *o) { return o->color ? "\033[0m" : ""; }

static void obj_line(lp_out *o, const lp_deps *d, size_t i)
{
    const lp_dep_obj *ob = &d->objs[i];
    lp_put_safe(o->fp, ob->name);
    if (!ob->path) {
        fprintf(o->fp, " %snot found%s", c_on(o, "\033[1;31m"), c_off(o));
    } else {
        if (strcmp(ob->path, ob->name) != 0) {
            fputs(" => ", o->fp);
            lp_put_safe(o->fp, ob->path);
        }
        fprintf(o->fp, " %s[%s]%s", c_on(o, "\033[36m"), lp_rule_name(ob->rule), c_off(o));
    }
    fputc('\n', o->fp);
}

static void tree(lp_out *o, const lp_deps *d, size_t i, char *prefix, size_t plen, unsigned depth)
{
    const lp_dep_obj *ob = &d->objs[i];
    if (!ob->children || depth > 256)
        return;
    /* the children drawn here: first occurrences only, so each library appears once */
    size_t last = SIZE_MAX;
    for (size_t k = 0; k < ob->n_needed; k++) {
        size_t c = ob->children[k];
        if (c != SIZE_MAX && c < d->n_objs && c != i &&
            (d->objs[c].parent == i || (d->objs[c].rule == LP_RULE_INTERP && d->objs[c].path)))
            last = k;
    }
    for (size_t k = 0; k < ob->n_needed; k++) {
        size_t c = ob->children[k];
        if (c != SIZE_MAX && c < d->n_objs && c != i && d->objs[c].rule == LP_RULE_INTERP &&
            d->objs[c].path) {
            /* the interpreter, named again (libc.so.6 needs ld-linux-x86-64.so.2) */
            fwrite(prefix, 1, plen, o->fp);
            fputs(k == last ? "└── " : "├── ", o->fp);
            lp_put_safe(o->fp, ob->needed[k]);
            fputs(" => ", o->fp);
            lp_put_safe(o->fp, d->objs[c].path);
            fprintf(o->fp, " %s[interpreter]%s\n", c_on(o, "\033[36m"), c_off(o));
            continue;
        }
        if (c == SIZE_MAX || c >= d->n_objs || d->objs[c].parent != i || c == i)
            continue;
        /* a name seen twice in one DT_NEEDED list is drawn once */
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++)
            dup = ob->children[j] == c;
        if (dup)
            continue;
        bool is_last = k == last;
        fwrite(prefix, 1, plen, o->fp);
        fputs(is_last ? "└── " : "├── ", o->fp);
        obj_line(o, d, c);
        const lp_dep_obj *co = &d->objs[c];
        for (size_t s = 0; s < co->n_skipped; s++) {
            fwrite(prefix, 1, plen, o->fp);
            fputs(is_last ? "      " : "│     ", o->fp);
            fprintf(o->fp, "%s(passed over ", c_on(o, "\033[2m"));
            lp_put_safe(o->fp, co->skipped[s].path);
            fputs(": ", o->fp);
            lp_put_safe(o->fp, co->skipped[s].why);
            fprintf(o->fp, ")%s\n", c_off(o));
        }
        const char *add = is_last ? "    " : "│   ";
        size_t al = strlen(add);
        if (plen + al < 4096) {
            memcpy(prefix + plen, add, al);
            tree(o, d, c, prefix, plen + al, depth + 1);
        }
    }
}

static void problems_text(lp_out *o, const lp_deps *d)
{
    for (size_t i = 0; i < d->n_problems; i++) {
        const lp_problem *p = &d->problems[i];
        bool err = p->kind < LP_PROB_WARNING;
        fprintf(o->fp, "%s%-7s%s %-19s ", c_on(o, err ? "\033[1;31m" : "\033[33m"),
                err ? "error" : "warning", c_off(o), lp_problem_name(p->kind));
        lp_put_safe(o->fp, p->text ? p->text : "");
        fputc('\n', o->fp);
        if (p->n_symbols) {
            fputs("        symbols: ", o->fp);
            for (size_t k = 0; k < p->n_symbols; k++) {
                if (k)
                    fputs(", ", o->fp);
                lp_put_safe(o->fp, p->symbols[k]);
            }
            if (p->n_symbols_total > p->n_symbols)
                fprintf(o->fp, " (and %zu more)", p->n_symbols_total - p->n_symbols);
            fputc('\n', o->fp);
        }
    }
}

static size_t warnings(const lp_deps *d) { return d->n_problems - d->n_errors; }

void lp_deps_text(lp_out *o, const lp_deps *d)
{
    lp_put_safe(o->fp, d->file);
    if (d->is_static) {
        fputs(": static (no interpreter, no needed libraries): nothing to resolve\n", o->fp);
        return;
    }
    fprintf(o->fp, "  %s(%s rules", c_on(o, "\033[2m"), lp_libc_name(d->rules));
    if (d->rules == LP_LIBC_GLIBC) {
        /* which glibc and which CPU the rules are those of */
        if (d->glibc_version)
            fprintf(o->fp, " of %s%s", d->glibc_version_exact ? "" : "at least ", d->glibc_version);
        else
            fputs(" (version not found: the newest)", o->fp);
        fputs(", CPU ", o->fp);
        lp_put_safe(o->fp, d->cpu ? d->cpu : d->cpu_assumed ? d->cpu_assumed : "?");
        if (!d->cpu)
            fputs(" assumed", o->fp);
        if (d->platform) {
            fputs(", $PLATFORM ", o->fp);
            lp_put_safe(o->fp, d->platform);
        }
    }
    fputs(", root ", o->fp);
    lp_put_safe(o->fp, d->root);
    fprintf(o->fp, ")%s\n", c_off(o));
    for (size_t i = 1; i < d->n_objs; i++) {
        if (d->objs[i].rule != LP_RULE_INTERP)
            continue;
        fputs("interpreter ", o->fp);
        lp_put_safe(o->fp, d->objs[i].name);
        if (d->objs[i].realpath && strcmp(d->objs[i].realpath, d->objs[i].name) != 0) {
            fputs(" -> ", o->fp);
            lp_put_safe(o->fp, d->objs[i].realpath);
        }
        if (!d->objs[i].path)
            fprintf(o->fp, " %snot found%s", c_on(o, "\033[1;31m"), c_off(o));
        fputc('\n', o->fp);
    }
    char prefix[4096 + 8];
    tree(o, d, 0, prefix, 0, 0);
    problems_text(o, d);
    if (d->n_errors)
        fprintf(o->fp, "%s%zu error%s%s", c_on(o, "\033[1;31m"), d->n_errors,
                d->n_errors == 1 ? "" : "s", c_off(o));
    else
        fprintf(o->fp, "%sresolves%s", c_on(o, "\033[32m"), c_off(o));
    size_t w = warnings(d);
    if (w)
        fprintf(o->fp, ", %zu warning%s", w, w == 1 ? "" : "s");
    fprintf(o->fp, "%s\n", d->versions_checked ? "; symbol versions checked" : "");
}

void lp_deps_list(lp_out *o, FILE *problems_fp, const lp_deps *d, bool header)
{
    if (header) {
        lp_put_safe(o->fp, d->file);
        fputs(":\n", o->fp);
    }
    if (d->is_static) {
        fputs("\tstatic\n", o->fp);
        return;
    }
    for (size_t i = 1; i < d->n_objs; i++) {
        const lp_dep_obj *ob = &d->objs[i];
        fputc('\t', o->fp);
        lp_put_safe(o->fp, ob->name);
        if (!ob->path) {
            fputs(" => not found\n", o->fp);
            continue;
        }
        fputs(" => ", o->fp);
        lp_put_safe(o->fp, ob->path);
        fprintf(o->fp, " (%s)\n", lp_rule_name(ob->rule));
    }
    /* as ldd does, what is wrong goes to stderr: the list stays one form */
    for (size_t i = 0; i < d->n_problems; i++) {
        const lp_problem *p = &d->problems[i];
        fputs("linkproof: ", problems_fp);
        lp_put_safe(problems_fp, d->file);
        fprintf(problems_fp, ": %s %s: ", p->kind < LP_PROB_WARNING ? "error" : "warning",
                lp_problem_name(p->kind));
        lp_put_safe(problems_fp, p->text ? p->text : "");
        fputc('\n', problems_fp);
    }
}

static json_t *js(const char *s) { return s ? lp_json_str(s) : json_null(); }

static json_t *strv(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, js(v[i]));
    return a;
}

json_t *lp_deps_json(const lp_deps *d)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    json_object_set_new(j, "file", js(d->file));
    json_object_set_new(j, "root", js(d->root));
    json_object_set_new(j, "static", json_boolean(d->is_static));
    json_t *in = json_null();
    if (d->interp) {
        in = json_object();
        json_object_set_new(in, "name", js(d->interp));
        json_object_set_new(in, "path", js(d->interp_path));
        json_object_set_new(in, "found", json_boolean(d->interp_path != NULL));
    }
    json_object_set_new(j, "interpreter", in);
    json_object_set_new(j, "binary_libc", json_string(lp_libc_name(d->binary_libc)));
    json_object_set_new(j, "root_libc", json_string(lp_libc_name(d->root_libc)));
    json_object_set_new(j, "root_loader", js(d->root_loader));
    json_object_set_new(j, "rules", json_string(d->is_static ? "none" : lp_libc_name(d->rules)));
    json_object_set_new(j, "versions_checked", json_boolean(d->versions_checked));
    json_object_set_new(j, "ld_so_cache", js(d->ldcache));
    json_object_set_new(j, "hwcaps", strv(d->hwcaps, d->n_hwcaps));
    json_t *g = json_null();
    if (d->glibc_version) {
        g = json_object();
        json_object_set_new(g, "version", js(d->glibc_version));
        json_object_set_new(g, "exact", json_boolean(d->glibc_version_exact));
        json_object_set_new(g, "from", js(d->glibc_version_from));
    }
    json_object_set_new(j, "glibc", g);
    json_t *cpu = json_null();
    if (d->rules == LP_LIBC_GLIBC && !d->is_static) {
        cpu = json_object();
        json_object_set_new(cpu, "name", js(d->cpu));
        json_object_set_new(cpu, "assumed", js(d->cpu_assumed));
        json_object_set_new(cpu, "platform", js(d->platform));
        json_object_set_new(cpu, "legacy_hwcaps", strv(d->legacy_hwcaps, d->n_legacy_hwcaps));
    }
    json_object_set_new(j, "cpu", cpu);
    json_t *objs = json_array();
    for (size_t i = 0; i < d->n_objs; i++) {
        const lp_dep_obj *ob = &d->objs[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", js(ob->name));
        json_object_set_new(o, "found", json_boolean(ob->path != NULL));
        json_object_set_new(o, "path", js(ob->path));
        json_object_set_new(o, "realpath", js(ob->realpath));
        json_object_set_new(o, "host_path", js(ob->host_path));
        json_object_set_new(o, "rule", json_string(lp_rule_name(ob->rule)));
        json_object_set_new(o, "rule_detail", js(ob->rule_detail));
        json_object_set_new(o, "parent", ob->parent == SIZE_MAX ? json_null()
                                                                : json_integer((json_int_t)ob->parent));
        json_object_set_new(o, "depth", json_integer((json_int_t)ob->depth));
        json_object_set_new(o, "soname", js(ob->soname));
        json_object_set_new(o, "needed", strv(ob->needed, ob->n_needed));
        json_t *ch = json_array();
        for (size_t k = 0; k < ob->n_needed; k++)
            json_array_append_new(ch, ob->children && ob->children[k] < d->n_objs
                                          ? json_integer((json_int_t)ob->children[k])
                                          : json_null());
        json_object_set_new(o, "children", ch);
        json_t *sk = json_array();
        for (size_t k = 0; k < ob->n_skipped; k++) {
            json_t *s = json_object();
            json_object_set_new(s, "path", js(ob->skipped[k].path));
            json_object_set_new(s, "why", js(ob->skipped[k].why));
            json_array_append_new(sk, s);
        }
        json_object_set_new(o, "skipped", sk);
        json_array_append_new(objs, o);
    }
    json_object_set_new(j, "objects", objs);
    json_t *probs = json_array();
    for (size_t i = 0; i < d->n_problems; i++) {
        const lp_problem *p = &d->problems[i];
        json_t *o = json_object();
        json_object_set_new(o, "kind", json_string(lp_problem_name(p->kind)));
        json_object_set_new(o, "severity", json_string(p->kind < LP_PROB_WARNING ? "error" : "warning"));
        json_object_set_new(o, "object", p->object < d->n_objs
                                             ? js(d->objs[p->object].path ? d->objs[p->object].path
                                                                          : d->objs[p->object].name)
                                             : json_null());
        json_object_set_new(o, "text", js(p->text));
        if (p->version) {
            json_object_set_new(o, "version", js(p->version));
            json_object_set_new(o, "library", js(p->library));
            json_object_set_new(o, "provided", js(p->provided));
            json_object_set_new(o, "symbols", strv(p->symbols, p->n_symbols));
            json_object_set_new(o, "symbols_total", json_integer((json_int_t)p->n_symbols_total));
        }
        json_array_append_new(probs, o);
    }
    json_object_set_new(j, "problems", probs);
    json_object_set_new(j, "ok", json_boolean(d->n_errors == 0));
    return j;
}
