/*
 * image.c - `linkproof image ls|cat|info IMAGE`: what a container image holds,
 * read as the other commands read it (one flattened tree, digests checked),
 * and the helpers every command with --image shares.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "linkproof/object.h"
#include "linkproof/root.h"

void usage_image(FILE *fp)
{
    fputs("usage: linkproof image ls [--json] [--platform OS/ARCH[/VARIANT]] IMAGE\n"
          "       linkproof image cat [--platform P] IMAGE PATH\n"
          "       linkproof image info [--json] [--platform P] IMAGE\n"
          "\n"
          "IMAGE is a `docker save` tarball, an OCI image layout directory or an OCI layout\n"
          "tarball (plain, gzip or zstd), optionally followed by :TAG or @sha256:DIGEST to\n"
          "pick one image when the file holds several. The layers are flattened as the OCI\n"
          "image spec says (whiteouts, opaque directories) without extracting anything, and\n"
          "every blob's SHA-256 is checked against its digest.\n"
          "\n"
          "  ls      every path: TYPE (- d l o) MODE SIZE LAYER PATH [-> TARGET]; --json: one\n"
          "          object per path per line\n"
          "  cat     the bytes of one file (links followed inside the image)\n"
          "  info    layout, tag, platform, digests, layers, and the images the file offers;\n"
          "          for a file of several images and no :TAG or @DIGEST that picks one (nor\n"
          "          --platform), the list of its images: name, platform, digest (--json:\n"
          "          {path, layout, images: [...]})\n"
          "\n"
          "  --platform P    the platform to take from a multi-platform index (default: the\n"
          "                  host's)\n"
          "  --json          JSON output (docs/images.md)\n"
          "\n"
          "exit status: 0 done; 1 (cat) PATH is missing or not a regular file; 2 usage error,\n"
          "or the image cannot be read or is malformed (one line says what and where)\n",
          fp);
}

bool lp_cli_file_platform(const char *file, char *buf, size_t n)
{
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err e;
    bool ok = false;
    if (lp_src_open(&src, file, &e) == LP_OK &&
        lp_obj_open_flags(&obj, src, LP_OBJ_NO_SECTIONS, &e) == LP_OK) { /* the header says it */
        const lp_obj_info *in = lp_obj_info_get(obj);
        if (in->goarch && in->format == LP_FMT_ELF) {
            snprintf(buf, n, "linux/%s", in->goarch);
            ok = true;
        }
    }
    lp_obj_free(&obj);
    lp_src_free(&src);
    return ok;
}

bool lp_cli_open_image(const char *cmd, const char *spec, const char *platform,
                       const char *default_platform, lp_root **out)
{
    lp_err err;
    lp_err_clear(&err);
    lp_image_opts o = {platform, default_platform, false};
    if (lp_root_open_image(out, spec, &o, &err) != LP_OK) {
        lp_cli_error("%s: %s", cmd, err.msg);
        return false;
    }
    return true;
}

lp_cli_view *lp_cli_view_get(lp_cli_views *vs, const char *spec, size_t image, const char *platform,
                             const char *want_platform, const lp_deps_opts *dopts)
{
    for (size_t i = 0; i < vs->n; i++)
        if (vs->v[i].image == image && strcmp(vs->v[i].platform, platform) == 0)
            return &vs->v[i];
    lp_cli_view *nv = realloc(vs->v, (vs->n + 1) * sizeof *nv);
    if (!nv)
        return NULL;
    vs->v = nv;
    lp_cli_view *w = &vs->v[vs->n++];
    memset(w, 0, sizeof *w);
    w->image = image;
    w->platform = strdup(platform);
    lp_err err;
    lp_err_clear(&err);
    lp_image_opts o = {want_platform, platform, true}; /* the loader's files, read once */
    if (!w->platform)
        w->error = strdup("out of memory");
    else if (lp_root_open_image(&w->root, spec, &o, &err) != LP_OK ||
             lp_ld_new(&w->ld, w->root, dopts, &err) != LP_OK)
        w->error = strdup(err.msg);
    return w;
}

void lp_cli_views_free(lp_cli_views *vs)
{
    for (size_t k = 0; k < vs->n; k++) {
        lp_ld_free(&vs->v[k].ld);
        lp_root_free(&vs->v[k].root);
        free(vs->v[k].platform);
        free(vs->v[k].error);
    }
    free(vs->v);
    memset(vs, 0, sizeof *vs);
}

/* Every path under dir (depth first, names in byte order). */
static int ls_tree(lp_root *r, const char *dir, bool json, unsigned depth)
{
    if (depth > LP_ROOT_PATH_MAX / 2)
        return LP_EXIT_OK;
    char **names = NULL;
    size_t n = 0;
    lp_err err;
    lp_err_clear(&err);
    if (lp_root_list(r, dir, &names, &n, &err) != LP_OK) {
        lp_cli_error("image ls: %s", err.msg);
        return LP_EXIT_USAGE;
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
        if (lp_root_stat(r, p, false, &st, &err) != LP_OK) {
            lp_cli_error("image ls: %s", err.msg);
            status = LP_EXIT_USAGE;
        } else {
            if (st.type == LP_FT_LNK && lp_root_readlink(r, p, &target, &err) != LP_OK)
                target = NULL; /* the link's own target, as stored */
            if (json) {
                json_t *j = lp_image_ls_json(p, &st, target);
                if (!j || !lp_json_write_line(stdout, j))
                    status = LP_EXIT_USAGE;
                json_decref(j);
            } else {
                lp_image_ls_text(stdout, p, &st, target);
            }
            if (st.type == LP_FT_DIR)
                status = ls_tree(r, p, json, depth + 1);
        }
        free(target);
        free(p);
    }
    lp_root_names_free(&names, n);
    return status;
}

