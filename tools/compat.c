/*
 * compat.c - `linkproof compat --image IMAGE... BINARY...`: the base-image
 * matrix (facts/compat.c: each binary resolved in each image, opened once per
 * platform the binaries ask for, and judged).
 */
#include <stdlib.h>

#include "cli.h"

static const lp_cmd_doc doc = {
    .name = "compat",
    .usage = {"compat [--platform P] [--cpu NAME] [options] --image IMAGE [--image IMAGE]... BINARY..."},
    .about =
        "Will each BINARY start in each IMAGE? For every pair: \"runs\", or the first reason\n"
        "it will not, in the order a start meets them: wrong-architecture (the image's\n"
        "config against the binary's machine), interpreter-missing, libc-mismatch (a\n"
        "glibc binary on a musl image or the reverse), interpreter-wrong, not-found,\n"
        "bad-library, stale-cache, cpu-dependent (loaded on some CPUs only: give --cpu),\n"
        "version-missing (\"needs GLIBC_2.34 from libc.so.6; the image provides up to\n"
        "GLIBC_2.31\"). The libraries are resolved as `linkproof deps --image` resolves\n"
        "them; nothing is executed. JSON: one document (docs/images.md).",
    .exits = {{0, "every binary runs in every image"},
              {1, "some pair does not"},
              {2, "usage error, or a BINARY or IMAGE that cannot be read"},
              {-1, NULL}},
    .kind = LP_DOC_COMPAT,
};

int cmd_compat(int argc, char **argv)
{
    lp_cli_out out = LP_CLI_OUT_DEFAULT;
    lp_strs images = {0};
    lp_compat_opts co = {0};
    const lp_opt opts[] = {
        {LP_OPT_CALLBACK, "image", 0, &images, "IMAGE",
         "a docker-save tarball, an OCI layout directory or tarball, with\n:TAG or @sha256:DIGEST to pick one image (repeatable)",
         lp_cli_parse_append, 0, 0},
        {LP_OPT_STRING, "platform", 0, &co.platform, "P",
         "the platform to take from multi-platform images (default: each\nbinary's own)", NULL, 0, 0},
        {LP_OPT_CALLBACK, "cpu", 0, &co.deps.cpu, "NAME",
         "the CPU the images will run on (see 'linkproof help deps'); by\n"
         "default not known: a library whose file depends on the CPU is\n"
         "cpu-dependent where some CPU does not load it", lp_cli_parse_cpu, 0, 0},
        LP_OPT_OUTPUT(&out),
        {LP_OPT_JSON, NULL, 'j', &out, NULL, "the same as --json", NULL, 0, LP_OPTF_HIDDEN},
        LP_OPT_END_,
    };
    int status = LP_EXIT_USAGE;
    lp_compat_matrix *mx = NULL;
    lp_report *r = NULL;
    lp_err err;
    int n = lp_parse_options(&doc, opts, argc, argv, 0);
    if (n < 0) {
        status = lp_cli_parsed(n);
        goto out;
    }
    if (!images.n || n == 0) {
        lp_cli_error("compat: needs at least one --image IMAGE and one BINARY; see 'linkproof help compat'");
        goto out;
    }
    if (lp_compat_run((const char *const *)(argv + 1), (size_t)n, images.v, images.n, &co, &mx, &err) != LP_OK) {
        lp_cli_error("compat: %s", err.msg);
        goto out;
    }
    /* what could not be read, once each: an image, a binary */
    for (size_t i = 0; i < mx->n_images; i++)
        if (mx->image_errors[i].code)
            lp_cli_error("compat: %s", mx->image_errors[i].msg);
    for (size_t b = 0; b < mx->n_binaries; b++)
        if (mx->binary_errors[b].code)
            lp_cli_error("compat: %s", mx->binary_errors[b].msg);
    status = mx->n_errors ? LP_EXIT_USAGE : mx->n_not_running ? LP_EXIT_FINDING : LP_EXIT_OK;
    if (!(r = lp_cli_report(&out, 0, NULL)) || !lp_report_write(r, LP_DOC_COMPAT, mx) || !lp_cli_report_done(&r))
        status = LP_EXIT_USAGE;
out:
    lp_report_close(&r);
    lp_compat_matrix_free(&mx);
    free(images.v);
    return status;
}
