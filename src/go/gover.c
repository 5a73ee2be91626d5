/*
 * gover.c - `go version -m`'s walk, as the Go toolchain does it (Go 1.19's
 * cmd/go/internal/version): a named file is examined and whatever is wrong
 * with it said; a directory is walked in lexical order (filepath.WalkDir:
 * symlinks not followed into, unreadable directories skipped) and only Go
 * executables found in it are reported. What to say is the caller's
 * (report/text_facts.c writes Go's wording); this file decides what happened.
 *
 * Invariants: the walk is bounded in depth (LP_GOVER_MAX_DEPTH); files are
 * opened non-blocking, never executed, never written.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linkproof/go.h"

#define LP_GOVER_MAX_DEPTH 256

typedef struct walk {
    lp_gover_visit visit;
    void *ctx;
} walk;

static void say(walk *w, const char *path, lp_gover_what what, const lp_buildinfo *bi, const char *detail)
{
    lp_gover_item it = {path, what, bi, detail};
    w->visit(w->ctx, &it);
}

/* The build info of an opened file, said as Go says it; takes and frees *src. */
static void say_src(walk *w, const char *path, lp_src **src, bool must_print)
{
    lp_obj *obj = NULL;
    lp_buildinfo *bi = NULL;
    lp_err err;
    lp_err_clear(&err);
    lp_code rc = lp_obj_open(&obj, *src, &err);
    if (!rc)
        rc = lp_buildinfo_read(obj, &bi, &err);
    if (rc) {
        if (must_print)
            say(w, path,
                rc == LP_ERR_NOTFOUND ? LP_GOVER_NOT_GO
                : rc == LP_ERR_UNSUPPORTED ? LP_GOVER_UNRECOGNIZED
                                           : LP_GOVER_MALFORMED,
                NULL, err.msg);
    } else if (bi->parse_error) {
        if (must_print)
            say(w, path, LP_GOVER_PARSE_ERROR, bi, bi->parse_error);
    } else {
        say(w, path, LP_GOVER_INFO, bi, NULL);
    }
    lp_buildinfo_free(&bi);
    lp_obj_free(&obj);
    lp_src_free(src);
}

/*
 * Go's scanFile. *st is what stat (named files) or lstat (files met in a
 * directory walk) said about path, so no second look is needed.
 */
static void scan_file(walk *w, const char *path, struct stat st, bool must_print)
{
    if (S_ISLNK(st.st_mode) && (stat(path, &st) != 0 || !S_ISREG(st.st_mode))) {
        if (must_print)
            say(w, path, LP_GOVER_SYMLINK, NULL, NULL);
        return;
    }
    if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
        if (must_print)
            say(w, path, LP_GOVER_NOT_EXECUTABLE, NULL, NULL);
        return;
    }
    lp_src *src = NULL;
    lp_err err;
    lp_err_clear(&err);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 || lp_src_from_fd(&src, fd, path, (uint64_t)st.st_size, &err) != LP_OK) {
        if (must_print)
            say(w, path, LP_GOVER_UNREADABLE, NULL, NULL);
        return;
    }
    say_src(w, path, &src, must_print);
}

/* Go's filepath.Clean, in place (the result is never longer than the input). */
static void clean_path(char *p)
{
    bool rooted = p[0] == '/';
    char *out = p;
    size_t w = 0, dotdot = 0; /* w: write index; dotdot: where .. may back up to */
    size_t r = 0, n = strlen(p);
    if (rooted) {
        out[w++] = '/';
        r = 1;
        dotdot = 1;
    }
    while (r < n) {
        if (p[r] == '/') {
            r++;
        } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
            r++;
        } else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/')
                    w--;
            } else if (!rooted) {
                if (w > 0)
                    out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0))
                out[w++] = '/';
            while (r < n && p[r] != '/')
                out[w++] = p[r++];
        }
    }
    if (w == 0)
        out[w++] = '.';
    out[w] = '\0';
}

