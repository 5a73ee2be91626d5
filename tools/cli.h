/*
 * cli.h - what the subcommands share: the exit-status table and helpers to
 * report errors in one style ("linkproof: 'FILE': what is wrong at offset N").
 */
#ifndef LP_CLI_H
#define LP_CLI_H

#include <stdio.h>

#include "linkproof/linkproof.h"
#include "linkproof/fingerprint.h"
#include "linkproof/ld.h"
#include "linkproof/root.h"
#include "report/report.h"

/* Exit statuses shared by every command (documented in --help, the man page, README). */
enum {
    LP_EXIT_OK = 0,      /* everything asked for holds / was read */
    LP_EXIT_FINDING = 1, /* a check failed, builds differ, something is missing */
    LP_EXIT_USAGE = 2,   /* bad usage, or an input that could not be read */
    LP_EXIT_UNDECIDED = 3, /* check: nothing violated, but something could not be decided */
};

typedef struct lp_cmd {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    void (*usage)(FILE *fp);
} lp_cmd;

int cmd_inspect(int argc, char **argv);
void usage_inspect(FILE *fp);
int cmd_buildinfo(int argc, char **argv);
void usage_buildinfo(FILE *fp);
int cmd_funcs(int argc, char **argv);
void usage_funcs(FILE *fp);
int cmd_pkgs(int argc, char **argv);
void usage_pkgs(FILE *fp);
int cmd_diff(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_fingerprint(int argc, char **argv);
void usage_fingerprint(FILE *fp);
int cmd_verify(int argc, char **argv);
void usage_verify(FILE *fp);
int cmd_registry(int argc, char **argv);
void usage_registry(FILE *fp);
/* JSON of fingerprints, shared by fingerprint and verify. */
json_t *lp_fingerprint_json(const lp_fingerprint *f, const char *path);
json_t *lp_proc_fingerprint_json(const lp_proc_fingerprint *p);
void usage_probe(FILE *fp);
void usage_check(FILE *fp);
void usage_diff(FILE *fp);
int cmd_deps(int argc, char **argv);
void usage_deps(FILE *fp);
int cmd_image(int argc, char **argv);
void usage_image(FILE *fp);
int cmd_compat(int argc, char **argv);
void usage_compat(FILE *fp);

/* Images (tools/image.c): a binary's platform ("linux/amd64"), and opening IMAGE with one
 * error line ("linkproof: CMD: ...") when it cannot be. */
bool lp_cli_file_platform(const char *file, char *buf, size_t n);
bool lp_cli_open_image(const char *cmd, const char *spec, const char *platform,
                       const char *default_platform, lp_root **out);

/* Images opened once per platform the binaries ask for, each with its resolver. */
typedef struct lp_cli_view {
    size_t image;       /* which of the images given */
    char *platform;
    lp_root *root;
    lp_ld *ld;
    char *error;        /* why it could not be opened (root and ld are NULL) */
} lp_cli_view;
typedef struct lp_cli_views {
    lp_cli_view *v;
    size_t n;
} lp_cli_views;
/* The view of image number @p image (spec) for @p platform (the binary's, or the one asked
 * for, which @p want_platform makes binding); NULL only when out of memory. */
lp_cli_view *lp_cli_view_get(lp_cli_views *vs, const char *spec, size_t image, const char *platform,
                             const char *want_platform, const lp_deps_opts *dopts);
void lp_cli_views_free(lp_cli_views *vs);

/* Print "linkproof: MSG" to stderr (MSG already names the file). */
void lp_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * After getopt_long returned '?' (with opterr = 0): one line naming the bad
 * option and where to look, instead of getopt's own message and a usage dump.
 */
void lp_cli_bad_option(const char *cmd, char **argv);
/* Parse --color=WHEN into *mode; on a bad value print one line for cmd and return false. */
bool lp_cli_color(const char *cmd, const char *arg, lp_color_mode *mode);
/* Parse --pid PID (a positive process id); on a bad value print one line for cmd and return false. */
bool lp_cli_pid(const char *cmd, const char *arg, int *pid);
/* Open process @p pid (proc.h) for a command, with the tests' pause hook when
 * $LINKPROOF_TEST_PAUSE is set. */
struct lp_proc;
lp_code lp_cli_proc_open(int pid, struct lp_proc **out, lp_err *err);
/* Map a library error code to an exit status. */
int lp_cli_exit_for(lp_code code);

#endif
