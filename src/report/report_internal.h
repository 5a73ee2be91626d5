/*
 * report_internal.h - what the format modules of src/report share: the
 * report itself, the table of writers a format fills in, and the helpers of
 * the text and JSON modules. Not used outside src/report.
 */
#ifndef LP_REPORT_INTERNAL_H
#define LP_REPORT_INTERNAL_H

#include "report/report.h"

struct lp_report {
    lp_report_opts o;
    const struct lp_report_format *fmt;
    bool color;       /* decided once, for o.fp */
    int kind;         /* the kind of the current run; -1 before the first */
    size_t n;         /* documents written in the current run */
    bool failed;      /* a write failed */
    void *state;      /* a format's own, between begin and end (junit, github, text totals) */
};

/* One kind in one format. begin and end are optional; write is what makes the kind supported. */
typedef struct lp_writer {
    void (*begin)(lp_report *r);
    bool (*write)(lp_report *r, const void *doc);
    bool (*end)(lp_report *r);
} lp_writer;

typedef struct lp_report_format {
    const char *name;
    lp_writer kinds[LP_DOC__COUNT];
} lp_report_format;

extern const lp_report_format lp_report_text, lp_report_json, lp_report_list, lp_report_junit,
    lp_report_github, lp_report_prometheus, lp_report_openmetrics, lp_report_cyclonedx;

/* The JSON "command" of a kind (report.c). */
const char *lp_doc_command(lp_report *r, lp_doc_kind kind);

/* ---- text (text.c) ---- */
#define LP_TEXT_LABEL_W 14
/* SGR code when colour is on, "" otherwise; lp_c_off() ends it. */
const char *lp_c_on(const lp_report *r, const char *sgr);
const char *lp_c_off(const lp_report *r);
/* "  LABEL         " (bold with colour) */
void lp_text_label(lp_report *r, const char *label);
/* a label row with an escaped value ("-" for NULL) */
void lp_text_row(lp_report *r, const char *label, const char *value);

bool lp_text_inspect(lp_report *r, const void *doc);
void lp_text_scan_header(lp_report *r);
bool lp_text_scan(lp_report *r, const void *doc);
bool lp_text_scan_summary(lp_report *r, const void *doc);
bool lp_text_buildinfo(lp_report *r, const void *doc);
bool lp_text_image_cat(lp_report *r, const void *doc);
bool lp_text_funcs(lp_report *r, const void *doc);
bool lp_text_pkgs(lp_report *r, const void *doc);
bool lp_text_check(lp_report *r, const void *doc);
bool lp_text_diff(lp_report *r, const void *doc);
bool lp_text_deps(lp_report *r, const void *doc);
bool lp_text_compat(lp_report *r, const void *doc);
bool lp_text_image_ls(lp_report *r, const void *doc);
bool lp_text_image_info(lp_report *r, const void *doc);
bool lp_text_image_list(lp_report *r, const void *doc);
bool lp_text_probe(lp_report *r, const void *doc);
bool lp_text_exporter(lp_report *r, const void *doc);
bool lp_text_fingerprint(lp_report *r, const void *doc);
bool lp_text_fingerprint_pid(lp_report *r, const void *doc);
bool lp_text_verify(lp_report *r, const void *doc);
void lp_text_verify_header(lp_report *r);
bool lp_text_verify_row(lp_report *r, const void *doc);
void lp_text_registry_header(lp_report *r);
bool lp_text_registry_entry(lp_report *r, const void *doc);
bool lp_text_registry_change(lp_report *r, const void *doc);
bool lp_text_vulns(lp_report *r, const void *doc);

/* ---- JSON (json.c): each builder fills the document object after schema_version and command ---- */
typedef bool (*lp_json_builder)(json_t *o, const lp_report *r, const void *doc);
bool lp_json_inspect(json_t *o, const lp_report *r, const void *doc);
bool lp_json_scan(json_t *o, const lp_report *r, const void *doc);
bool lp_json_funcs(json_t *o, const lp_report *r, const void *doc);
bool lp_json_pkgs(json_t *o, const lp_report *r, const void *doc);
bool lp_json_check_run(json_t *o, const lp_report *r, const void *doc);
bool lp_json_diff(json_t *o, const lp_report *r, const void *doc);
bool lp_json_deps(json_t *o, const lp_report *r, const void *doc);
bool lp_json_compat(json_t *o, const lp_report *r, const void *doc);
bool lp_json_image_ls(json_t *o, const lp_report *r, const void *doc);
bool lp_json_image_info(json_t *o, const lp_report *r, const void *doc);
bool lp_json_image_list(json_t *o, const lp_report *r, const void *doc);
bool lp_json_probe(json_t *o, const lp_report *r, const void *doc);
bool lp_json_fingerprint(json_t *o, const lp_report *r, const void *doc);
bool lp_json_fingerprint_pid(json_t *o, const lp_report *r, const void *doc);
bool lp_json_verify(json_t *o, const lp_report *r, const void *doc);
bool lp_json_registry_entry(json_t *o, const lp_report *r, const void *doc);
bool lp_json_vulns(json_t *o, const lp_report *r, const void *doc);
/* {status, major, released, eol, as_of, data_date, reason} (json_vulns.c) */
json_t *lp_json_gosupport(const lp_gosupport *g);
/* the fields of a file's fingerprint (fingerprint, and verify's "file") */
void lp_json_fingerprint_fields(json_t *o, const char *path, const lp_fingerprint *f, const lp_err *error);
/* the fields of a process's fingerprint (fingerprint --pid, verify) */
void lp_json_proc_fingerprint_fields(json_t *o, const lp_proc_fingerprint *p);
json_t *lp_json_pclntab(const lp_pclntab_info *in, size_t n_funcs);
json_t *lp_json_u64(uint64_t v);
json_t *lp_json_or_null(bool present, json_t *v);

#endif
