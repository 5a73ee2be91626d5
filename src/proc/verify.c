/*
 * verify.c - the rollback decision: ok, rollback or fuse, with the reason
 * and the next step in one line each. Facts come from the process
 * fingerprint and the registry; nothing here reads memory itself.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkproof/fingerprint.h"
#include "linkproof/go.h"
#include "linkproof/object.h"
#include "linkproof/registry.h"

const char *lp_verdict_name(lp_verdict v)
{
    return v == LP_VERIFY_OK ? "ok" : v == LP_VERIFY_ROLLBACK ? "rollback" : "fuse";
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    char buf[640];
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return strdup(buf);
}

lp_code lp_verify_pid(int pid, const char *baseline, struct lp_registry *reg, lp_verify_result *out,
                      lp_err *err)
{
    memset(out, 0, sizeof *out);
    lp_code rc = lp_fingerprint_pid(pid, &out->fp, err);
    if (rc)
        return rc;
    const lp_proc_fingerprint *fp = &out->fp;
    const char *bid = fp->file.go_build_id ? fp->file.go_build_id : "(none)";
    if (!fp->match) {
        out->verdict = LP_VERIFY_FUSE;
        out->reason = fmt("the code in memory (sha256 %.16s…) differs from the file it runs (%.16s…): "
                          "patched in memory, or not the build its file says",
                          fp->mem_code_sha256, fp->file.code_sha256);
        out->next_step = fmt("do not roll back blindly: keep the process for forensics (gcore %d), take "
                             "it out of service, redeploy from a trusted artifact",
                             pid);
        return out->reason && out->next_step ? LP_OK : lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    lp_reg_list known = {0};
    if (reg && (rc = lp_registry_find_code(reg, fp->file.code_sha256, &known, err)))
        return rc;
    if (known.n && !(out->label = strdup(known.e[0].label))) {
        lp_reg_list_release(&known);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    lp_reg_list_release(&known);
    bool is_baseline = baseline && fp->file.go_build_id && strcmp(fp->file.go_build_id, baseline) == 0;
    if (is_baseline) {
        out->verdict = LP_VERIFY_OK;
        out->reason = fmt("the Go build ID is the baseline and the code in memory matches the file%s%s",
                          out->label ? "; known as " : "", out->label ? out->label : "");
        out->next_step = strdup("nothing to do");
    } else if (out->label) {
        out->verdict = baseline ? LP_VERIFY_ROLLBACK : LP_VERIFY_OK;
        if (baseline) {
            out->reason = fmt("running %s (Go build ID %s), not the baseline %s; its code is a known "
                              "trusted build",
                              out->label, bid, baseline);
            out->next_step = fmt("roll back to %s: the registry trusts it", out->label);
        } else {
            out->reason = fmt("the code is a known trusted build (%s) and the memory matches the file",
                              out->label);
            out->next_step = strdup("nothing to do");
        }
    } else {
        out->verdict = LP_VERIFY_FUSE;
        out->reason = baseline ? fmt("running Go build ID %s, not the baseline %s, and the registry does "
                                     "not know its code (sha256 %.16s…)",
                                     bid, baseline, fp->file.code_sha256)
                               : fmt("the registry does not know this code (sha256 %.16s…, Go build ID %s)",
                                     fp->file.code_sha256, bid);
        out->next_step = strdup("stop: this build is not a trusted one; find where it came from before "
                                "rolling anything back, and add trusted builds with 'linkproof registry add'");
    }
    if (!out->reason || !out->next_step)
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    return LP_OK;
}

void lp_verify_result_release(lp_verify_result *r)
{
    if (!r)
        return;
    lp_proc_fingerprint_release(&r->fp);
    free(r->label);
    free(r->reason);
    free(r->next_step);
    memset(r, 0, sizeof *r);
}

bool lp_is_go_file(const char *path)
{
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err e;
    bool go = false;
    if (lp_src_open(&src, path, &e) == LP_OK && lp_obj_open(&obj, src, &e) == LP_OK) {
        char *id = NULL;
        lp_buildid_src from;
        if (lp_go_buildid(obj, &id, &from, &e) == LP_OK && id)
            go = true;
        free(id);
        lp_buildinfo *bi = NULL;
        if (!go && lp_buildinfo_read(obj, &bi, &e) == LP_OK)
            go = true;
        lp_buildinfo_free(&bi);
    }
    lp_obj_free(&obj);
    lp_src_free(&src);
    return go;
}
