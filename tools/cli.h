/*
 * cli.h - what the subcommands share: the exit-status table (cli.c maps
 * library codes and verdicts to statuses in one place), one-line errors
 * ("linkproof: CMD: what is wrong"), the option callbacks several commands
 * use, and the command table's row.
 */
#ifndef LP_CLI_H
#define LP_CLI_H

#include <stdio.h>

#include "linkproof/linkproof.h"
#include "options.h"
#include "report/report.h"

/* Exit statuses shared by every command (documented in --help, the man page, README). */
enum {
    LP_EXIT_OK = 0,        /* everything asked for holds / was read */
    LP_EXIT_FINDING = 1,   /* a check failed, builds differ, something is missing */
    LP_EXIT_USAGE = 2,     /* bad usage, or an input that could not be read */
    LP_EXIT_UNDECIDED = 3, /* check: nothing violated, but something could not be decided */
    LP_EXIT_ROLLBACK = 3,  /* verify: a trusted build that is not the baseline */
    LP_EXIT_FUSE = 4,      /* verify: unknown or patched code */
};

typedef struct lp_cmd {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command's name; "--help" writes its help */
    const char *summary;
} lp_cmd;

int cmd_inspect(int argc, char **argv);
int cmd_buildinfo(int argc, char **argv);
int cmd_funcs(int argc, char **argv);
int cmd_pkgs(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_fingerprint(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_registry(int argc, char **argv);
int cmd_deps(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_compat(int argc, char **argv);
int cmd_exporter(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_vulns(int argc, char **argv);

/* ---- the exit-status table (cli.c) ---- */
/* A library code: LP_OK 0, anything else 2 (an input that could not be read or is malformed). */
int lp_cli_exit_for(lp_code code);
/* lp_parse_options()'s result when it is not a count of operands: --help 0, a usage error 2. */
int lp_cli_parsed(int n);
/* A usage error: its one line, and status 2. */
int lp_cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A library error: "PREFIX: MESSAGE" (or the message alone), and its status (lp_cli_exit_for). */
int lp_cli_fail(const lp_err *e, const char *prefix);
/* check: ok 0, a violation 1, nothing violated but something undecided 3, an unreadable file 2. */
int lp_cli_exit_check(lp_check_outcome o);
/* verify: ok 0, rollback 3, fuse 4. */
int lp_cli_exit_verdict(lp_verdict v);

/* Print "linkproof: MSG" to stderr, escaped (MSG names the file or the command). */
void lp_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open a report on stdout for @p out, NULL after an error line when memory ran out. */
lp_report *lp_cli_report(const lp_cli_out *out, unsigned flags, const char *command);
/* Close it; false (after an error line) when the output could not be written. */
bool lp_cli_report_done(lp_report **r);

/* A file written atomically (the textfile collector must never read half of one): a temporary
 * file beside @p path (".NAME.XXXXXX", which the collector's *.prom glob skips), renamed over
 * it by lp_cli_atomic_commit, removed by lp_cli_atomic_abort. NULL after an error line. */
typedef struct lp_cli_atomic {
    const char *path;
    char *tmp;
    FILE *fp;
} lp_cli_atomic;
FILE *lp_cli_atomic_open(lp_cli_atomic *a, const char *path);
bool lp_cli_atomic_commit(lp_cli_atomic *a);
void lp_cli_atomic_abort(lp_cli_atomic *a);
/* lp_cli_report() writing to @p fp. */
lp_report *lp_cli_report_to(const lp_cli_out *out, unsigned flags, const char *command, FILE *fp);

/* Option callbacks: --pid PID (value: int *), a count (uint64_t *), a string list (lp_strs *). */
bool lp_cli_parse_pid(void *value, intptr_t data, const char *arg, char *why, size_t n);
bool lp_cli_parse_count(void *value, intptr_t data, const char *arg, char *why, size_t n);
typedef struct lp_strs {
    const char **v;
    size_t n;
} lp_strs;
bool lp_cli_parse_append(void *value, intptr_t data, const char *arg, char *why, size_t n);
/* --as-of YYYY-MM-DD (value: const char **), a real day */
bool lp_cli_parse_date(void *value, intptr_t data, const char *arg, char *why, size_t n);
/* --cpu NAME (value: const char **) */
bool lp_cli_parse_cpu(void *value, intptr_t data, const char *arg, char *why, size_t n);

/* --image (LP_OPT_IMAGE): NULL in *root without one; false after an error line ("CMD: ...")
 * when the image cannot be opened or --platform is given without --image. */
bool lp_cli_open_image(const lp_cli_image *img, const char *cmd, lp_root **root);
/* The facts of FILE: a path inside @p root when there is one, else a host file. */
lp_code lp_cli_facts(lp_root *root, const char *file, const lp_facts_opts *fo, lp_facts **f, lp_err *err);
/* The byte source of FILE the same way (named IMAGE:PATH inside an image). */
lp_code lp_cli_src(lp_root *root, const char *file, lp_src **src, lp_err *err);

/* The hook the tests pause processes at ($LINKPROOF_TEST_PAUSE; NULL hook when unset). */
lp_proc_hook lp_cli_proc_hook(void **ctx);

#endif
