/*
 * deps.c - `linkproof deps [--root DIR] FILE...`: the libraries each file
 * needs, resolved in a root as glibc's or musl's loader would, without
 * running anything. Exit 0 when everything resolves (warnings allowed),
 * 1 when something is missing, 2 on usage or an unreadable FILE or root.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "linkproof/ld.h"
#include "linkproof/root.h"

void usage_deps(FILE *fp)
{
    fputs("usage: linkproof deps [--root DIR | --image IMAGE] [--list | --json] [options] FILE...\n"
          "\n"
          "Resolve the shared libraries FILE needs as the target system's loader would\n"
          "(glibc's or musl's rules, chosen by FILE's interpreter), in the root DIR\n"
          "(default /) or in a container image, and check every needed symbol version\n"
          "(glibc). Nothing is executed, no ldconfig is run: the root's files are read.\n"
          "glibc's rules are those of the root's glibc (the version in its loader, else its\n"
          "libc.so.6): up to 2.36 every search directory's legacy subdirectories (tls/,\n"
          "x86_64/, haswell/, avx512_1/ ...) too, from 2.33 the glibc-hwcaps ones; both, and\n"
          "$PLATFORM, depend on the CPU (--cpu). musl's rules depend on neither.\n"
          "\n"
          "  --root DIR              the target's root filesystem (default /)\n"
          "  --image IMAGE           a container image as the root: a docker-save tarball,\n"
          "                          an OCI layout directory or tarball (:TAG or\n"
          "                          @sha256:DIGEST picks one image; see linkproof help image)\n"
          "  --platform OS/ARCH[/V]  the platform to take from a multi-platform image\n"
          "                          (default: FILE's own)\n"
          "  --in-image              each FILE is a path inside the --image (its own\n"
          "                          binary), not a file on this machine\n"
          "  --list                  one line per library, as ldd prints them\n"
          "  --json                  one JSON object per file per line (docs/json-schema.md)\n"
          "  --ld-library-path PATHS as if LD_LIBRARY_PATH=PATHS (the environment is not read)\n"
          "  --cpu NAME              the CPU the program runs on: host (this machine's, read\n"
          "                          as glibc reads it), or x86-64, x86-64-v2, x86-64-v3,\n"
          "                          x86-64-v4 (a CPU glibc gives no platform name, such as\n"
          "                          AMD's), haswell, skylake-avx512, xeon_phi (Intel CPUs glibc\n"
          "                          names so), armv8.0-a, armv8.1-a. Default: host for the\n"
          "                          root /, else not known: the lowest CPU is assumed, and a\n"
          "                          library another CPU would load from another file, or not\n"
          "                          at all, gets a cpu-dependent problem naming the CPUs\n"
          "  --hwcaps LIST|none      glibc-hwcaps subdirectories to search, best first,\n"
          "                          comma-separated (default: the CPU's)\n"
          "  --dst-platform NAME     the loader's platform: $PLATFORM in RPATH and RUNPATH and,\n"
          "                          up to glibc 2.36, the platform subdirectory (default: the\n"
          "                          CPU's: haswell or xeon_phi on those Intel CPUs, else the\n"
          "                          kernel's AT_PLATFORM)\n"
          "  --color=WHEN            auto (default), always, never; NO_COLOR disables\n"
          "\n"
          "Exit status: 0 everything resolves and every needed version is provided\n"
          "(warnings allowed), 1 something is missing (interpreter, library, symbol\n"
          "version, glibc/musl mismatch; or, the CPU not known, a library some CPU would not\n"
          "load: cpu-dependent), 2 usage error or a FILE or root that cannot be read.\n",
          fp);
}

/* Split "a,b,c" into at most 8 names (kept in buf). */
static size_t split_hwcaps(char *buf, const char **out, size_t max)
{
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && n < max;
         t = strtok_r(NULL, ",", &save))
        if (*t)
            out[n++] = t;
    return n;
}

