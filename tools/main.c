/*
 * main.c - the linkproof command: a table of subcommands, one file each.
 * Owns option-free dispatch, `help`, `--version`, and the exit-status table.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <limits.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "linkproof/proc.h"
#include "linkproof/limits.h"

static int cmd_help(int argc, char **argv);
static void usage_help(FILE *fp);

static const lp_cmd commands[] = {
    {"inspect", cmd_inspect, "what the Go toolchain put into a binary", usage_inspect},
    {"buildinfo", cmd_buildinfo, "build info, byte for byte as `go version -m` prints it",
     usage_buildinfo},
    {"funcs", cmd_funcs, "the Go functions, from the function table (stripped binaries too)",
     usage_funcs},
    {"check", cmd_check, "assert facts in CI: -X values, linkage, PIE, cgo, stripping, Go version",
     usage_check},
    {"probe", cmd_probe, "is a live process alive but not serving? fds, CLOSE_WAIT, accept queues",
     usage_probe},
    {"fingerprint", cmd_fingerprint, "build IDs and code hashes of a file, or of a process in memory",
     usage_fingerprint},
    {"verify", cmd_verify, "is the running process a trusted build? ok, rollback or fuse", usage_verify},
    {"registry", cmd_registry, "the store of trusted fingerprints (SQLite or PostgreSQL)", usage_registry},
    {"diff", cmd_diff, "what changed between two builds", usage_diff},
    {"deps", cmd_deps, "the libraries a binary needs, resolved in a root or an image as its loader would, without running it", usage_deps},
    {"compat", cmd_compat, "will these binaries start in these container images? the matrix", usage_compat},
    {"image", cmd_image, "what a container image holds (docker save, OCI layout), flattened", usage_image},
    {"pkgs", cmd_pkgs, "the Go packages in a binary, with function counts", usage_pkgs},
    {"help", cmd_help, "show help for a command", usage_help},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

void lp_cli_error(const char *fmt, ...)
{
    /* the message names inputs (tar entries, section names, labels): escaped as on stdout */
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    fputs("linkproof: ", stderr);
    if (n >= 0 && msg)
        lp_put_safe_n(stderr, msg, (size_t)n);
    else
        fputs("out of memory", stderr);
    fputc('\n', stderr);
    free(msg);
}

/*
 * --limit NAME=VALUE (also --limit=NAME=VALUE) anywhere before a "--", and
 * $LINKPROOF_LIMITS ("NAME=VALUE,NAME=VALUE"): taken out of argv here, for
 * every command, before the command parses its own options.
 */
static bool take_limits(int *argc, char **argv)
{
    lp_err err;
    lp_err_clear(&err);
    const char *env = getenv("LINKPROOF_LIMITS");
    if (env && *env) {
        char *copy = strdup(env);
        for (char *save = NULL, *t = copy ? strtok_r(copy, ", ", &save) : NULL; t;
             t = strtok_r(NULL, ", ", &save))
            if (lp_limit_set(t, &err) != LP_OK) {
                lp_cli_error("$LINKPROOF_LIMITS: %s", err.msg);
                free(copy);
                return false;
            }
        free(copy);
    }
    int out = 1;
    bool rest = false;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (!rest && strcmp(a, "--") == 0)
            rest = true;
        if (!rest && (strcmp(a, "--limit") == 0 || strncmp(a, "--limit=", 8) == 0)) {
            const char *v = a[7] == '=' ? a + 8 : (i + 1 < *argc ? argv[++i] : NULL);
            if (!v) {
                lp_cli_error("--limit needs NAME=VALUE; see 'linkproof --help'");
                return false;
            }
            if (lp_limit_set(v, &err) != LP_OK) {
                lp_cli_error("%s", err.msg);
                return false;
            }
            continue;
        }
        argv[out++] = argv[i];
    }
    argv[out] = NULL;
    *argc = out;
    return true;
}

void lp_cli_bad_option(const char *cmd, char **argv)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "?";
    if (optopt > ' ' && optopt < 0x7f && optopt != '?' && arg[0] == '-' && arg[1] != '-')
        lp_cli_error("%s: option '-%c' is unknown or needs a value; see 'linkproof help %s'", cmd,
                     optopt, cmd);
    else
        lp_cli_error("%s: option '%s' is unknown or needs a value; see 'linkproof help %s'", cmd, arg,
                     cmd);
}

bool lp_cli_color(const char *cmd, const char *arg, lp_color_mode *mode)
{
    if (lp_color_parse(arg, mode))
        return true;
    lp_cli_error("%s: --color must be auto, always or never, not '%s'", cmd, arg);
    return false;
}

