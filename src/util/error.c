/*
 * error.c - the library's single error type (see linkproof/error.h).
 * Messages are truncated, never overflowed, to the fixed buffer.
 */
#include "linkproof/error.h"
#include "linkproof/finding.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void lp_err_clear(lp_err *err)
{
    /* the fields, not the 384-byte message: this runs on every hot path */
    if (err) {
        err->code = LP_OK;
        err->sys_errno = 0;
        err->has_offset = false;
        err->offset = 0;
        err->msg[0] = '\0';
    }
}

static lp_code vset(lp_err *err, lp_code code, bool has_off, uint64_t off, const char *fmt,
                    va_list ap) __attribute__((format(printf, 5, 0)));

static lp_code vset(lp_err *err, lp_code code, bool has_off, uint64_t off, const char *fmt,
                    va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    err->sys_errno = 0;
    err->has_offset = has_off;
    err->offset = off;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    /* one line, always */
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return code;
}

lp_code lp_err_set(lp_err *err, lp_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lp_code r = vset(err, code, false, 0, fmt, ap);
    va_end(ap);
    return r;
}

lp_code lp_err_set_at(lp_err *err, lp_code code, uint64_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lp_code r = vset(err, code, true, offset, fmt, ap);
    va_end(ap);
    return r;
}

const char *lp_code_name(lp_code code)
{
    switch (code) {
    case LP_OK: return "ok";
    case LP_ERR_IO: return "io";
    case LP_ERR_FORMAT: return "format";
    case LP_ERR_UNSUPPORTED: return "unsupported";
    case LP_ERR_NOMEM: return "nomem";
    case LP_ERR_INVAL: return "inval";
    case LP_ERR_NOTFOUND: return "notfound";
    case LP_ERR_LIMIT: return "limit";
    case LP_ERR_CHANGED: return "changed";
    }
    return "unknown";
}

const char *lp_severity_name(lp_severity s)
{
    switch (s) {
    case LP_SEV_ERROR: return "error";
    case LP_SEV_WARNING: return "warning";
    case LP_SEV_NOTE: return "note";
    }
    return "error";
}
