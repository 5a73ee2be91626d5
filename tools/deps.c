/*
 * deps.c - `linkproof deps [--root DIR | --image IMAGE] FILE...`: the
 * libraries each file needs, resolved in a root or an image as glibc's or
 * musl's loader would (ld/resolve.c, where: ld/views.c), without running
 * anything.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const lp_cmd_doc doc = {
    .name = "deps",
    .usage = {"deps [--root DIR | --image IMAGE] [--list | --json] [options] FILE..."},
    .about =
        "Resolve the shared libraries FILE needs as the target system's loader would\n"
        "(glibc's or musl's rules, chosen by FILE's interpreter), in the root DIR\n"
        "(default /) or in a container image, and check every needed symbol version\n"
        "(glibc). Nothing is executed, no ldconfig is run: the root's files are read.\n"
        "glibc's rules are those of the root's glibc (the version in its loader, else its\n"
        "libc.so.6): up to 2.36 every search directory's legacy subdirectories (tls/,\n"
        "x86_64/, haswell/, avx512_1/ ...) too, from 2.33 the glibc-hwcaps ones; both, and\n"
        "$PLATFORM, depend on the CPU (--cpu). musl's rules depend on neither.\n"
        "Text: a tree; --list: one line per library, as ldd prints them (problems on\n"
        "stderr); JSON: one document per FILE (docs/deps.md).",
    .exits = {{0, "everything resolves and every needed version is provided (warnings allowed)"},
              {1, "something is missing (interpreter, library, symbol version, glibc/musl\n"
                  "mismatch; or, the CPU not known, a library some CPU would not load:\n"
                  "cpu-dependent)"},
              {2, "usage error or a FILE or root that cannot be read"},
              {-1, NULL}},
    .kind = LP_DOC_DEPS,
};

/* --hwcaps LIST|none: at most 8 names, kept in the option's buffer */
typedef struct hwcaps {
    char *buf;
    const char *v[8];
    size_t n;
    bool given;
} hwcaps;

static bool parse_hwcaps(void *value, intptr_t data, const char *arg, char *why, size_t n)
{
    hwcaps *h = value;
    free(h->buf);
    if (!(h->buf = strdup(arg))) {
        snprintf(why, n, "out of memory");
        return false;
    }
    h->given = true;
    h->n = 0;
    if (strcmp(arg, "none") == 0)
        return true;
    for (char *save = NULL, *t = strtok_r(h->buf, ",", &save); t && h->n < 8; t = strtok_r(NULL, ",", &save))
        if (*t)
            h->v[h->n++] = t;
    return true;
}

