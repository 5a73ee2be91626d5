/*
 * compat.c - from what `deps` found to one verdict: does a binary start in an
 * image, and if not, the first reason, in the order a start meets them: the
 * kernel refuses another architecture before any loader runs; then the
 * interpreter must be there and be the binary's libc; then every library
 * must be mapped; symbol versions are checked last, at relocation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkproof/ld.h"

/* Problem kinds by the order they stop a start; lower first. */
static int rank(lp_problem_kind k)
{
    switch (k) {
    case LP_PROB_INTERP_MISSING: return 0;
    case LP_PROB_LIBC_MISMATCH: return 1;
    case LP_PROB_INTERP_WRONG: return 2;
    case LP_PROB_NOT_FOUND:
    case LP_PROB_BAD_LIBRARY:
    case LP_PROB_STALE_CACHE:
    case LP_PROB_CPU_DEPENDENT: return 3;
    case LP_PROB_LIMIT: return 4;
    case LP_PROB_VERSION_MISSING: return 5;
    default: return 99;
    }
}

lp_code lp_compat_judge(const lp_deps *d, const char *binary_arch, const lp_image_meta *img,
                        const char *why, lp_compat *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    const char *iarch = img ? img->architecture : NULL;
    if (binary_arch && iarch && strcmp(binary_arch, iarch) != 0) {
        out->reason = "wrong-architecture";
        if (asprintf(&out->text, "the binary is %s, the image is %s/%s%s%s", binary_arch,
                     img->os ? img->os : "?", iarch,
                     img->n_choices > 1 ? "; the file offers: " : "",
                     img->n_choices > 1 ? img->choices_text : "") < 0)
            out->text = NULL;
        return out->text ? LP_OK : lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    if (!d) {
        out->reason = "error";
        out->text = strdup(why ? why : "could not be checked");
        return out->text ? LP_OK : lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    const lp_problem *first = NULL;
    for (size_t i = 0; i < d->n_problems; i++) {
        const lp_problem *p = &d->problems[i];
        if (p->kind >= LP_PROB_WARNING)
            continue;
        if (!first || rank(p->kind) < rank(first->kind))
            first = p;
    }
    if (!first) {
        out->runs = true;
        return LP_OK;
    }
    out->reason = lp_problem_name(first->kind);
    out->text = strdup(first->text ? first->text : out->reason);
    return out->text ? LP_OK : lp_err_set(err, LP_ERR_NOMEM, "out of memory");
}

void lp_compat_release(lp_compat *c)
{
    if (!c)
        return;
    free(c->text);
    free(c->platform);
    memset(c, 0, sizeof *c);
}
