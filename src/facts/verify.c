/*
 * verify.c - the rollback decision: ok, rollback or fuse, with the reason
 * and the next step in one line each, and what a baseline may be (a label of
 * the registry or a Go build ID; anything else is refused, so that a typo is
 * never taken for a build that is not running); and the same over every Go
 * process (`verify --all`). Facts come from the process fingerprint
 * (src/proc) and the registry (src/store); nothing here reads memory itself.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linkproof/fingerprint.h"
#include "linkproof/go.h"
#include "linkproof/object.h"
#include "linkproof/proc.h"
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

/* base64url, as Go's build IDs use it */
static bool b64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

bool lp_go_buildid_form(const char *s)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    if (n == 40 && strspn(s, "0123456789abcdef") == 40)
        return true; /* Go 1.5 to 1.9: a SHA-1 in hex */
    /* Go 1.10 and later: actionID/contentID, or the four parts of a linked binary */
    size_t parts = 0, len = 0;
    for (const char *p = s;; p++) {
        if (*p == '/' || !*p) {
            if (len != 20)
                return false;
            parts++;
            len = 0;
            if (!*p)
                break;
        } else if (b64url(*p)) {
            len++;
        } else {
            return false;
        }
    }
    return parts == 2 || parts == 4;
}

void lp_baseline_release(lp_baseline *b)
{
    if (!b)
        return;
    free(b->text);
    free(b->label);
    free(b->go_build_id);
    for (size_t i = 0; i < b->n_codes; i++)
        free(b->codes[i]);
    free(b->codes);
    memset(b, 0, sizeof *b);
}