bool lp_cli_pid(const char *cmd, const char *arg, int *pid)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (*end || end == arg || errno || v <= 0 || v > INT_MAX) {
        lp_cli_error("%s: --pid '%s' is not a process id", cmd, arg);
        return false;
    }
    *pid = (int)v;
    return true;
}

int lp_cli_exit_for(lp_code code)
{
    return code == LP_OK ? LP_EXIT_OK : LP_EXIT_USAGE;
}

static void usage_main(FILE *fp)
{
    fputs("usage: linkproof <command> [options] [FILE...]\n"
          "\n"
          "Proves what the Go toolchain put into a binary, without running it, and what a\n"
          "running process is doing with its sockets.\n"
          "\n"
          "commands:\n",
          fp);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(fp, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "exit status:\n"
          "  0  success: every file was read; every assertion held; builds identical; healthy\n"
          "  1  a finding: an assertion is violated (check), builds differ (diff), the process\n"
          "     is unhealthy (probe), no Go function table (funcs, pkgs)\n"
          "  2  usage error, an input that could not be read or is malformed, or a process\n"
          "     that cannot be probed\n"
          "  check: 3 nothing violated, but some assertion could not be decided\n"
          "  verify: 0 ok, 3 rollback, 4 fuse, 2 cannot verify\n"
          "  (buildinfo follows `go version -m` instead; see 'linkproof help buildinfo')\n"
          "\n"
          "options: --version, --help; 'linkproof help <command>' for a command's options\n"
          "\n"
          "limits (any command; docs/limits.md): --limit NAME=VALUE, or $LINKPROOF_LIMITS\n"
          "(\"NAME=VALUE,...\"); going over one is an error (exit 2) naming it. 0: no limit.\n",
          fp);
    for (int i = 0; i < LP_LIMIT_COUNT; i++) {
        char v[32];
        fprintf(fp, "  %-13s %-9s %s\n", lp_limit_name((lp_limit_id)i),
                lp_limit_format((lp_limit_id)i, lp_limit_default((lp_limit_id)i), v, sizeof v),
                lp_limit_doc((lp_limit_id)i));
    }
}

/*
 * The test hook of $LINKPROOF_TEST_PAUSE=DIR (tests only, undocumented for users): at
 * each stage of reading a process, create DIR/paused.STAGE and wait (at most 60 s) until
 * something opens the FIFO DIR/resume for writing and closes it. A test changes the
 * process at that moment (kills it, starts another under the same id).
 */
static void pause_hook(void *ctx, const lp_proc *p, const char *stage)
{
    const char *dir = ctx;
    char path[4200];
    (void)p;
    snprintf(path, sizeof path, "%s/paused.%s", dir, stage);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
    snprintf(path, sizeof path, "%s/resume", dir);
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    /* a FIFO opened for reading without a writer reads EOF at once: wait for the writer first */
    for (int waited = 0; waited < 60000; waited += 10) {
        struct pollfd pf = {fd, POLLIN, 0};
        char b[64];
        if (poll(&pf, 1, 10) > 0 && (pf.revents & POLLIN) && read(fd, b, sizeof b) > 0)
            continue;
        if (pf.revents & POLLHUP)
            break; /* the writer came and went */
    }
    close(fd);
}

lp_code lp_cli_proc_open(int pid, lp_proc **out, lp_err *err)
{
    lp_code rc = lp_proc_open(pid, out, err);
    const char *dir = getenv("LINKPROOF_TEST_PAUSE");
    if (rc == LP_OK && dir && *dir)
        lp_proc_set_hook(*out, pause_hook, (void *)(uintptr_t)dir);
    return rc;
}

static void usage_help(FILE *fp) { fputs("usage: linkproof help [command]\n", fp); }

static const lp_cmd *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        usage_main(stdout);
        return LP_EXIT_OK;
    }
    const lp_cmd *c = find(argv[1]);
    if (!c) {
        lp_cli_error("'%s' is not a linkproof command; see 'linkproof --help'", argv[1]);
        return LP_EXIT_USAGE;
    }
    c->usage(stdout);
    return LP_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (!take_limits(&argc, argv))
        return LP_EXIT_USAGE;
    if (argc < 2) {
        usage_main(stderr);
        return LP_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        usage_main(stdout);
        return LP_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("linkproof %s\n", LINKPROOF_VERSION);
        return LP_EXIT_OK;
    }
    const lp_cmd *c = find(name);
    if (!c) {
        lp_cli_error("'%s' is not a linkproof command; see 'linkproof --help'", name);
        return LP_EXIT_USAGE;
    }
    opterr = 0; /* subcommands report bad options themselves, in one line */
    int rc = c->run(argc - 1, argv + 1);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        lp_cli_error("error writing output");
        return LP_EXIT_USAGE;
    }
    return rc;
}
