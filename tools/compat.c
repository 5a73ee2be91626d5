/*
 * compat.c - `linkproof compat --image IMAGE... BINARY...`: the base-image
 * matrix. For each binary and image: "runs", or the first reason it will not
 * (wrong architecture, missing interpreter, glibc/musl mismatch, missing
 * library, missing symbol version), from the same resolution `deps` makes.
 * An image is opened once per platform the binaries ask for.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "linkproof/ld.h"
#include "linkproof/object.h"
#include "linkproof/root.h"

void usage_compat(FILE *fp)
{
    fputs("usage: linkproof compat [--json] [--platform P] --image IMAGE [--image IMAGE]...\n"
          "                        BINARY...\n"
          "\n"
          "Will each BINARY start in each IMAGE? For every pair: \"runs\", or the first reason\n"
          "it will not, in the order a start meets them: wrong-architecture (the image's\n"
          "config against the binary's machine), interpreter-missing, libc-mismatch (a\n"
          "glibc binary on a musl image or the reverse), interpreter-wrong, not-found,\n"
          "bad-library, stale-cache, cpu-dependent (loaded on some CPUs only: give --cpu),\n"
          "version-missing (\"needs GLIBC_2.34 from libc.so.6; the image provides up to\n"
          "GLIBC_2.31\"). The libraries are resolved as `linkproof deps --image` resolves\n"
          "them; nothing is executed.\n"
          "\n"
          "  --image IMAGE   a docker-save tarball, an OCI layout directory or tarball, with\n"
          "                  :TAG or @sha256:DIGEST to pick one image (repeatable)\n"
          "  --platform P    the platform to take from multi-platform images (default: each\n"
          "                  binary's own)\n"
          "  --cpu NAME      the CPU the images will run on (see 'linkproof help deps'); by\n"
          "                  default not known: a library whose file depends on the CPU is\n"
          "                  cpu-dependent where some CPU does not load it\n"
          "  --json          one JSON object (docs/images.md)\n"
          "  --color=WHEN    auto (default), always, never; NO_COLOR disables\n"
          "\n"
          "exit status: 0 every binary runs in every image; 1 some pair does not; 2 usage\n"
          "error, or a BINARY or IMAGE that cannot be read\n",
          fp);
}

int cmd_compat(int argc, char **argv)
{
    static const struct option opts[] = {
        {"image", required_argument, NULL, 'i'},
        {"platform", required_argument, NULL, 'p'},
        {"cpu", required_argument, NULL, 'C'},
        {"json", no_argument, NULL, 'j'},
        {"color", required_argument, NULL, 'c'},
        {"colour", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char **images = NULL;
    size_t n_images = 0;
    const char *platform = NULL;
    lp_deps_opts dopts = {0};
    bool json = false;
    lp_color_mode cm = LP_COLOR_AUTO;
    int status = LP_EXIT_OK;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        switch (ch) {
        case 'i': {
            const char **ni = realloc(images, (n_images + 1) * sizeof *ni);
            if (!ni) {
                free(images);
                return LP_EXIT_USAGE;
            }
            images = ni;
            images[n_images++] = optarg;
            break;
        }
        case 'p': platform = optarg; break;
        case 'C':
            if (!lp_cpu_name_ok(optarg)) {
                lp_cli_error("compat: --cpu '%s' is not a CPU linkproof knows (%s)", optarg, lp_cpu_names());
                free(images);
                return LP_EXIT_USAGE;
            }
            dopts.cpu = optarg;
            break;
        case 'j': json = true; break;
        case 'c':
            if (!lp_cli_color("compat", optarg, &cm)) {
                free(images);
                return LP_EXIT_USAGE;
            }
            break;
        case 'h': usage_compat(stdout); free(images); return LP_EXIT_OK;
        default: lp_cli_bad_option("compat", argv); free(images); return LP_EXIT_USAGE;
        }
    }
    if (!n_images || optind >= argc) {
        lp_cli_error("compat: needs at least one --image IMAGE and one BINARY");
        usage_compat(stderr);
        free(images);
        return LP_EXIT_USAGE;
    }
    size_t n_bin = (size_t)(argc - optind);
    lp_compat *cells = calloc(n_bin * n_images, sizeof *cells);
    const lp_image_meta **metas = calloc(n_images, sizeof *metas);
    lp_cli_views vs = {0};
    if (!cells || !metas) {
        lp_cli_error("out of memory");
        free(cells);
        free(metas);
        free(images);
        return LP_EXIT_USAGE;
    }
    for (size_t b = 0; b < n_bin; b++) {
        const char *bin = argv[optind + (int)b];
        char plat[64] = "";
        bool known = lp_cli_file_platform(bin, plat, sizeof plat);
        const char *arch = known ? strchr(plat, '/') + 1 : NULL;
        for (size_t i = 0; i < n_images; i++) {
            lp_compat *c = &cells[b * n_images + i];
            lp_err err;
            lp_err_clear(&err);
            lp_cli_view *w = lp_cli_view_get(&vs, images[i], i,
                                             platform ? platform : known ? plat : "linux/amd64",
                                             platform, &dopts);
            if (!w) {
                lp_cli_error("out of memory");
                status = LP_EXIT_USAGE;
                continue;
            }
            if (w->error) {
                /* the image itself: one error line, once */
                if (!metas[i] && b == 0)
                    lp_cli_error("compat: %s", w->error);
                c->reason = "error";
                c->text = strdup(w->error);
                status = LP_EXIT_USAGE;
                continue;
            }
            metas[i] = lp_root_image(w->root);
            lp_deps *d = NULL;
            lp_code rc = lp_deps_resolve(w->ld, bin, &d, &err);
            if (rc) {
                if (i == 0)
                    lp_cli_error("compat: %s", err.msg);
                status = LP_EXIT_USAGE;
            }
            lp_compat_judge(d, arch, metas[i], rc ? err.msg : NULL, c, &err);
            c->platform = strdup(w->platform);
            if (!c->runs && status == LP_EXIT_OK)
                status = LP_EXIT_FINDING;
            lp_deps_free(&d);
        }
    }
    lp_compat_matrix mx = {(const char *const *)(argv + optind), n_bin, images, metas, n_images,
                           cells};
    if (json) {
        json_t *j = lp_compat_json(&mx);
        if (!j || !lp_json_write_line(stdout, j)) {
            lp_cli_error("cannot write JSON output");
            status = LP_EXIT_USAGE;
        }
        json_decref(j);
    } else {
        lp_out o = {.fp = stdout, .color = lp_color_enabled(stdout, cm)};
        lp_compat_text(&o, &mx);
    }
    for (size_t k = 0; k < n_bin * n_images; k++)
        lp_compat_release(&cells[k]);
    free(cells);
    lp_cli_views_free(&vs);
    free(metas);
    free(images);
    return status;
}