lp_code lp_baseline_resolve(struct lp_registry *reg, const char *text, lp_baseline *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    if (!text || !*text)
        return lp_err_set(err, LP_ERR_INVAL,
                          "the baseline is empty: give a Go build ID or a label of the registry");
    lp_reg_list l = {0};
    lp_code rc = reg ? lp_registry_find_label(reg, text, &l, err) : LP_OK;
    if (rc)
        return rc;
    bool oom = !(out->text = strdup(text));
    if (l.n) {
        /* a label: every build under it is the baseline */
        out->label = strdup(text);
        out->codes = calloc(l.n, sizeof *out->codes);
        oom |= !out->label || !out->codes;
        for (size_t i = 0; !oom && i < l.n; i++) {
            if (!(out->codes[i] = strdup(l.e[i].code_sha256)))
                oom = true;
            else
                out->n_codes++;
        }
    } else if (lp_go_buildid_form(text)) {
        oom |= !(out->go_build_id = strdup(text));
        /* the label the registry has for that build, for the messages */
        lp_reg_list byid = {0};
        if (!oom && reg && lp_registry_find(reg, text, &byid, NULL) == LP_OK && byid.n &&
            byid.e[0].go_build_id && strcmp(byid.e[0].go_build_id, text) == 0)
            oom |= !(out->label = strdup(byid.e[0].label));
        lp_reg_list_release(&byid);
    } else {
        lp_reg_list_release(&l);
        lp_baseline_release(out);
        char shown[80];
        snprintf(shown, sizeof shown, "%s", text);
        return lp_err_set(err, LP_ERR_INVAL,
                          "the baseline '%s%s' is neither a Go build ID (as 'go tool buildid' prints it) "
                          "nor a label %s",
                          shown, strlen(text) >= sizeof shown ? "..." : "",
                          reg ? "in the registry" : "(and there is no registry to look labels up in)");
    }
    lp_reg_list_release(&l);
    if (oom) {
        lp_baseline_release(out);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    return LP_OK;
}

/* How the baseline is named in messages: its label, else its build ID. */
static const char *baseline_name(const lp_baseline *b) { return b->label ? b->label : b->text; }

static bool is_baseline(const lp_baseline *b, const lp_proc_fingerprint *fp)
{
    if (b->go_build_id && fp->file.go_build_id && strcmp(b->go_build_id, fp->file.go_build_id) == 0)
        return true;
    for (size_t i = 0; i < b->n_codes; i++)
        if (strcmp(b->codes[i], fp->file.code_sha256) == 0)
            return true;
    return false;
}

lp_code lp_verify_proc(struct lp_proc *proc, const lp_baseline *baseline, struct lp_registry *reg,
                       lp_verify_result *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    lp_code rc = lp_fingerprint_proc(proc, &out->fp, err);
    if (rc)
        return rc;
    int pid = lp_proc_pid(proc);
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
        if (out->reason && out->next_step)
            return LP_OK;
        lp_verify_result_release(out);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    /* a registry that cannot answer (its server gone) is an error, never a verdict: nothing of
     * the result is left to the caller */
    lp_reg_list known = {0};
    if (reg && (rc = lp_registry_find_code(reg, fp->file.code_sha256, &known, err))) {
        lp_verify_result_release(out);
        return rc;
    }
    if (known.n && !(out->label = strdup(known.e[0].label))) {
        lp_reg_list_release(&known);
        lp_verify_result_release(out);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    lp_reg_list_release(&known);
    if (baseline && is_baseline(baseline, fp)) {
        out->verdict = LP_VERIFY_OK;
        out->reason = fmt("running the baseline %s%s%s%s and the code in memory matches the file",
                          baseline_name(baseline), out->label && !baseline->label ? " (trusted as " : "",
                          out->label && !baseline->label ? out->label : "",
                          out->label && !baseline->label ? ")" : "");
        out->next_step = strdup("nothing to do");
    } else if (out->label) {
        out->verdict = baseline ? LP_VERIFY_ROLLBACK : LP_VERIFY_OK;
        if (baseline) {
            out->reason = fmt("running %s (trusted; Go build ID %s); baseline %s%s%s%s", out->label, bid,
                              baseline_name(baseline), baseline->label && baseline->go_build_id ? " (Go build ID " : "",
                              baseline->label && baseline->go_build_id ? baseline->go_build_id : "",
                              baseline->label && baseline->go_build_id ? ")" : "");
            out->next_step = fmt("deploy %s: the process runs %s, a trusted build that is not the baseline",
                                 baseline_name(baseline), out->label);
        } else {
            out->reason = fmt("running %s (trusted) and the code in memory matches the file", out->label);
            out->next_step = strdup("nothing to do");
        }
    } else {
        out->verdict = LP_VERIFY_FUSE;
        out->reason = baseline ? fmt("running Go build ID %s, not the baseline %s, and the registry does "
                                     "not know its code (sha256 %.16s…)",
                                     bid, baseline_name(baseline), fp->file.code_sha256)
                               : fmt("the registry does not know this code (sha256 %.16s…, Go build ID %s)",
                                     fp->file.code_sha256, bid);
        out->next_step = strdup("stop: this build is not a trusted one; find where it came from before "
                                "rolling anything back, and add trusted builds with 'linkproof registry add'");
    }
    if (!out->reason || !out->next_step) {
        lp_verify_result_release(out);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    return LP_OK;
}

lp_code lp_verify_pid(int pid, const lp_baseline *baseline, struct lp_registry *reg, lp_verify_result *out,
                      lp_err *err)
{
    memset(out, 0, sizeof *out);
    lp_proc *proc = NULL;
    lp_code rc = lp_proc_open(pid, &proc, err);
    if (rc)
        return rc;
    rc = lp_verify_proc(proc, baseline, reg, out, err);
    lp_proc_close(&proc);
    return rc;
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

lp_code lp_verify_run(int pid, const lp_verify_opts *o, lp_verify_result *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    lp_proc *proc = NULL;
    lp_code rc = lp_proc_open(pid, &proc, err);
    if (rc)
        return rc;
    if (o->hook)
        lp_proc_set_hook(proc, o->hook, o->hook_ctx);
    rc = lp_verify_proc(proc, o->baseline, o->reg, out, err);
    lp_proc_close(&proc);
    if (rc == LP_OK && o->registry_missing && out->verdict != LP_VERIFY_OK && out->fp.match) {
        /* without the registry, "unknown code" may only mean a wrong --registry path */
        lp_verify_result_release(out);
        return lp_err_set(err, LP_ERR_NOTFOUND,
                          "process %d is not the baseline, and there is no registry at '%s' to tell a "
                          "trusted build (rollback) from an unknown one (fuse)",
                          pid, o->registry_path ? o->registry_path : "(no path)");
    }
    return rc;
}

typedef struct all_ctx {
    const lp_verify_opts *o;
    lp_verify_each each;
    void *ctx;
    lp_verify_summary *sum;
    lp_err lost; /* set when the registry stopped answering: the walk ends there */
} all_ctx;

static bool verify_one(void *vctx, lp_proc *proc)
{
    all_ctx *a = vctx;
    char exe[64];
    lp_proc_path(proc, "exe", exe, sizeof exe);
    if (access(exe, R_OK) != 0) {
        if (errno == EACCES || errno == EPERM)
            a->sum->unreadable++; /* another user's process: said, not passed over */
        return true;
    }
    if (!lp_is_go_file(exe))
        return true;
    lp_verify_result r;
    lp_err e;
    lp_err_clear(&e);
    if (lp_verify_proc(proc, a->o->baseline, a->o->reg, &r, &e) != LP_OK) {
        if (a->o->reg && !lp_registry_usable(a->o->reg)) {
            /* the registry is gone (its server stopped): no process after this one could be judged */
            lp_err_set(&a->lost, LP_ERR_IO, "%s (the scan stopped at process %d)", e.msg, lp_proc_pid(proc));
            return false;
        }
        a->sum->failed++;
        a->each(a->ctx, lp_proc_pid(proc), NULL, &e);
        return true;
    }
    a->sum->verified++;
    if (r.verdict > a->sum->worst) /* fuse is worse than rollback, rollback than ok */
        a->sum->worst = r.verdict;
    a->each(a->ctx, lp_proc_pid(proc), &r, NULL);
    lp_verify_result_release(&r);
    return true;
}

lp_code lp_verify_all(const lp_verify_opts *o, lp_verify_each each, void *ctx, lp_verify_summary *sum,
                      lp_err *err)
{
    memset(sum, 0, sizeof *sum);
    all_ctx a = {o, each, ctx, sum, {0}};
    lp_err_clear(&a.lost);
    lp_code rc = lp_proc_walk(o->hook, o->hook_ctx, verify_one, &a, err);
    if (rc == LP_OK && a.lost.code != LP_OK) {
        *err = a.lost;
        return a.lost.code;
    }
    /* as a user, processes it could not read mean no all-clear; as root only a protected one or two */
    sum->incomplete = sum->unreadable && geteuid() != 0;
    return rc;
}
