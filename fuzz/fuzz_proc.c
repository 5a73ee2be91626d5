/*
 * fuzz_proc.c - libFuzzer harness for the /proc readers: the input is split
 * at "\n--\n" into the files of a /proc/PID directory the harness makes
 * (stat, limits, net/netstat, net/tcp, net/tcp6, maps, and fd/: one line
 * "NUMBER TARGET" per descriptor, made a symbolic link to TARGET, as the
 * kernel shows "socket:[INODE]" or a path). The probe reads the directory
 * with the /proc source (lp_probe_read_dir), and the maps file goes through
 * the load-bias reader (lp_maps_bias) for a few inodes and paths.
 * Invariants checked: every error is one line; sockets counted by state
 * never exceed the sockets found.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc/proc_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256];
static volatile size_t sink;

static void put(const char *rel, const uint8_t *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        abort();
    if (n && write(fd, p, n) != (ssize_t)n)
        abort();
    close(fd);
}

static void clear_fds(void)
{
    char path[512];
    for (int i = 0; i < 64; i++) {
        snprintf(path, sizeof path, "%s/fd/%d", dir, i);
        unlink(path);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/lp-fuzz-proc-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(dir))
            abort();
        char p[512];
        snprintf(p, sizeof p, "%s/net", dir);
        mkdir(p, 0755);
        snprintf(p, sizeof p, "%s/fd", dir);
        mkdir(p, 0755);
    }
    const char *files[] = {"stat", "limits", "net/netstat", "net/tcp", "net/tcp6", "maps", NULL};
    const uint8_t *p = data, *end = data + size;
    const uint8_t *fds = NULL;
    size_t fds_len = 0;
    for (size_t k = 0; k < 7; k++) {
        const uint8_t *s = p < end ? memmem(p, (size_t)(end - p), "\n--\n", 4) : NULL;
        size_t n = s ? (size_t)(s - p) : (size_t)(end - p);
        if (files[k])
            put(files[k], p, n);
        else
            fds = p, fds_len = n;
        p = s ? s + 4 : end;
    }
    clear_fds();
    /* fd links: "N TARGET" lines, at most 64 */
    char *text = strndup((const char *)(fds ? fds : (const uint8_t *)""), fds_len);
    int made = 0;
    for (char *save = NULL, *line = text ? strtok_r(text, "\n", &save) : NULL; line && made < 64;
         line = strtok_r(NULL, "\n", &save)) {
        char *sp = strchr(line, ' ');
        if (!sp || !sp[1])
            continue;
        char link[512];
        snprintf(link, sizeof link, "%s/fd/%d", dir, made++);
        if (symlink(sp + 1, link) != 0)
            continue;
    }
    free(text);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        abort();
    lp_probe *pr = NULL;
    lp_err e;
    lp_err_clear(&e);
    if (lp_probe_read_dir(dfd, 4242, LP_PROBE_PROC, &pr, &e) == LP_OK) {
        size_t by_state = 0;
        for (size_t i = 0; i < LP_TCP_NSTATES; i++)
            by_state += pr->states[i];
        if (by_state > pr->sockets)
            __builtin_trap(); /* a socket counted by state was counted as a socket */
        sink += pr->fds + pr->n_listeners + by_state;
        lp_probe_free(&pr);
    } else if (strchr(e.msg, '\n')) {
        __builtin_trap();
    }
    close(dfd);
    /* maps: the load-bias reader */
    char mp[512];
    snprintf(mp, sizeof mp, "%s/maps", dir);
    static const struct {
        uint64_t ino;
        const char *exe;
        uint64_t vaddr;
    } asks[] = {{0, "/bin/app", 0}, {1234, "/usr/bin/x", 0x400000}, {UINT64_MAX, "", 0x1000}};
    for (size_t k = 0; k < sizeof asks / sizeof asks[0]; k++) {
        FILE *f = fopen(mp, "re");
        if (!f)
            abort();
        uint64_t bias = 0;
        if (lp_maps_bias(f, asks[k].ino, asks[k].exe, asks[k].vaddr, &bias))
            sink += (size_t)bias;
        fclose(f);
    }
    return 0;
}
