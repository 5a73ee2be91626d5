/*
 * image.c - `linkproof image ls|cat|info IMAGE`: what a container image
 * holds, read as the other commands read it (root/image.c: one flattened
 * tree, digests checked).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const lp_cmd_doc doc = {
    .name = "image",
    .usage = {"image ls [--platform OS/ARCH[/VARIANT]] [options] IMAGE", "image cat [--platform P] IMAGE PATH",
              "image info [--platform P] [options] IMAGE"},
    .about =
        "IMAGE is a `docker save` tarball, an OCI image layout directory or an OCI layout\n"
        "tarball (plain, gzip or zstd), optionally followed by :TAG or @sha256:DIGEST to\n"
        "pick one image when the file holds several. The layers are flattened as the OCI\n"
        "image spec says (whiteouts, opaque directories) without extracting anything, and\n"
        "every blob's SHA-256 is checked against its digest.\n"
        "\n"
        "  ls      every path: TYPE (- d l o) MODE SIZE LAYER PATH [-> TARGET]; JSON: one\n"
        "          document per path\n"
        "  cat     the bytes of one file (links followed inside the image)\n"
        "  info    layout, tag, platform, digests, layers, and the images the file offers;\n"
        "          for a file of several images and no :TAG or @DIGEST that picks one (nor\n"
        "          --platform), the list of its images: name, platform, digest (JSON:\n"
        "          {path, layout, images: [...]}; docs/images.md)",
    .exits = {{0, "done"},
              {1, "(cat) PATH is missing or not a regular file"},
              {2, "usage error, or the image cannot be read or is malformed (one line says what\n"
                  "and where)"},
              {-1, NULL}},
    .kind = LP_DOC_IMAGE_LS,
};

/* Every path under dir (depth first, names in byte order). */
static int ls_tree(lp_report *r, lp_root *root, const char *dir, unsigned depth)
{
    if (depth > LP_ROOT_PATH_MAX / 2)
        return LP_EXIT_OK;
    char **names = NULL;
    size_t n = 0;
    lp_err err;
    lp_err_clear(&err);
    if (lp_root_list(root, dir, &names, &n, &err) != LP_OK) {
        return lp_cli_fail(&err, "image ls");
    }
    int status = LP_EXIT_OK;
    for (size_t i = 0; i < n && status == LP_EXIT_OK; i++) {
        char *p = NULL;
        if (asprintf(&p, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, names[i]) < 0) {
            status = LP_EXIT_USAGE;
            break;
        }
        lp_statinfo st;
        char *target = NULL;
        if (lp_root_stat(root, p, false, &st, &err) != LP_OK) {
            lp_cli_error("image ls: %s", err.msg);
            status = LP_EXIT_USAGE;
        } else {
            if (st.type == LP_FT_LNK && lp_root_readlink(root, p, &target, &err) != LP_OK)
                target = NULL; /* the link's own target, as stored */
            lp_doc_image_ls d = {p, &st, target};
            if (!lp_report_write(r, LP_DOC_IMAGE_LS, &d))
                status = LP_EXIT_USAGE;
            else if (st.type == LP_FT_DIR)
                status = ls_tree(r, root, p, depth + 1);
        }
        free(target);
        free(p);
    }
    lp_root_names_free(&names, n);
    return status;
}

static int image_cat(lp_report *r, lp_root *root, const char *path)
{
    lp_src *src = NULL;
    lp_err err;
    lp_err_clear(&err);
    /* a path that does not lead to a file (missing, a link loop, a directory) is a finding */
    lp_code rc = lp_root_open_regular(root, path, &src, &err);
    if (rc) {
        lp_cli_error("image cat: %s", err.msg);
        return rc == LP_ERR_NOTFOUND || rc == LP_ERR_INVAL ? LP_EXIT_FINDING : LP_EXIT_USAGE;
    }
    lp_doc_image_cat d = {src, &err};
    int status = LP_EXIT_OK;
    if (!lp_report_write(r, LP_DOC_IMAGE_CAT, &d)) {
        if (err.code)
            lp_cli_error("image cat: %s", err.msg);
        status = LP_EXIT_USAGE;
    }
    lp_src_free(&src);
    return status;
}

int cmd_image(int argc, char **argv)
{
    lp_cli_out out = LP_CLI_OUT_DEFAULT;
    const char *platform = NULL;
    const lp_opt opts[] = {
        {LP_OPT_STRING, "platform", 0, &platform, "P",
         "the platform to take from a multi-platform index (default: the\nhost's)", NULL, 0, 0},
        LP_OPT_OUTPUT(&out),
        {LP_OPT_JSON, NULL, 'j', &out, NULL, "the same as --json", NULL, 0, LP_OPTF_HIDDEN},
        LP_OPT_END_,
    };
    int n = lp_parse_options(&doc, opts, argc, argv, 0);
    if (n < 0)
        return lp_cli_parsed(n);
    static const char *const subs[] = {"ls", "cat", "info", NULL};
    if (n == 0) {
        lp_cli_error("image: no subcommand (ls, cat or info); see 'linkproof help image'");
        return LP_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "ls") != 0 && strcmp(sub, "cat") != 0 && strcmp(sub, "info") != 0) {
        const char *m = lp_did_you_mean(sub, subs);
        if (m)
            return lp_cli_usage("image: unknown subcommand '%s'; did you mean '%s'? (ls, cat or info)", sub, m);
        return lp_cli_usage("image: unknown subcommand '%s' (ls, cat or info)", sub);
    }
    bool cat = strcmp(sub, "cat") == 0, info = strcmp(sub, "info") == 0;
    int want = cat ? 2 : 1;
    if (n - 1 != want) {
        return lp_cli_usage("image %s: %s", sub, want == 2 ? "needs IMAGE and PATH" : "needs one IMAGE");
    }
    if (cat && out.format != LP_OUT_TEXT) {
        return lp_cli_usage("image cat: the bytes of a file have no --format");
    }
    char command[32];
    snprintf(command, sizeof command, "image %s", sub);
    const char *spec = argv[2];
    lp_err err;
    lp_err_clear(&err);
    lp_report *r = lp_cli_report(&out, 0, command);
    if (!r)
        return LP_EXIT_USAGE;
    int status = LP_EXIT_OK;
    lp_root *root = NULL;
    lp_image_list l;
    bool listed = false;
    if (info && !platform) {
        /* a file of several images (after the selector): list them, open none */
        if (lp_image_list_read(spec, &l, &err) != LP_OK) {
            lp_cli_error("%s: %s", command, err.msg);
            status = LP_EXIT_USAGE;
            goto out;
        }
        if ((listed = l.several))
            lp_report_write(r, LP_DOC_IMAGE_LIST, &l);
        lp_image_list_release(&l);
        if (listed)
            goto out;
    }
    lp_image_opts io = {platform, NULL, false};
    if (lp_root_open_image(&root, spec, &io, &err) != LP_OK) {
        lp_cli_error("%s: %s", command, err.msg);
        status = LP_EXIT_USAGE;
    } else if (cat) {
        status = image_cat(r, root, argv[3]);
    } else if (info) {
        lp_report_write(r, LP_DOC_IMAGE_INFO, lp_root_image(root));
    } else {
        status = ls_tree(r, root, "/", 0);
    }
out:
    if (!lp_cli_report_done(&r))
        status = LP_EXIT_USAGE;
    lp_root_free(&root);
    return status;
}
