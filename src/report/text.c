/*
 * text.c - the human text format: the colour rules, the aligned "label value"
 * rows every text writer uses, and the table of text writers (text_*.c).
 *
 * Layout: labels padded to one width so columns line up across files; every
 * value that came from an input goes through lp_put_safe(), so a hostile
 * string cannot move the cursor or forge lines. Colour only when the report
 * decided it (lp_color_enabled), and only as SGR codes around words.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report_internal.h"

bool lp_color_parse(const char *s, lp_color_mode *mode)
{
    if (strcmp(s, "auto") == 0)
        *mode = LP_COLOR_AUTO;
    else if (strcmp(s, "always") == 0)
        *mode = LP_COLOR_ALWAYS;
    else if (strcmp(s, "never") == 0)
        *mode = LP_COLOR_NEVER;
    else
        return false;
    return true;
}

bool lp_color_enabled(FILE *fp, lp_color_mode mode)
{
    if (mode == LP_COLOR_ALWAYS)
        return true;
    if (mode == LP_COLOR_NEVER)
        return false;
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        return false;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0)
        return false;
    return isatty(fileno(fp)) == 1;
}

const char *lp_c_on(const lp_report *r, const char *sgr) { return r->color ? sgr : ""; }
const char *lp_c_off(const lp_report *r) { return r->color ? "\033[0m" : ""; }

void lp_text_label(lp_report *r, const char *l)
{
    if (r->color)
        fprintf(r->o.fp, "  \033[1m%-*s\033[0m", LP_TEXT_LABEL_W, l);
    else
        fprintf(r->o.fp, "  %-*s", LP_TEXT_LABEL_W, l);
}

void lp_text_row(lp_report *r, const char *l, const char *v)
{
    lp_text_label(r, l);
    lp_put_safe(r->o.fp, v ? v : "-");
    fputc('\n', r->o.fp);
}

const lp_report_format lp_report_text = {
    .name = "text",
    .kinds = {
        [LP_DOC_INSPECT] = {.write = lp_text_inspect},
        [LP_DOC_BUILDINFO] = {.write = lp_text_buildinfo},
        [LP_DOC_FUNCS] = {.write = lp_text_funcs},
        [LP_DOC_PKGS] = {.write = lp_text_pkgs},
        [LP_DOC_CHECK] = {.write = lp_text_check},
        [LP_DOC_DIFF] = {.write = lp_text_diff},
        [LP_DOC_PROBE] = {.write = lp_text_probe},
        [LP_DOC_EXPORTER] = {.write = lp_text_exporter},
        [LP_DOC_FINGERPRINT] = {.write = lp_text_fingerprint},
        [LP_DOC_FINGERPRINT_PID] = {.write = lp_text_fingerprint_pid},
        [LP_DOC_VERIFY] = {.write = lp_text_verify},
        [LP_DOC_VERIFY_ROW] = {.begin = lp_text_verify_header, .write = lp_text_verify_row},
        [LP_DOC_REGISTRY_ENTRY] = {.begin = lp_text_registry_header, .write = lp_text_registry_entry},
        [LP_DOC_REGISTRY_CHANGE] = {.write = lp_text_registry_change},
        [LP_DOC_DEPS] = {.write = lp_text_deps},
        [LP_DOC_COMPAT] = {.write = lp_text_compat},
        [LP_DOC_IMAGE_LS] = {.write = lp_text_image_ls},
        [LP_DOC_IMAGE_INFO] = {.write = lp_text_image_info},
        [LP_DOC_IMAGE_LIST] = {.write = lp_text_image_list},
        [LP_DOC_IMAGE_CAT] = {.write = lp_text_image_cat},
        [LP_DOC_SCAN] = {.begin = lp_text_scan_header, .write = lp_text_scan},
        [LP_DOC_SCAN_SUMMARY] = {.write = lp_text_scan_summary},
        [LP_DOC_VULNS] = {.write = lp_text_vulns},
    },
};