static int byname(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* filepath.WalkDir: lexical order, symlinks not followed into, unreadable dirs skipped. */
static void scan_dir(walk *w, const char *dir, int depth)
{
    if (depth > LP_GOVER_MAX_DEPTH)
        return;
    struct dirent **ents = NULL;
    int n = scandir(dir, &ents, NULL, byname);
    if (n < 0)
        return;
    for (int i = 0; i < n; i++) {
        const char *nm = ents[i]->d_name;
        if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0) {
            free(ents[i]);
            continue;
        }
        size_t len = strlen(dir) + strlen(nm) + 2;
        char *p = malloc(len);
        if (p) {
            snprintf(p, len, "%s/%s", dir, nm);
            clean_path(p);
            struct stat st;
            if (lstat(p, &st) == 0) {
                if (S_ISDIR(st.st_mode))
                    scan_dir(w, p, depth + 1);
                else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
                    scan_file(w, p, st, false);
            }
            free(p);
        }
        free(ents[i]);
    }
    free(ents);
}

void lp_gover_scan(const char *path, lp_gover_visit visit, void *ctx)
{
    walk w = {visit, ctx};
    struct stat st, lst;
    if (stat(path, &st) != 0) {
        /* Go prints syscall errors in lowercase ("no such file or directory") */
        char e[128];
        snprintf(e, sizeof e, "%s", strerror(errno));
        if (e[0] >= 'A' && e[0] <= 'Z' && !(e[1] >= 'A' && e[1] <= 'Z'))
            e[0] = (char)(e[0] - 'A' + 'a');
        say(&w, path, LP_GOVER_STAT_FAILED, NULL, e);
        return;
    }
    /* WalkDir does not follow a symlink at its root: a link to a directory is a file to it */
    if (S_ISDIR(st.st_mode) && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
        scan_file(&w, path, lst, false);
    else if (S_ISDIR(st.st_mode))
        scan_dir(&w, path, 0);
    else
        scan_file(&w, path, st, true);
}

/* ------------------------------------------------------------------ */
/* The same inside a root view (an image)                              */

static void root_file(walk *w, lp_root *root, const char *path, bool is_link, bool must_print)
{
    lp_statinfo si;
    lp_err err;
    lp_err_clear(&err);
    if (lp_root_stat(root, path, true, &si, &err) != LP_OK || si.type == LP_FT_NONE ||
        (is_link && si.type != LP_FT_REG)) {
        if (must_print)
            say(w, path, LP_GOVER_SYMLINK, NULL, NULL);
        return;
    }
    if (si.type != LP_FT_REG || !(si.mode & 0111)) {
        if (must_print)
            say(w, path, LP_GOVER_NOT_EXECUTABLE, NULL, NULL);
        return;
    }
    lp_src *src = NULL;
    if (lp_root_open(root, path, &src, &err) != LP_OK) {
        if (must_print)
            say(w, path, LP_GOVER_UNREADABLE, NULL, NULL);
        return;
    }
    say_src(w, path, &src, must_print);
}

static void root_dir(walk *w, lp_root *root, const char *dir, int depth)
{
    if (depth > LP_GOVER_MAX_DEPTH)
        return;
    char **names = NULL;
    size_t n = 0;
    lp_err err;
    lp_err_clear(&err);
    if (lp_root_list(root, dir, &names, &n, &err) != LP_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *p = malloc(len);
        if (!p)
            continue;
        snprintf(p, len, "%s/%s", dir, names[i]);
        clean_path(p);
        lp_ftype t = LP_FT_NONE;
        if (lp_root_lstat(root, p, &t, &err) == LP_OK) {
            if (t == LP_FT_DIR)
                root_dir(w, root, p, depth + 1);
            else if (t == LP_FT_REG || t == LP_FT_LNK)
                root_file(w, root, p, t == LP_FT_LNK, false);
        }
        free(p);
    }
    lp_root_names_free(&names, n);
}

void lp_gover_scan_in(lp_root *root, const char *path, lp_gover_visit visit, void *ctx)
{
    walk w = {visit, ctx};
    lp_statinfo si;
    lp_err err;
    lp_err_clear(&err);
    lp_ftype lt = LP_FT_NONE;
    if (lp_root_stat(root, path, true, &si, &err) != LP_OK || si.type == LP_FT_NONE) {
        say(&w, path, LP_GOVER_STAT_FAILED, NULL, "no such file or directory");
        return;
    }
    lp_root_lstat(root, path, &lt, &err);
    if (si.type == LP_FT_DIR && lt == LP_FT_LNK)
        root_file(&w, root, path, true, true);
    else if (si.type == LP_FT_DIR)
        root_dir(&w, root, path, 0);
    else
        root_file(&w, root, path, false, true);
}
