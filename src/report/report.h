/*
 * report.h - every writer of the CLI behind one interface: a report is opened
 * for one format and one stream, documents are written to it, and it is
 * closed. The library never prints; this layer is the only one that does,
 * and the only place that decides colour (a TTY, no NO_COLOR, TERM not
 * "dumb", unless --color says otherwise).
 *
 * A document is one answer of a command (the facts of one file, a check run,
 * a deps result, one registry entry...), named by its kind and given as the
 * library's struct or a small lp_doc_* struct below. Each format is one
 * module (text*.c, json*.c, list.c, junit.c, github.c, prometheus.c) that
 * fills in a row of writers per kind in its lp_report_format table; a kind a format
 * has no writer for is not offered by the command's --format.
 *
 * Adding a command: a kind in lp_doc_kind (and its row in report.c's
 * kinds[], which names its JSON `command`), its writers in the formats it
 * has, its schema in docs/schema/. Adding a format: a module with an
 * lp_report_format table, and its row in report.c's formats[]. See HACKING.md.
 */
#ifndef LP_REPORT_H
#define LP_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "linkproof/check.h"
#include "linkproof/diff.h"
#include "linkproof/exporter.h"
#include "linkproof/facts.h"
#include "linkproof/fingerprint.h"
#include "linkproof/ld.h"
#include "linkproof/probe.h"
#include "linkproof/registry.h"
#include "linkproof/root.h"
#include "linkproof/scan.h"
#include "linkproof/gosupport.h"
#include "linkproof/vulns.h"

/* The version of the JSON contract (docs/json-schema.md): in every document. */
#define LP_SCHEMA_VERSION 2

typedef enum lp_color_mode { LP_COLOR_AUTO, LP_COLOR_ALWAYS, LP_COLOR_NEVER } lp_color_mode;

/* Formats, as --format names them. */
typedef enum lp_outfmt {
    LP_OUT_TEXT = 0,
    LP_OUT_JSON,
    LP_OUT_LIST,       /* deps: ldd's list */
    LP_OUT_JUNIT,      /* check: JUnit XML */
    LP_OUT_GITHUB,     /* check: GitHub Actions workflow commands */
    LP_OUT_PROMETHEUS, /* probe: text exposition format */
    LP_OUT_OPENMETRICS, /* probe, exporter: OpenMetrics 1.0 text (application/openmetrics-text) */
    LP_OUT_CYCLONEDX,  /* inspect, vulns: a CycloneDX 1.6 SBOM per file */
    LP_OUT__COUNT
} lp_outfmt;

/* Kinds of documents, and the struct each is given as. */
typedef enum lp_doc_kind {
    LP_DOC_INSPECT,         /* lp_facts */
    LP_DOC_BUILDINFO,       /* lp_gover_item (Go's own wording, text only) */
    LP_DOC_FUNCS,           /* lp_funcs */
    LP_DOC_PKGS,            /* lp_funcs */
    LP_DOC_CHECK,           /* lp_check_run */
    LP_DOC_DIFF,            /* lp_doc_diff */
    LP_DOC_PROBE,           /* lp_doc_probe */
    LP_DOC_FINGERPRINT,     /* lp_doc_fingerprint (a file) */
    LP_DOC_FINGERPRINT_PID, /* lp_proc_fingerprint */
    LP_DOC_VERIFY,          /* lp_doc_verify (one process) */
    LP_DOC_VERIFY_ROW,      /* lp_doc_verify (a row of verify --all) */
    LP_DOC_REGISTRY_ENTRY,  /* lp_reg_entry (list, show) */
    LP_DOC_REGISTRY_EXPORT, /* lp_reg_entry (export: the registry's own line format) */
    LP_DOC_REGISTRY_CHANGE, /* lp_doc_registry_change (add, remove, rename, import, copy) */
    LP_DOC_DEPS,            /* lp_doc_deps */
    LP_DOC_COMPAT,          /* lp_compat_matrix */
    LP_DOC_IMAGE_LS,        /* lp_doc_image_ls */
    LP_DOC_IMAGE_INFO,      /* lp_image_meta */
    LP_DOC_IMAGE_LIST,      /* lp_image_list (image info of a file of several images) */
    LP_DOC_IMAGE_CAT,       /* lp_doc_image_cat (the bytes of a file, as they are) */
    LP_DOC_EXPORTER,        /* lp_exporter_scrape (one scrape of the node) */
    LP_DOC_SCAN,            /* lp_doc_scan (one binary found by scan) */
    LP_DOC_SCAN_SUMMARY,    /* lp_scan_stats (the totals of a scan; text only) */
    LP_DOC_VULNS,           /* lp_doc_vulns */
    LP_DOC__COUNT
} lp_doc_kind;

typedef struct lp_doc_diff {
    const char *a, *b;          /* the paths as given */
    const lp_facts *fa, *fb;    /* their facts (an error in either: no diff) */
    const lp_diff *diff;        /* NULL when either could not be read */
} lp_doc_diff;

typedef struct lp_doc_probe {
    const lp_probe *p;
    const lp_facts *go;     /* the facts of the executable it runs, or NULL */
    const lp_health *health;
} lp_doc_probe;

