/*
 * buildinfo.c - `linkproof buildinfo FILE...`: what `go version -m` prints,
 * byte for byte: the same lines and tabs on stdout, the same error wording on
 * stderr, the same walk of directories, the same exit status (0, or 1 when a
 * named path does not exist). Where linkproof knows more than Go's wording
 * says (a malformed file), it adds the detail in parentheses.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define MAX_WALK_DEPTH 256

static bool show_detail;

void usage_buildinfo(FILE *fp)
{
    fputs("usage: linkproof buildinfo [--detail] FILE|DIR...\n"
          "\n"
          "Prints each Go executable's version and build information exactly as\n"
          "`go version -m` does (Go 1.19 rules), so it can replace it in scripts. Directories\n"
          "are walked recursively and files that are not Go executables are skipped\n"
          "silently there; named files that are not Go executables get Go's message\n"
          "(\"not executable file\", \"unrecognized file format\", \"not a Go executable\").\n"
          "\n"
          "  --detail   for a malformed file, add what is wrong and where after Go's\n"
          "             \"unrecognized file format\" (the output then differs from Go's)\n"
          "\n"
          "exit status (as `go version -m`): 0, even for files that are not Go\n"
          "executables; 1 when a named path does not exist or cannot be examined;\n"
          "2 usage error\n",
          fp);
}

/* Go prints syscall errors in lowercase ("no such file or directory"). */
static void go_errno(char *buf, size_t n, int e)
{
    snprintf(buf, n, "%s", strerror(e));
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
}

/* Go writes stdout unbuffered; we buffer it, so flush before every stderr line to keep the order. */
static void err_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void err_line(const char *fmt, ...)
{
    fflush(stdout);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

/*
 * Go's scanFile. *st is what stat (named files) or lstat (files met in a
 * directory walk) said about path, so no second look is needed.
 */
static void scan_file(const char *path, struct stat st, bool must_print)
{
    if (S_ISLNK(st.st_mode) && (stat(path, &st) != 0 || !S_ISREG(st.st_mode))) {
        if (must_print)
            err_line("%s: symlink\n", path);
        return;
    }
    if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
        if (must_print)
            err_line("%s: not executable file\n", path);
        return;
    }
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_buildinfo *bi = NULL;
    lp_err err;
    lp_err_clear(&err);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        /* Go prints only the name when opening fails */
        if (must_print)
            err_line("%s\n", path);
        return;
    }
    lp_code rc = lp_src_from_fd(&src, fd, path, (uint64_t)st.st_size, &err);
    if (rc) {
        if (must_print)
            err_line("%s\n", path);
        return;
    }
    rc = lp_obj_open(&obj, src, &err);
    if (!rc)
        rc = lp_buildinfo_read(obj, &bi, &err);
    if (rc) {
        if (must_print) {
            const char *why = rc == LP_ERR_NOTFOUND      ? "not a Go executable"
                              : rc == LP_ERR_UNSUPPORTED ? "unrecognized file format"
                                                         : NULL;
            /* Go says "unrecognized file format" for every malformed file; --detail says why */
            if (why || !show_detail)
                err_line( "%s: could not read Go build info from %s: %s\n", path, path,
                        why ? why : "unrecognized file format");
            else
                err_line("%s: could not read Go build info from %s: unrecognized file format (%s)\n",
                        path, path, err.msg);
        }
    } else if (bi->parse_error) {
        if (must_print)
            err_line("%s: could not read Go build info from %s: %s\n", path, path,
                     bi->parse_error);
    } else {
        char *text = lp_buildinfo_format_gover(bi);
        printf("%s: %s\n%s", path, bi->go_version, text ? text : "");
        free(text);
    }
    lp_buildinfo_free(&bi);
    lp_obj_free(&obj);
    lp_src_free(&src);
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
static void scan_dir(const char *dir, int depth)
{
    if (depth > MAX_WALK_DEPTH)
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
                    scan_dir(p, depth + 1);
                else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
                    scan_file(p, st, false);
            }
            free(p);
        }
        free(ents[i]);
    }
    free(ents);
}

int cmd_buildinfo(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"detail", no_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    optind = 1;
    show_detail = false;
    /* accept and ignore -m, so `linkproof buildinfo -m FILE` reads like `go version -m FILE` */
    while ((ch = getopt_long(argc, argv, "+hm", opts, NULL)) != -1) {
        switch (ch) {
        case 'm': break;
        case 'd': show_detail = true; break;
        case 'h': usage_buildinfo(stdout); return LP_EXIT_OK;
        default: lp_cli_bad_option("buildinfo", argv); return LP_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        lp_cli_error("buildinfo: no FILE given");
        usage_buildinfo(stderr);
        return LP_EXIT_USAGE;
    }
    int status = 0;
    for (int i = optind; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            char e[128];
            go_errno(e, sizeof e, errno);
            err_line("stat %s: %s\n", argv[i], e);
            status = 1;
            continue;
        }
        struct stat lst;
        /* WalkDir does not follow a symlink at its root: a link to a directory is a file to it */
        if (S_ISDIR(st.st_mode) && lstat(argv[i], &lst) == 0 && S_ISLNK(lst.st_mode))
            scan_file(argv[i], lst, false);
        else if (S_ISDIR(st.st_mode))
            scan_dir(argv[i], 0);
        else
            scan_file(argv[i], st, true);
    }
    return status;
}