int cmd_deps(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},
        {"image", required_argument, NULL, 'i'},
        {"platform", required_argument, NULL, 'p'},
        {"in-image", no_argument, NULL, 'I'},
        {"list", no_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},
        {"ld-library-path", required_argument, NULL, 'L'},
        {"hwcaps", required_argument, NULL, 'H'},
        {"dst-platform", required_argument, NULL, 'P'},
        {"cpu", required_argument, NULL, 'C'},
        {"color", required_argument, NULL, 'c'},
        {"colour", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *root_dir = NULL, *image = NULL, *platform = NULL;
    bool in_image = false;
    lp_cli_views views = {0};
    bool json = false, list = false;
    lp_color_mode cm = LP_COLOR_AUTO;
    lp_deps_opts dopts = {0};
    char *hwbuf = NULL;
    const char *hw[8];
    int status = LP_EXIT_OK;
    lp_root *root = NULL;
    lp_ld *ld = NULL;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "r:ljh", opts, NULL)) != -1) {
        switch (ch) {
        case 'r': root_dir = optarg; break;
        case 'i': image = optarg; break;
        case 'p': platform = optarg; break;
        case 'I': in_image = true; break;
        case 'l': list = true; break;
        case 'j': json = true; break;
        case 'L': dopts.ld_library_path = optarg; break;
        case 'H':
            free(hwbuf);
            hwbuf = strdup(optarg);
            if (!hwbuf) {
                lp_cli_error("out of memory");
                status = LP_EXIT_USAGE;
                goto out;
            }
            dopts.hwcaps_given = true;
            dopts.n_hwcaps = strcmp(optarg, "none") == 0 ? 0 : split_hwcaps(hwbuf, hw, 8);
            dopts.hwcaps = hw;
            break;
        case 'P': dopts.platform = optarg; break;
        case 'C':
            if (!lp_cpu_name_ok(optarg)) {
                lp_cli_error("deps: --cpu '%s' is not a CPU linkproof knows (%s)", optarg, lp_cpu_names());
                status = LP_EXIT_USAGE;
                goto out;
            }
            dopts.cpu = optarg;
            break;
        case 'c':
            if (!lp_cli_color("deps", optarg, &cm))
                return LP_EXIT_USAGE;
            break;
        case 'h': usage_deps(stdout); goto out;
        default: lp_cli_bad_option("deps", argv); status = LP_EXIT_USAGE; goto out;
        }
    }
    if (json && list) {
        lp_cli_error("deps: --json and --list cannot be combined");
        status = LP_EXIT_USAGE;
        goto out;
    }
    if (optind >= argc) {
        lp_cli_error("deps: no FILE given");
        usage_deps(stderr);
        status = LP_EXIT_USAGE;
        goto out;
    }
    if (root_dir && image) {
        lp_cli_error("deps: --root and --image cannot be combined");
        status = LP_EXIT_USAGE;
        goto out;
    }
    if ((platform || in_image) && !image) {
        lp_cli_error("deps: --platform and --in-image need an --image");
        status = LP_EXIT_USAGE;
        goto out;
    }
    lp_err err;
    lp_err_clear(&err);
    if (!image && (lp_root_open_dir(&root, root_dir ? root_dir : "/", &err) != LP_OK ||
                   lp_ld_new(&ld, root, &dopts, &err) != LP_OK)) {
        lp_cli_error("%s", err.msg);
        status = LP_EXIT_USAGE;
        goto out;
    }
    lp_out o = {.fp = stdout, .color = lp_color_enabled(stdout, cm)};
    bool many = argc - optind > 1;
    for (int i = optind; i < argc; i++) {
        lp_deps *d = NULL;
        lp_err_clear(&err);
        lp_ld *use = ld;
        if (image) {
            /* the image as the file's own platform sees it (or the one asked for) */
            char plat[64];
            const char *p = platform ? platform
                            : !in_image && lp_cli_file_platform(argv[i], plat, sizeof plat) ? plat
                                                                                            : "linux/amd64";
            lp_cli_view *w = lp_cli_view_get(&views, image, 0, p, platform, &dopts);
            if (!w || w->error) {
                lp_cli_error("deps: %s", w ? w->error : "out of memory");
                status = LP_EXIT_USAGE;
                goto out; /* the same image for every FILE: no point going on */
            }
            use = w->ld;
        }
        if (lp_deps_resolve_flags(use, argv[i], in_image ? LP_DEPS_IN_ROOT : 0, &d, &err) != LP_OK) {
            lp_cli_error("%s", err.msg);
            status = LP_EXIT_USAGE;
            continue;
        }
        if (json) {
            json_t *j = lp_deps_json(d);
            bool ok = j && lp_json_write_line(stdout, j);
            json_decref(j);
            if (!ok) {
                lp_deps_free(&d);
                lp_cli_error("cannot write JSON output");
                status = LP_EXIT_USAGE;
                goto out;
            }
        } else if (list) {
            lp_deps_list(&o, stderr, d, many);
        } else {
            if (i > optind)
                fputc('\n', stdout);
            lp_deps_text(&o, d);
        }
        if (d->n_errors && status == LP_EXIT_OK)
            status = LP_EXIT_FINDING;
        lp_deps_free(&d);
    }
out:
    lp_ld_free(&ld);
    lp_root_free(&root);
    lp_cli_views_free(&views);
    free(hwbuf);
    return status;
}