typedef struct lp_doc_fingerprint {
    const char *path;
    const lp_fingerprint *fp; /* NULL when error */
    const lp_err *error;      /* NULL or LP_OK: none */
} lp_doc_fingerprint;

typedef struct lp_doc_verify {
    int pid;
    const lp_verify_result *r; /* NULL when error */
    const lp_baseline *baseline;
    const lp_err *error;
} lp_doc_verify;

typedef struct lp_doc_deps {
    const char *path;
    const lp_deps *d;   /* NULL when error */
    const lp_err *error;
} lp_doc_deps;

typedef struct lp_doc_image_ls {
    const char *path;
    const lp_statinfo *st;
    const char *target; /* a link's target as stored, or NULL */
} lp_doc_image_ls;

typedef struct lp_doc_vulns {
    const lp_facts *f;            /* the file (its path, error, modules, function table) */
    const lp_vuln_report *v;      /* NULL when the file could not be read or matched */
    const lp_gosupport *support;  /* the Go release's support; NULL when not a Go file */
    const char *vulndb;           /* the database directory */
    const lp_err *error;          /* NULL or LP_OK: none; else why it could not be matched */
} lp_doc_vulns;

typedef struct lp_doc_scan {
    const lp_scan_record *rec;
    const lp_doc_vulns *vulns;    /* scan --vulns: its known vulnerabilities; NULL otherwise */
} lp_doc_scan;

typedef struct lp_doc_image_cat {
    lp_src *src;
    lp_err *error;      /* set when the file could not be read to its end */
} lp_doc_image_cat;

typedef enum lp_reg_action {
    LP_REG_ADDED, LP_REG_ALREADY, LP_REG_REMOVED, LP_REG_RENAMED, LP_REG_IMPORTED, LP_REG_COPIED
} lp_reg_action;

typedef struct lp_doc_registry_change {
    lp_reg_action action;
    size_t count;            /* entries removed, renamed, imported; copy: read */
    const char *file;        /* add: the file */
    const char *code_sha256; /* add: its code hash */
    const char *label;       /* add, rename: the label */
    size_t added;            /* copy: the entries that were new */
} lp_doc_registry_change;

/* Options of a report. */
enum {
    LP_REPORT_ALL_INITS = 0x1, /* inspect --inits: every init function, not only the main module's */
    LP_REPORT_SEVERAL = 0x2,   /* documents for several inputs follow (deps --list names each) */
    LP_REPORT_DETAIL = 0x4,    /* buildinfo --detail: what is wrong with a malformed file */
};

typedef struct lp_report_opts {
    lp_outfmt format;
    FILE *fp;             /* where documents go */
    FILE *aux;            /* where a format's side output goes (deps --list: problems); stderr */
    lp_color_mode color;
    unsigned flags;       /* LP_REPORT_* */
    const char *command;  /* JSON "command"; NULL: the kind's */
    const char *as_of;    /* inspect: the day Go support is judged on (YYYY-MM-DD); NULL: today */
} lp_report_opts;

typedef struct lp_report lp_report;

/* Whether @p f has a writer for @p kind (what a command may offer). */
bool lp_report_supports(lp_outfmt f, lp_doc_kind kind);
/* "text", "json", ...; and back (false when unknown). */
const char *lp_format_name(lp_outfmt f);
bool lp_format_parse(const char *s, lp_outfmt *out);

/* NULL only when out of memory. */
lp_report *lp_report_open(const lp_report_opts *o);
/* The day Go support is judged on (inspect --as-of); @p as_of is borrowed. */
void lp_report_set_as_of(lp_report *r, const char *as_of);
/* Start a run of documents of @p kind (its header, for a table), also when none follow; a write
 * of another kind ends the previous run. */
void lp_report_begin(lp_report *r, lp_doc_kind kind);
/* Write one document; false on an allocation or write failure. */
bool lp_report_write(lp_report *r, lp_doc_kind kind, const void *doc);
/* End the run (its totals), flush; false when anything could not be written. Sets *r to NULL. */
bool lp_report_close(lp_report **r);

/* ---- shared by the formats' modules ---- */

/* Parse "auto|always|never"; false when s is none of them. */
bool lp_color_parse(const char *s, lp_color_mode *mode);
/* Decide colour for fp under mode and the environment. */
bool lp_color_enabled(FILE *fp, lp_color_mode mode);

/* Print s with control bytes (C0, DEL, C1, bidi overrides) and bytes that are not UTF-8 as
 * \xNN, so text from a file or binary cannot forge lines or drive the terminal (escape.c). */
void lp_put_safe(FILE *fp, const char *s);
void lp_put_safe_n(FILE *fp, const char *s, size_t n);

/* A JSON string from bytes that may not be UTF-8 (invalid bytes become U+FFFD); null for NULL. */
json_t *lp_json_str(const char *s);
/* The contract's error object {code, message, offset}, or null for NULL / LP_OK. */
json_t *lp_json_error(const lp_err *e);
/* The contract's finding object {id, severity, message}. */
json_t *lp_json_finding(const char *id, lp_severity sev, const char *message);
/* One compact JSON line; false on allocation or write failure. */
bool lp_json_write_line(FILE *fp, json_t *obj);

#endif