int cmd_deps(int argc, char **argv)
{
    lp_cli_out out = LP_CLI_OUT_DEFAULT;
    lp_deps_target t = {0};
    hwcaps hw = {0};
    bool list = false;
    const lp_opt opts[] = {
        {LP_OPT_STRING, "root", 'r', &t.root, "DIR", "the target's root filesystem (default /)", NULL, 0, 0},
        {LP_OPT_STRING, "image", 0, &t.image, "IMAGE",
         "a container image as the root: a docker-save tarball, an OCI\nlayout directory or tarball (:TAG or @sha256:DIGEST picks one\nimage; see linkproof help image)",
         NULL, 0, 0},
        {LP_OPT_STRING, "platform", 0, &t.platform, "OS/ARCH[/V]",
         "the platform to take from a multi-platform image (default:\nFILE's own)", NULL, 0, 0},
        {LP_OPT_BOOL, "in-image", 0, &t.in_image, NULL,
         "each FILE is a path inside the --image (its own binary), not a\nfile on this machine", NULL, 0, 0},
        {LP_OPT_BOOL, "list", 'l', &list, NULL, "one line per library, as ldd prints them (= --format list)",
         NULL, 0, 0},
        {LP_OPT_STRING, "ld-library-path", 0, &t.opts.ld_library_path, "PATHS",
         "as if LD_LIBRARY_PATH=PATHS (the environment is not read)", NULL, 0, 0},
        {LP_OPT_CALLBACK, "cpu", 0, &t.opts.cpu, "NAME",
         "the CPU the program runs on: host (this machine's, read as glibc\n"
         "reads it), or x86-64, x86-64-v2, x86-64-v3, x86-64-v4 (a CPU glibc\n"
         "gives no platform name, such as AMD's), haswell, skylake-avx512,\n"
         "xeon_phi (Intel CPUs glibc names so), armv8.0-a, armv8.1-a. Default:\n"
         "host for the root /, else not known: the lowest CPU is assumed, and a\n"
         "library another CPU would load from another file, or not at all,\n"
         "gets a cpu-dependent problem naming the CPUs",
         lp_cli_parse_cpu, 0, 0},
        {LP_OPT_CALLBACK, "hwcaps", 0, &hw, "LIST|none",
         "glibc-hwcaps subdirectories to search, best first, comma-separated\n(default: the CPU's)", parse_hwcaps, 0, 0},
        {LP_OPT_STRING, "dst-platform", 0, &t.opts.platform, "NAME",
         "the loader's platform: $PLATFORM in RPATH and RUNPATH and, up to\n"
         "glibc 2.36, the platform subdirectory (default: the CPU's: haswell or\n"
         "xeon_phi on those Intel CPUs, else the kernel's AT_PLATFORM)", NULL, 0, 0},
        LP_OPT_OUTPUT(&out),
        {LP_OPT_JSON, NULL, 'j', &out, NULL, "the same as --json", NULL, 0, LP_OPTF_HIDDEN},
        LP_OPT_END_,
    };
    int status = LP_EXIT_OK;
    lp_deps_session *s = NULL;
    lp_report *r = NULL;
    lp_err err;
    lp_err_clear(&err);
    int n = lp_parse_options(&doc, opts, argc, argv, 0);
    if (n < 0) {
        status = lp_cli_parsed(n);
        goto out;
    }
    if (list && out.format == LP_OUT_JSON) {
        lp_cli_error("deps: --json and --list cannot be combined");
        status = LP_EXIT_USAGE;
        goto out;
    }
    if (list)
        out.format = LP_OUT_LIST;
    if (n == 0) {
        lp_cli_error("deps: no FILE given; see 'linkproof help deps'");
        status = LP_EXIT_USAGE;
        goto out;
    }
    t.opts.hwcaps = hw.v;
    t.opts.n_hwcaps = hw.n;
    t.opts.hwcaps_given = hw.given;
    if (lp_deps_session_open(&t, &s, &err) != LP_OK) {
        if (err.code == LP_ERR_INVAL)
            lp_cli_error("deps: %s", err.msg);
        else
            lp_cli_error("%s", err.msg);
        status = LP_EXIT_USAGE;
        goto out;
    }
    if (!(r = lp_cli_report(&out, n > 1 ? LP_REPORT_SEVERAL : 0, NULL))) {
        status = LP_EXIT_USAGE;
        goto out;
    }
    for (int i = 1; i <= n; i++) {
        lp_deps *d = NULL;
        bool whole = false;
        lp_err_clear(&err);
        if (lp_deps_session_resolve(s, argv[i], &d, &whole, &err) != LP_OK) {
            status = LP_EXIT_USAGE;
            if (whole) {
                lp_cli_error("deps: %s", err.msg);
                break; /* the same image for every FILE: no point going on */
            }
            lp_cli_error("%s", err.msg);
        }
        lp_doc_deps dd = {argv[i], d, &err};
        lp_report_write(r, LP_DOC_DEPS, &dd);
        if (d && d->n_errors && status == LP_EXIT_OK)
            status = LP_EXIT_FINDING;
        lp_deps_free(&d);
    }
    if (!lp_cli_report_done(&r))
        status = LP_EXIT_USAGE;
out:
    lp_report_close(&r);
    lp_deps_session_close(&s);
    free(hw.buf);
    return status;
}