static int image_cat(lp_root *r, const char *path)
{
    lp_src *src = NULL;
    lp_err err;
    lp_err_clear(&err);
    /* a path that does not lead to a file (missing, a link loop, a directory) is a finding */
    lp_statinfo st;
    lp_code rc = lp_root_stat(r, path, true, &st, &err);
    if (rc == LP_ERR_NOTFOUND || rc == LP_ERR_LIMIT || (rc == LP_OK && st.type != LP_FT_REG)) {
        if (rc == LP_OK)
            lp_err_set(&err, LP_ERR_INVAL, "'%s:%s': not a regular file", lp_root_label(r), path);
        lp_cli_error("image cat: %s", err.msg);
        return LP_EXIT_FINDING;
    }
    if (rc == LP_OK)
        rc = lp_root_open(r, path, &src, &err);
    if (rc == LP_ERR_NOTFOUND || rc == LP_ERR_INVAL || rc == LP_ERR_LIMIT) {
        lp_cli_error("image cat: %s", err.msg);
        return rc == LP_ERR_LIMIT ? LP_EXIT_USAGE : LP_EXIT_FINDING;
    }
    if (rc) {
        lp_cli_error("image cat: %s", err.msg);
        return LP_EXIT_USAGE;
    }
    /* in pieces: a file may be larger than what linkproof keeps in memory (a GNU sparse
     * member of 1 GiB is read out of a temporary file) */
    int status = LP_EXIT_OK;
    static uint8_t buf[1 << 16];
    for (uint64_t off = 0, size = lp_src_size(src); off < size && status == LP_EXIT_OK;) {
        size_t got = 0;
        if (lp_src_read_upto(src, off, buf, sizeof buf, &got, &err) != LP_OK || !got) {
            if (!got && !err.code)
                lp_err_set(&err, LP_ERR_IO, "'%s': shorter than its size", lp_src_name(src));
            lp_cli_error("image cat: %s", err.msg);
            status = LP_EXIT_USAGE;
        } else if (fwrite(buf, 1, got, stdout) != got) {
            status = LP_EXIT_USAGE;
        }
        off += got;
    }
    lp_src_free(&src);
    return status;
}

int cmd_image(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"platform", required_argument, NULL, 'p'},
        {"color", required_argument, NULL, 'c'},
        {"colour", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (argc < 2) {
            lp_cli_error("image: no subcommand (ls, cat or info)");
            usage_image(stderr);
            return LP_EXIT_USAGE;
        }
        usage_image(stdout);
        return LP_EXIT_OK;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "ls") != 0 && strcmp(sub, "cat") != 0 && strcmp(sub, "info") != 0) {
        lp_cli_error("image: unknown subcommand '%s' (ls, cat or info)", sub);
        return LP_EXIT_USAGE;
    }
    bool json = false;
    const char *platform = NULL;
    lp_color_mode cm = LP_COLOR_AUTO;
    int ch;
    optind = 1;
    argc--;
    argv++;
    while ((ch = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        switch (ch) {
        case 'j': json = true; break;
        case 'p': platform = optarg; break;
        case 'c':
            if (!lp_cli_color("image", optarg, &cm))
                return LP_EXIT_USAGE;
            break;
        case 'h': usage_image(stdout); return LP_EXIT_OK;
        default: lp_cli_bad_option("image", argv); return LP_EXIT_USAGE;
        }
    }
    int want = strcmp(sub, "cat") == 0 ? 2 : 1;
    if (argc - optind != want) {
        lp_cli_error("image %s: %s", sub, want == 2 ? "needs IMAGE and PATH" : "needs one IMAGE");
        return LP_EXIT_USAGE;
    }
    char cmdname[32];
    snprintf(cmdname, sizeof cmdname, "image %s", sub);
    if (strcmp(sub, "info") == 0 && !platform) {
        /* a file of several images (after the selector): list them, open none */
        lp_image_list l;
        lp_err err;
        lp_err_clear(&err);
        if (lp_image_list_read(argv[optind], &l, &err) != LP_OK) {
            lp_cli_error("%s: %s", cmdname, err.msg);
            return LP_EXIT_USAGE;
        }
        int status = LP_EXIT_OK;
        if (l.several) {
            if (json) {
                json_t *j = lp_image_list_json(&l);
                if (!j || !lp_json_write_line(stdout, j))
                    status = LP_EXIT_USAGE;
                json_decref(j);
            } else {
                lp_out o = {.fp = stdout, .color = lp_color_enabled(stdout, cm)};
                lp_image_list_text(&o, &l);
            }
        }
        bool listed = l.several;
        lp_image_list_release(&l);
        if (listed)
            return fflush(stdout) != 0 ? LP_EXIT_USAGE : status;
    }
    lp_root *r = NULL;
    if (!lp_cli_open_image(cmdname, argv[optind], platform, NULL, &r))
        return LP_EXIT_USAGE;
    int status = LP_EXIT_OK;
    if (strcmp(sub, "ls") == 0) {
        status = ls_tree(r, "/", json, 0);
    } else if (strcmp(sub, "cat") == 0) {
        status = image_cat(r, argv[optind + 1]);
    } else {
        const lp_image_meta *m = lp_root_image(r);
        if (json) {
            json_t *j = lp_image_meta_json(m);
            if (!j || !lp_json_write_line(stdout, j))
                status = LP_EXIT_USAGE;
            json_decref(j);
        } else {
            lp_out o = {.fp = stdout, .color = lp_color_enabled(stdout, cm)};
            lp_image_meta_text(&o, m);
        }
    }
    lp_root_free(&r);
    if (fflush(stdout) != 0)
        status = LP_EXIT_USAGE;
    return status;
}
