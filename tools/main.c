/*
 * main.c - the linkproof command: the table of subcommands (one file each),
 * `help`, `--version`, the limits every command takes (--limit), and the
 * exit-status table of `linkproof --help`.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int cmd_help(int argc, char **argv);

static const lp_cmd commands[] = {
    {"inspect", cmd_inspect, "what the Go toolchain put into a binary"},
    {"buildinfo", cmd_buildinfo, "build info, byte for byte as `go version -m` prints it"},
    {"funcs", cmd_funcs, "the Go functions, from the function table (stripped binaries too)"},
    {"pkgs", cmd_pkgs, "the Go packages in a binary, with function counts"},
    {"check", cmd_check, "assert facts in CI: -X values, linkage, PIE, cgo, stripping, Go version"},
    {"diff", cmd_diff, "what changed between two builds"},
    {"deps", cmd_deps, "the libraries a binary needs, resolved in a root or an image as its loader would, without running it"},
    {"scan", cmd_scan, "find every Go binary under paths, in a root, an image or the running processes"},
    {"compat", cmd_compat, "will these binaries start in these container images? the matrix"},
    {"vulns", cmd_vulns, "known vulnerabilities (offline Go vulnerability database), at the level of linked symbols"},
    {"image", cmd_image, "what a container image holds (docker save, OCI layout), flattened"},
    {"probe", cmd_probe, "is a live process alive but not serving? fds, CLOSE_WAIT, accept queues"},
    {"fingerprint", cmd_fingerprint, "build IDs and code hashes of a file, or of a process in memory"},
    {"verify", cmd_verify, "is the running process a trusted build? ok, rollback or fuse"},
    {"registry", cmd_registry, "the store of trusted fingerprints (SQLite or PostgreSQL)"},
    {"exporter", cmd_exporter, "serve /metrics for every process on the node: probe readings and build facts"},
    {"help", cmd_help, "show help for a command"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

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
          "options of every command: --help, and where it writes more than text, --json (JSON\n"
          "Lines, docs/json-schema.md), --format FORMAT, --color WHEN ('linkproof help COMMAND')\n"
          "\n"
          "exit status:\n"
          "  0  success: every file was read; every assertion held; builds identical; healthy;\n"
          "     exporter: stopped by SIGTERM or SIGINT\n"
          "  1  a finding: an assertion is violated (check), builds differ (diff), the process\n"
          "     is unhealthy (probe), no Go function table (funcs, pkgs), a library is missing\n"
          "     (deps), a binary does not run in an image (compat), nothing found (registry)\n"
          "  2  usage error, an input that could not be read or is malformed, a process\n"
          "     that cannot be probed, or an address the exporter cannot listen on\n"
          "  3  check: nothing violated, but some assertion could not be decided; verify: rollback\n"
          "  4  verify: fuse\n"
          "  (buildinfo follows `go version -m` instead; see 'linkproof help buildinfo')\n"
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
    fprintf(fp, "\nlinkproof %s; 'linkproof --version'\n", LINKPROOF_VERSION);
}

static const lp_cmd *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void not_a_command(const char *name)
{
    const char *names[N_COMMANDS + 1];
    for (size_t i = 0; i < N_COMMANDS; i++)
        names[i] = commands[i].name;
    names[N_COMMANDS] = NULL;
    const char *m = lp_did_you_mean(name, names);
    if (m)
        lp_cli_error("'%s' is not a linkproof command; did you mean '%s'? see 'linkproof --help'", name, m);
    else
        lp_cli_error("'%s' is not a linkproof command; see 'linkproof --help'", name);
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "help") == 0) {
        usage_main(stdout);
        return LP_EXIT_OK;
    }
    const lp_cmd *c = find(argv[1]);
    if (!c) {
        not_a_command(argv[1]);
        return LP_EXIT_USAGE;
    }
    /* a command's help is written by its own option table */
    char *args[] = {argv[1], "--help", NULL};
    return c->run(2, args);
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
        not_a_command(name);
        return LP_EXIT_USAGE;
    }
    int rc = c->run(argc - 1, argv + 1);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        return lp_cli_usage("error writing output");
    }
    return rc;
}
