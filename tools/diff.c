/*
 * diff.c - `linkproof diff A B`: what changed between two builds
 * (facts/diff.c decides what differs and in which order).
 */
#include <string.h>

#include "cli.h"

static const lp_cmd_doc doc = {
    .name = "diff",
    .usage = {"diff [options] A B", "diff --image IMAGE [options] A B", "diff [--image-a IMAGE] [--image-b IMAGE] [options] A B"},
    .about =
        "What differs between two builds, most consequential first: package initializers\n"
        "(e.g. a main.init.0 lost with CGO_ENABLED=0) and cgo code, linkage (static or\n"
        "dynamic, PIE, interpreter, needed libraries, RPATH/RUNPATH), Go version, main\n"
        "module, -X verdicts and values, build settings, dependencies (added, removed,\n"
        "version changed), packages, stripping, format, and build IDs.\n"
        "JSON: {a: {path, error}, b: {path, error}, identical, changes: [{group, kind:\n"
        "removed|added|changed, item, a, b}]}.\n"
        "With --image, A and B are paths inside that image; --image-a (--image-b) makes\n"
        "only A (B) a path inside an image: two images, or an image's file and a host file.",
    .exits = {{0, "identical in every compared fact"},
              {1, "they differ"},
              {2, "usage error or an unreadable input"},
              {-1, NULL}},
    .kind = LP_DOC_DIFF,
};

int cmd_diff(int argc, char **argv)
{
    lp_cli_out out = LP_CLI_OUT_DEFAULT;
    lp_cli_image img = {NULL, NULL}, img_a = {NULL, NULL}, img_b = {NULL, NULL};
    const lp_opt opts[] = {
        LP_OPT_OUTPUT(&out),
        LP_OPT_IMAGE(&img),
        {LP_OPT_STRING, "image-a", 0, &img_a.image, "IMAGE", "A is a path inside this image (B stays a host file unless\n--image-b)", NULL, 0, 0},
        {LP_OPT_STRING, "image-b", 0, &img_b.image, "IMAGE", "B is a path inside this image", NULL, 0, 0},
        {LP_OPT_JSON, NULL, 'j', &out, NULL, "the same as --json", NULL, 0, LP_OPTF_HIDDEN},
        LP_OPT_END_,
    };
    int n = lp_parse_options(&doc, opts, argc, argv, 0);
    if (n < 0)
        return lp_cli_parsed(n);
    if (n != 2) {
        lp_cli_error("diff: expected two files, A and B; see 'linkproof help diff'");
        return LP_EXIT_USAGE;
    }
    if (img.image && (img_a.image || img_b.image)) {
        lp_cli_error("diff: --image names the image of both A and B; use --image-a and --image-b for two");
        return LP_EXIT_USAGE;
    }
    if (img.image)
        img_a.image = img_b.image = img.image;
    if (img.platform && !img_a.image && !img_b.image) {
        lp_cli_error("diff: --platform picks a platform of an --image");
        return LP_EXIT_USAGE;
    }
    img_a.platform = img_a.image ? img.platform : NULL;
    img_b.platform = img_b.image ? img.platform : NULL;
    lp_facts *fa = NULL, *fb = NULL;
    lp_err err;
    int status = LP_EXIT_OK;
    lp_root *ra = NULL, *rb = NULL;
    /* one image named for both: opened once */
    bool same = img_a.image && img_b.image && strcmp(img_a.image, img_b.image) == 0;
    if (!lp_cli_open_image(&img_a, "diff", &ra))
        return LP_EXIT_USAGE;
    if (!same && !lp_cli_open_image(&img_b, "diff", &rb)) {
        lp_root_free(&ra);
        return LP_EXIT_USAGE;
    }
    for (int k = 0; k < 2; k++) {
        lp_facts **f = k ? &fb : &fa;
        lp_root *root = k ? (same ? ra : rb) : ra;
        if (lp_cli_facts(root, argv[1 + k], NULL, f, &err) != LP_OK) {
            lp_cli_error("%s", err.msg);
            status = LP_EXIT_USAGE;
        }
    }
    lp_diff d = {0};
    bool compared = status == LP_EXIT_OK && lp_facts_diff(fa, fb, &d, &err) == LP_OK;
    if (status == LP_EXIT_OK && !compared) {
        lp_cli_error("%s", err.msg);
        status = LP_EXIT_USAGE;
    }
    if (compared)
        status = d.n ? LP_EXIT_FINDING : LP_EXIT_OK;
    /* inside an image, named as inspect --image names it (IMAGE:PATH) */
    lp_doc_diff dd = {fa ? fa->path : argv[1], fb ? fb->path : argv[2], fa, fb, compared ? &d : NULL};
    lp_report *r = lp_cli_report(&out, 0, NULL);
    if (r && (fa || fb))
        lp_report_write(r, LP_DOC_DIFF, &dd);
    if (!r || !lp_cli_report_done(&r))
        status = LP_EXIT_USAGE;
    lp_diff_release(&d);
    lp_facts_free(&fa);
    lp_facts_free(&fb);
    /* after the facts: those read from an image may point into its bytes */
    lp_root_free(&ra);
    lp_root_free(&rb);
    return status;
}
