/*
 * report.h - writers for the CLI: human text and JSON, from the facts struct.
 *
 * The only place that decides colour (a TTY, no NO_COLOR, TERM not "dumb",
 * unless --color says otherwise) and the only place JSON is produced from
 * facts, so that every command shows the same facts the same way.
 */
#ifndef LP_REPORT_H
#define LP_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "linkproof/facts.h"
#include "linkproof/ld.h"

typedef enum { LP_COLOR_AUTO, LP_COLOR_ALWAYS, LP_COLOR_NEVER } lp_color_mode;

typedef struct lp_out {
    FILE *fp;
    bool color;
    bool all_inits; /* inspect --inits: every init function, not only the main module's */
} lp_out;

/* Parse "auto|always|never"; false when s is none of them. */
bool lp_color_parse(const char *s, lp_color_mode *mode);
/* Decide colour for fp under mode and the environment. */
bool lp_color_enabled(FILE *fp, lp_color_mode mode);

/* The facts as a JSON object (new reference), following docs/json-schema.md. */
json_t *lp_facts_json(const lp_facts *f);
/* A JSON string from bytes that may not be UTF-8 (invalid bytes become U+FFFD). */
json_t *lp_json_str(const char *s);
/* The function table's facts as a JSON object. */
json_t *lp_pclntab_json(const lp_pclntab_info *in, size_t n_funcs);
/* -X verdicts (null when the file is not Go and no target was asked for). */
json_t *lp_xreport_json(const lp_xreport *x, bool applies);
json_t *lp_xresult_json(const lp_xresult *r);
/* The -X verdicts as text rows (used by inspect and check). */
void lp_xreport_text(lp_out *o, const lp_xreport *x, bool is_go);
/* One compact JSON line; false on allocation or write failure. */
bool lp_json_write_line(FILE *fp, json_t *obj);

/* Print s with control bytes (C0, DEL, C1, bidi overrides) and bytes that are not UTF-8 as
 * \xNN, so text from a file or binary cannot forge lines or drive the terminal (escape.c). */
void lp_put_safe(FILE *fp, const char *s);
void lp_put_safe_n(FILE *fp, const char *s, size_t n);

/* deps: a tree (libtree-like), an ldd-like list (problems to problems_fp), JSON (docs/deps.md). */
void lp_deps_text(lp_out *o, const lp_deps *d);
void lp_deps_list(lp_out *o, FILE *problems_fp, const lp_deps *d, bool header);
json_t *lp_deps_json(const lp_deps *d);

/* Images: `image ls` lines and objects, `image info`, the `compat` matrix. */
void lp_image_ls_text(FILE *fp, const char *path, const lp_statinfo *st, const char *target);
json_t *lp_image_ls_json(const char *path, const lp_statinfo *st, const char *target);
json_t *lp_image_meta_json(const lp_image_meta *m);
void lp_image_meta_text(lp_out *o, const lp_image_meta *m);
/* `image info` on a file of several images: the list (docs/images.md). */
json_t *lp_image_list_json(const lp_image_list *l);
void lp_image_list_text(lp_out *o, const lp_image_list *l);
void lp_compat_text(lp_out *o, const lp_compat_matrix *mx);
json_t *lp_compat_json(const lp_compat_matrix *mx);

/* The facts as aligned human text. */
void lp_facts_text(lp_out *o, const lp_facts *f);

#endif
