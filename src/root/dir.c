/*
 * dir.c - a directory as a root view (`--root DIR`, and "/" for the host).
 *
 * Every access is relative to one directory descriptor opened at the start
 * (fstatat/readlinkat/openat with the path's leading '/' removed), and only
 * for canonical, link-free paths that root.c produced; the final open uses
 * O_NOFOLLOW. So a link is never followed by the kernel, only by root.c's
 * clamped walk. The tree is assumed not to change while it is read.
 */
#include "root/root_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/strbuf.h"

#define LIST_MAX 65536u

typedef struct dir_root {
    int fd;
    char *dir; /* as given, without trailing slashes (empty for "/") */
} dir_root;

static const char *rel(const char *canon) { return canon[1] ? canon + 1 : "."; }

static lp_code io_err(lp_err *err, int e, const lp_root *r, const char *canon, const char *what)
{
    lp_code rc = lp_err_set(err, LP_ERR_IO, "'%s%s': cannot %s: %s",
                            r->host ? "" : ((dir_root *)r->priv)->dir, canon, what, strerror(e));
    if (err)
        err->sys_errno = e;
    return rc;
}

static lp_code d_stat(lp_root *r, const char *canon, lp_statinfo *out, lp_err *err)
{
    dir_root *d = r->priv;
    struct stat st;
    out->layer = -1;
    if (fstatat(d->fd, rel(canon), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG) {
            out->type = LP_FT_NONE;
            out->size = 0;
            out->mode = 0;
            return LP_OK;
        }
        return io_err(err, errno, r, canon, "stat");
    }
    out->type = S_ISREG(st.st_mode) ? LP_FT_REG : S_ISDIR(st.st_mode) ? LP_FT_DIR
                : S_ISLNK(st.st_mode) ? LP_FT_LNK : LP_FT_OTHER;
    out->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    out->mode = (uint32_t)st.st_mode & 07777u;
    return LP_OK;
}

static lp_code d_readlink(lp_root *r, const char *canon, char **target, lp_err *err)
{
    dir_root *d = r->priv;
    char buf[LP_ROOT_PATH_MAX + 1];
    ssize_t n = readlinkat(d->fd, rel(canon), buf, sizeof buf);
    if (n < 0)
        return io_err(err, errno, r, canon, "read link");
    if ((size_t)n >= sizeof buf)
        return lp_err_set(err, LP_ERR_LIMIT, "'%s': link target too long", canon);
    buf[n] = '\0';
    *target = strdup(buf);
    return *target ? LP_OK : lp_err_set(err, LP_ERR_NOMEM, "out of memory");
}

static lp_code d_open(lp_root *r, const char *canon, const char *display, lp_src **out,
                      lp_err *err)
{
    dir_root *d = r->priv;
    /* O_NONBLOCK: the walk saw a regular file, but a FIFO put there since must not hang
     * the open; the fstat below then refuses it */
    int fd = openat(d->fd, rel(canon), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        lp_code rc = lp_err_set(err, LP_ERR_IO, "'%s': cannot open: %s", display, strerror(e));
        if (err)
            err->sys_errno = e;
        return rc;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return lp_err_set(err, LP_ERR_INVAL, "'%s': not a regular file", display);
    }
    return lp_src_from_fd(out, fd, display, (uint64_t)st.st_size, err);
}

static lp_code d_list(lp_root *r, const char *canon, char ***names, size_t *n, lp_err *err)
{
    dir_root *d = r->priv;
    int fd = openat(d->fd, rel(canon), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return io_err(err, errno, r, canon, "open directory");
    DIR *dp = fdopendir(fd);
    if (!dp) {
        int e = errno;
        close(fd);
        return io_err(err, e, r, canon, "read directory");
    }
    char **v = NULL;
    size_t cnt = 0, cap = 0;
    lp_code rc = LP_OK;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (cnt >= LIST_MAX) {
            rc = lp_err_set(err, LP_ERR_LIMIT, "'%s': more than %u entries", canon, LIST_MAX);
            break;
        }
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 32;
            char **nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                rc = lp_err_set(err, LP_ERR_NOMEM, "out of memory");
                break;
            }
            v = nv;
            cap = nc;
        }
        if (!(v[cnt] = strdup(de->d_name))) {
            rc = lp_err_set(err, LP_ERR_NOMEM, "out of memory");
            break;
        }
        cnt++;
    }
    closedir(dp);
    if (rc != LP_OK) {
        lp_root_names_free(&v, cnt);
        return rc;
    }
    *names = v;
    *n = cnt;
    return LP_OK;
}

static char *d_host_path(const lp_root *r, const char *canon)
{
    const dir_root *d = r->priv;
    lp_strbuf sb = {0};
    lp_sb_adds(&sb, d->dir);
    lp_sb_adds(&sb, canon[0] == '/' ? canon : "/");
    if (canon[0] != '/')
        lp_sb_adds(&sb, canon);
    return lp_sb_take(&sb);
}

static void d_free(lp_root *r)
{
    dir_root *d = r->priv;
    if (!d)
        return;
    if (d->fd >= 0)
        close(d->fd);
    free(d->dir);
    free(d);
}

static const lp_root_ops dir_ops = {
    .stat = d_stat,
    .readlink = d_readlink,
    .open = d_open,
    .list = d_list,
    .host_path = d_host_path,
    .free = d_free,
};

lp_code lp_root_open_dir(lp_root **out, const char *dir, lp_err *err)
{
    *out = NULL;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        lp_code code = e == ENOTDIR ? LP_ERR_INVAL : LP_ERR_IO;
        lp_err_set(err, code, "'%s': cannot open root: %s", dir, strerror(e));
        if (err && code == LP_ERR_IO)
            err->sys_errno = e;
        return code;
    }
    dir_root *d = calloc(1, sizeof *d);
    size_t l = strlen(dir);
    while (l > 1 && dir[l - 1] == '/')
        l--;
    if (d)
        d->dir = strndup(dir, l == 1 && dir[0] == '/' ? 0 : l);
    if (!d || !d->dir) {
        close(fd);
        if (d)
            free(d);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    d->fd = fd;
    struct stat a, b;
    bool host = fstat(fd, &a) == 0 && stat("/", &b) == 0 && a.st_dev == b.st_dev &&
                a.st_ino == b.st_ino;
    lp_root *r = lp_root_new(&dir_ops, host ? "/" : (d->dir[0] ? d->dir : "/"), d);
    if (!r) {
        d_free(&(lp_root){.priv = d});
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    r->host = host;
    *out = r;
    return LP_OK;
}
