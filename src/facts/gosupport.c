/*
 * gosupport.c - the Go support verdict: from the embedded release table
 * (data/go-releases.tsv, generated into go_releases.h at build time) and a
 * day, whether the Go major release of a version still receives security
 * fixes. Dates are compared as YYYY-MM-DD strings (they sort as days do).
 *
 * Invariants: pure apart from reading the clock when no day is given; an
 * answer is "unsupported" only when the data shows two newer releases on or
 * before the day, "supported" only when the data (trusted for
 * LP_GOSUPPORT_TRUST_DAYS past its date) shows fewer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "go_releases.h"
#include "linkproof/gosupport.h"
#include "linkproof/vulns.h"

#define N_RELEASES (sizeof lp_go_releases / sizeof lp_go_releases[0])

const char *lp_gosupport_status_name(lp_gosupport_status s)
{
    switch (s) {
    case LP_GOSUP_SUPPORTED: return "supported";
    case LP_GOSUP_UNSUPPORTED: return "unsupported";
    case LP_GOSUP_UNKNOWN: break;
    }
    return "unknown";
}

const char *lp_gosupport_data_date(void) { return LP_GO_RELEASES_DATE; }

static bool parse_date(const char *s, int *y, int *m, int *d)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    *y = atoi(s);
    *m = atoi(s + 5);
    *d = atoi(s + 8);
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (*m < 1 || *m > 12 || *d < 1 || *d > mdays[*m - 1])
        return false;
    bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
    return !(*m == 2 && *d == 29 && !leap);
}

bool lp_date_valid(const char *s)
{
    int y, m, d;
    return parse_date(s, &y, &m, &d);
}

/* Days since 1970-01-01 (civil calendar). */
static long days_of(const char *s)
{
    int y, m, d;
    if (!parse_date(s, &y, &m, &d))
        return 0;
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void lp_gosupport_eval(const char *go_version, const char *as_of, lp_gosupport *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->data_date, sizeof out->data_date, "%s", LP_GO_RELEASES_DATE);
    if (as_of && lp_date_valid(as_of)) {
        snprintf(out->as_of, sizeof out->as_of, "%s", as_of);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(out->as_of, sizeof out->as_of, "%Y-%m-%d", &tm);
    }
    char sv[96];
    int major = 0, minor = -1;
    if (!go_version || !lp_go_semver(go_version, sv, sizeof sv) || sscanf(sv, "%d.%d", &major, &minor) != 2 ||
        major != 1) {
        snprintf(out->why, sizeof out->why, "'%s' is not a Go release version",
                 go_version ? go_version : "(none)");
        return;
    }
    snprintf(out->major, sizeof out->major, "1.%d", minor);
    int first = lp_go_releases[0].minor, last = lp_go_releases[N_RELEASES - 1].minor;
    if (minor < first || minor > last) {
        snprintf(out->why, sizeof out->why,
                 "Go %s is newer than the release data (%s, up to Go 1.%d)", out->major,
                 LP_GO_RELEASES_DATE, last);
        return;
    }
    size_t i = (size_t)(minor - first);
    snprintf(out->released, sizeof out->released, "%s", lp_go_releases[i].date);
    if (strcmp(lp_go_releases[i].date, out->as_of) > 0) {
        snprintf(out->why, sizeof out->why, "Go %s was released on %s, after %s", out->major,
                 lp_go_releases[i].date, out->as_of);
        return;
    }
    if (i + 2 < N_RELEASES) {
        snprintf(out->eol, sizeof out->eol, "%s", lp_go_releases[i + 2].date);
        if (strcmp(out->eol, out->as_of) <= 0) {
            out->status = LP_GOSUP_UNSUPPORTED;
            snprintf(out->why, sizeof out->why,
                     "Go %s stopped receiving security fixes on %s, when Go 1.%d was released",
                     out->major, out->eol, lp_go_releases[i + 2].minor);
            return;
        }
        out->status = LP_GOSUP_SUPPORTED;
        snprintf(out->why, sizeof out->why, "Go %s receives security fixes until %s (Go 1.%d)",
                 out->major, out->eol, lp_go_releases[i + 2].minor);
        return;
    }
    long age = days_of(out->as_of) - days_of(LP_GO_RELEASES_DATE);
    if (age > LP_GOSUPPORT_TRUST_DAYS) {
        snprintf(out->why, sizeof out->why,
                 "the release data (%s) is %ld days older than %s: newer Go releases may have "
                 "ended support for Go %s (update data/go-releases.tsv)",
                 LP_GO_RELEASES_DATE, age, out->as_of, out->major);
        return;
    }
    out->status = LP_GOSUP_SUPPORTED;
    snprintf(out->why, sizeof out->why,
             "Go %s receives security fixes: %s newer major release%s as of the release data (%s)",
             out->major, i + 1 < N_RELEASES ? "one" : "no", i + 1 < N_RELEASES ? "" : "s",
             LP_GO_RELEASES_DATE);
}
