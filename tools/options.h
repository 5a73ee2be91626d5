/*
 * options.h - command-line options declared once, as data (git's
 * parse-options pattern): each command gives a table of lp_opt rows (name,
 * value, the value's name and the help text) and a lp_cmd_doc (usage lines,
 * what it does, its exit statuses, the document its --format applies to);
 * lp_parse_options() parses argv against them and writes `--help` from the
 * same rows, so the help can never drift from what is accepted.
 *
 * Shared by every command: --help (-h), and LP_OPT_OUTPUT's --json, --format
 * and --color (--colour), which accept exactly the formats src/report has a
 * writer for the command's document. A mistyped option gets "did you mean".
 */
#ifndef LP_OPTIONS_H
#define LP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/report.h"

typedef enum lp_opt_type {
    LP_OPT_END = 0,
    LP_OPT_BOOL,     /* bool *value: set to true */
    LP_OPT_STRING,   /* const char **value: the argument (the last one given wins) */
    LP_OPT_CALLBACK, /* parse(value, data, arg, why): false is a usage error, *why says it */
    LP_OPT_IGNORED,  /* accepted and ignored (buildinfo -m, as `go version -m`) */
    LP_OPT_JSON,     /* lp_cli_out *value: --json, the same as --format json */
    LP_OPT_FORMAT,   /* lp_cli_out *value: --format NAME */
    LP_OPT_COLOR,    /* lp_cli_out *value: --color WHEN */
    LP_OPT_GROUP,    /* a heading in --help (help is the heading) */
} lp_opt_type;

/* Parse @p arg into @p value; on failure write what is wrong (after "CMD: ") to @p why. */
typedef bool (*lp_opt_parse)(void *value, intptr_t data, const char *arg, char *why, size_t n);

enum {
    LP_OPTF_HIDDEN = 0x1, /* accepted, not listed in --help (an alias such as --colour) */
};

typedef struct lp_opt {
    lp_opt_type type;
    const char *name;   /* long name without "--" (NULL: a short option only) */
    char short_name;    /* 0: none */
    void *value;
    const char *argh;   /* the value's name in --help ("FILE"); NULL: the option takes no value */
    const char *help;   /* what it does; "\n" starts a continuation line */
    lp_opt_parse parse; /* LP_OPT_CALLBACK */
    intptr_t data;      /* handed to parse */
    unsigned flags;     /* LP_OPTF_* */
} lp_opt;

/* The output options every command shares (LP_OPT_OUTPUT). */
typedef struct lp_cli_out {
    lp_outfmt format;
    lp_color_mode color;
} lp_cli_out;

#define LP_CLI_OUT_DEFAULT {LP_OUT_TEXT, LP_COLOR_AUTO}

/* --json, --format, --color and its spelling --colour, the same for every command */
#define LP_OPT_OUTPUT(out)                                                                         \
    {LP_OPT_JSON, "json", 0, (out), NULL, "JSON output, the same as --format json (docs/json-schema.md)", NULL, 0, 0}, \
    {LP_OPT_FORMAT, "format", 0, (out), "FORMAT", NULL, NULL, 0, 0},                               \
    {LP_OPT_COLOR, "color", 0, (out), "WHEN", "auto (default: only on a terminal, never with NO_COLOR), always,\nnever; also spelt --colour", NULL, 0, 0}, \
    {LP_OPT_COLOR, "colour", 0, (out), "WHEN", NULL, NULL, 0, LP_OPTF_HIDDEN}

/* --image IMAGE and --platform P, the same in every command that reads FILEs: each FILE is then
 * a path inside the image (lp_cli_open_image() opens it, lp_cli_facts() reads one FILE). */
typedef struct lp_cli_image {
    const char *image;
    const char *platform;
} lp_cli_image;

#define LP_OPT_IMAGE(img)                                                                          \
    {LP_OPT_STRING, "image", 0, &(img)->image, "IMAGE",                                            \
     "read each FILE as a path inside a container image (docker-save\ntarball, OCI layout directory or tarball; :TAG or @sha256:DIGEST\npicks one), without extracting it; the file is named IMAGE:PATH", NULL, 0, 0}, \
    {LP_OPT_STRING, "platform", 0, &(img)->platform, "P",                                         \
     "the platform to take from a multi-platform image (default: the\nhost's)", NULL, 0, 0}

#define LP_OPT_END_ {LP_OPT_END, NULL, 0, NULL, NULL, NULL, NULL, 0, 0}

/* One row of a command's exit statuses. */
typedef struct lp_exit_row {
    int status;          /* -1 ends the table */
    const char *meaning;
} lp_exit_row;

/* What --help says about a command beside its options. */
typedef struct lp_cmd_doc {
    const char *name;           /* "inspect", "registry" */
    const char *usage[6];       /* after "linkproof ": "inspect [options] FILE..." */
    const char *about;          /* paragraphs, "\n"-separated lines */
    const char *after;          /* more text after the options (optional) */
    lp_exit_row exits[8];       /* ended by {-1, NULL} */
    int kind;                   /* the lp_doc_kind --format applies to; -1: text only */
} lp_cmd_doc;

enum {
    LP_PARSE_STOP = 0x1, /* options end at the first operand (buildinfo, as `go version`) */
};

#define LP_PARSE_HELP (-1)  /* --help was written to stdout: exit 0 */
#define LP_PARSE_ERROR (-2) /* one line was written to stderr: exit 2 */

/*
 * Parse argv[1..argc-1] (argv[0] is the command's name) against @p opts:
 * "--name value", "--name=value", a unique prefix of a long name, "-x",
 * "-xVALUE", "-x value", clustered short flags, "--" ending the options.
 * Operands are moved to the front, in order, after argv[0]. Returns the number of
 * operands (at argv + 1), LP_PARSE_HELP or LP_PARSE_ERROR.
 */
int lp_parse_options(const lp_cmd_doc *doc, const lp_opt *opts, int argc, char **argv, unsigned flags);

/* The help of a command from its doc and options (what --help writes). */
void lp_write_help(FILE *fp, const lp_cmd_doc *doc, const lp_opt *opts);

/* The closest of @p names (NULL-ended) to @p word within a small edit distance, or NULL. */
const char *lp_did_you_mean(const char *word, const char *const *names);

#endif
