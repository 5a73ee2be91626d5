/*
 * list.c - the list format: `deps --list`, one line per library as ldd prints
 * them ("\tNAME => PATH (RULE)"), and what is wrong on the auxiliary stream
 * (stderr), as ldd does, so that the list stays one form a script can read.
 */
#include <string.h>

#include "report/report_internal.h"

static void deps_list(lp_report *o, FILE *problems_fp, const lp_deps *d, bool header)
{
    if (header) {
        lp_put_safe(o->o.fp, d->file);
        fputs(":\n", o->o.fp);
    }
    if (d->is_static) {
        fputs("\tstatic\n", o->o.fp);
        return;
    }
    for (size_t i = 1; i < d->n_objs; i++) {
        const lp_dep_obj *ob = &d->objs[i];
        fputc('\t', o->o.fp);
        lp_put_safe(o->o.fp, ob->name);
        if (!ob->path) {
            fputs(" => not found\n", o->o.fp);
            continue;
        }
        fputs(" => ", o->o.fp);
        lp_put_safe(o->o.fp, ob->path);
        fprintf(o->o.fp, " (%s)\n", lp_rule_name(ob->rule));
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


static bool list_deps(lp_report *r, const void *doc)
{
    const lp_doc_deps *dd = doc;
    if (dd->d)
        deps_list(r, r->o.aux, dd->d, (r->o.flags & LP_REPORT_SEVERAL) != 0);
    return true;
}

const lp_report_format lp_report_list = {
    .name = "list",
    .kinds = {[LP_DOC_DEPS] = {.write = list_deps}},
};
