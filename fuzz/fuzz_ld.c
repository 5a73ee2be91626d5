/*
 * fuzz_ld.c - libFuzzer harness for the loader rules that read a root: the
 * ld.so.conf parser (with its includes and globbing), musl's path file, and
 * the resolver (lp_deps_resolve over a root holding the input's files).
 *
 * The root is a directory the harness makes once (in $TMPDIR) and rewrites for
 * every input; it always holds /etc/ld.so.conf.d/{a,b}.conf, /lib, /usr/lib and
 * a few library names. The first byte picks the mode:
 *   0: the rest is /etc/ld.so.conf                      -> lp_ldconf_read
 *   1: the rest is /etc/ld-musl-x86_64.path             -> lp_musl_path_read
 *   2: the rest is split at "\n--\n" into the main program (/bin/app), a library
 *      (/lib/libx.so.1, also /usr/lib/libm.so.6), /etc/ld.so.conf, /etc/ld.so.cache
 *      and /etc/ld-musl-x86_64.path                     -> lp_ld_new + lp_deps_resolve
 * Invariants checked: every error is one line, every problem has a text; a
 * directory list entry has an origin; a found object has a path and a depth
 * the tree can have.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linkproof/ld.h"
#include "linkproof/root.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root_dir[256];
static volatile size_t sink;

static void put(const char *rel, const uint8_t *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root_dir, rel);
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (fd < 0)
        abort();
    if (n && write(fd, p, n) != (ssize_t)n)
        abort();
    close(fd);
}

static void put_s(const char *rel, const char *s) { put(rel, (const uint8_t *)s, strlen(s)); }

static void make_root(void)
{
    if (root_dir[0])
        return;
    const char *t = getenv("TMPDIR");
    snprintf(root_dir, sizeof root_dir, "%s/lp-fuzz-ld-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(root_dir))
        abort();
    const char *dirs[] = {"etc", "etc/ld.so.conf.d", "lib", "usr", "usr/lib", "bin", "opt",
                          "opt/lib", "lib/x86_64-linux-gnu", "lib64"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", root_dir, dirs[i]);
        mkdir(p, 0755);
    }
    put_s("etc/ld.so.conf.d/a.conf", "/opt/lib\n# comment\n/lib/x86_64-linux-gnu\n");
    put_s("etc/ld.so.conf.d/b.conf", "include /etc/ld.so.conf.d/a.conf\nhwcap 1 x\n/usr/lib\n");
    char p[512];
    snprintf(p, sizeof p, "%s/lib64/ld-linux-x86-64.so.2", root_dir);
    put_s("lib64/ld-linux-x86-64.so.2", "not elf");
    snprintf(p, sizeof p, "%s/opt/lib/loop", root_dir);
    unlink(p);
    if (symlink("loop", p) != 0 && errno != EEXIST)
        abort();
}

static void one_line(const lp_err *e)
{
    if (strchr(e->msg, '\n'))
        __builtin_trap();
}

static void check_list(const lp_dirlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (!l->dirs[i] || !l->origins[i] || !strchr(l->origins[i], ':'))
            __builtin_trap();
        sink += strlen(l->dirs[i]);
    }
}

static void resolve(const uint8_t *data, size_t size)
{
    const char *names[] = {"bin/app", "lib/libx.so.1", "etc/ld.so.conf", "etc/ld.so.cache",
                           "etc/ld-musl-x86_64.path"};
    const uint8_t *p = data, *end = data + size;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const uint8_t *s = p < end ? memmem(p, (size_t)(end - p), "\n--\n", 4) : NULL;
        size_t n = s ? (size_t)(s - p) : (size_t)(end - p);
        put(names[k], p, n);
        if (k == 1)
            put("usr/lib/libm.so.6", p, n);
        p = s ? s + 4 : end;
    }
    lp_root *r = NULL;
    lp_err e;
    lp_err_clear(&e);
    if (lp_root_open_dir(&r, root_dir, &e) != LP_OK)
        abort();
    lp_ld *ld = NULL;
    static const char *const hw[] = {"x86-64-v2"};
    lp_deps_opts o = {.ld_library_path = "/opt/lib:$ORIGIN/../lib", .hwcaps = hw, .n_hwcaps = 1,
                      .hwcaps_given = true, .platform = "x86_64"};
    if (lp_ld_new(&ld, r, &o, &e) == LP_OK) {
        lp_deps *d = NULL;
        char main_path[64];
        snprintf(main_path, sizeof main_path, "/bin/app");
        if (lp_deps_resolve_flags(ld, main_path, LP_DEPS_IN_ROOT, &d, &e) == LP_OK) {
            for (size_t i = 0; i < d->n_objs; i++)
                if ((d->objs[i].path && !d->objs[i].path[0]) || d->objs[i].depth > d->n_objs)
                    __builtin_trap(); /* found somewhere; a depth the tree can have */
            for (size_t i = 0; i < d->n_problems; i++)
                if (!d->problems[i].text || !d->problems[i].text[0])
                    __builtin_trap(); /* (a needed name may hold any byte: printers escape them) */
            sink += d->n_objs + d->n_problems;
            lp_deps_free(&d);
        } else {
            one_line(&e);
        }
        lp_ld_free(&ld);
    } else {
        one_line(&e);
    }
    lp_root_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    make_root();
    lp_root *r = NULL;
    lp_err e;
    lp_err_clear(&e);
    lp_dirlist l;
    bool present = false;
    switch (data[0] % 3) {
    case 0:
        put("etc/ld.so.conf", data + 1, size - 1);
        if (lp_root_open_dir(&r, root_dir, &e) != LP_OK)
            abort();
        if (lp_ldconf_read(r, "/etc/ld.so.conf", &l, &present, &e) == LP_OK) {
            if (!present)
                __builtin_trap();
            check_list(&l);
            lp_dirlist_release(&l);
        } else {
            one_line(&e);
        }
        lp_root_free(&r);
        break;
    case 1:
        put("etc/ld-musl-x86_64.path", data + 1, size - 1);
        if (lp_root_open_dir(&r, root_dir, &e) != LP_OK)
            abort();
        if (lp_musl_path_read(r, "x86_64", &l, &present, &e) == LP_OK) {
            check_list(&l);
            lp_dirlist_release(&l);
        } else {
            one_line(&e);
        }
        lp_root_free(&r);
        break;
    default:
        resolve(data + 1, size - 1);
        break;
    }
    return 0;
}
