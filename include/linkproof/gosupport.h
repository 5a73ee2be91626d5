/**
 * @file gosupport.h
 * @brief Whether the Go release that built a binary still receives security fixes.
 *
 * Go supports each major release until two newer major releases exist
 * (go.dev/doc/devel/release). The release dates come from
 * data/go-releases.tsv, embedded at build time; its date is
 * lp_gosupport_data_date(). "Today" is the caller's (@p as_of), by default
 * the clock's date (UTC). Releases after the data's date are unknown to it:
 * the data is trusted for LP_GOSUPPORT_TRUST_DAYS after its date (Go makes a
 * major release every six months); past that, a version whose support
 * depends on newer releases is undecided, as is a version newer than the data.
 */
#ifndef LINKPROOF_GOSUPPORT_H
#define LINKPROOF_GOSUPPORT_H

#include <stdbool.h>

#include "linkproof/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LP_GOSUPPORT_TRUST_DAYS 150

typedef enum lp_gosupport_status {
    LP_GOSUP_UNKNOWN = 0,  /**< cannot tell (not a release version, newer than the data, stale data) */
    LP_GOSUP_SUPPORTED,    /**< fewer than two newer major releases exist */
    LP_GOSUP_UNSUPPORTED,  /**< two newer major releases exist: no more security fixes */
} lp_gosupport_status;

typedef struct lp_gosupport {
    lp_gosupport_status status;
    char major[16];      /**< "1.19"; "" when the version is not a release */
    char released[11];   /**< YYYY-MM-DD the major release came out; "" when unknown */
    char eol[11];        /**< YYYY-MM-DD support ended (the 2nd newer major's release); "" when not (yet) */
    char as_of[11];      /**< the date the answer is for */
    char data_date[11];  /**< the date of the release data */
    char why[200];       /**< one line */
} lp_gosupport;

/** "supported", "unsupported", "unknown". */
LP_API const char *lp_gosupport_status_name(lp_gosupport_status s);

/** The date of the embedded release data (YYYY-MM-DD). */
LP_API const char *lp_gosupport_data_date(void);

/** Whether @p s is a date YYYY-MM-DD (a real day). */
LP_API bool lp_date_valid(const char *s);

/**
 * Evaluate @p go_version ("go1.19.8", "go1.21rc2"; NULL: unknown) on day
 * @p as_of (YYYY-MM-DD; NULL: today, UTC).
 */
LP_API void lp_gosupport_eval(const char *go_version, const char *as_of, lp_gosupport *out);

#ifdef __cplusplus
}
#endif
#endif
