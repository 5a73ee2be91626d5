/**
 * @file finding.h
 * @brief A finding: something a verdict found that a reader or a CI job acts on.
 *
 * Every command reports what it found the same way, `{id, severity, message}`
 * in JSON: a stable id ("close-wait", "not-found", "cgo-static"), how serious
 * it is, and one line saying it. The library's own result structs keep their
 * richer forms (a deps problem names its object and versions); this is the
 * shared vocabulary.
 */
#ifndef LINKPROOF_FINDING_H
#define LINKPROOF_FINDING_H

#include <stddef.h>

#include "linkproof/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How serious a finding is. */
typedef enum lp_severity {
    LP_SEV_ERROR = 0, /**< the answer is "no": the build, process or image fails what was asked */
    LP_SEV_WARNING,   /**< worth acting on, but not a failure by itself */
    LP_SEV_NOTE,      /**< information: what the evidence shows */
} lp_severity;

/** "error", "warning", "note". */
LP_API const char *lp_severity_name(lp_severity s);

/** A finding with its message owned by whoever holds the array. */
typedef struct lp_finding {
    const char *id;       /**< stable, static */
    lp_severity severity;
    char *message;        /**< one line */
} lp_finding;

#ifdef __cplusplus
}
#endif
#endif
