/*
 * fingerprint.c - SHA-256 fingerprints of files and of running processes.
 *
 * Owns: what "the code" is (the executable PT_LOAD segments, file bytes, in
 * program-header order), the load bias of a mapped executable (from
 * /proc/PID/maps: the mapping of the segment that starts at file offset 0),
 * and reading a process's code through /proc/PID/mem in bounded chunks.
 * A process is read only through its lp_proc descriptor (exe, maps, mem) and
 * its identity checked after the reads (proc.c): a fingerprint never mixes
 * two processes that had the same id.
 * Hashing is libcrypto's SHA-256 (util/sha256.c; SHA-NI where the CPU has it); file
 * contents are mapped when large, read otherwise.
 */
#include "linkproof/fingerprint.h"
#include "proc/proc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linkproof/go.h"
#include "linkproof/object.h"
#include "linkproof/proc.h"
#include "util/sha256.h"

#define MEM_CHUNK (1u << 20)
#define MAX_CODE ((uint64_t)4 << 30)

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

/* Hash [off, off+len) of the source, a region of at most 64 MiB at a time. */
static lp_code hash_range(lp_src *src, lp_sha256 *c, uint64_t off, uint64_t len, lp_err *err)
{
    const uint64_t step = (uint64_t)64 << 20;
    while (len > 0) {
        uint64_t n = len < step ? len : step;
        lp_region r;
        lp_code rc = lp_src_region(src, off, (size_t)n, "file data", &r, err);
        if (rc)
            return rc;
        lp_sha256_update(c, r.data, r.len);
        lp_region_release(&r);
        off += n;
        len -= n;
    }
    return LP_OK;
}

lp_code lp_fingerprint_file(const char *path, lp_fingerprint *out, lp_err *err)
{
    return lp_fingerprint_file_in(NULL, path, out, err);
}

lp_code lp_fingerprint_file_in(lp_root *root, const char *path, lp_fingerprint *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_sha256 c0, *c = &c0;
    lp_code rc = root ? lp_root_open(root, path, &src, err) : lp_src_open(&src, path, err);
    lp_err oe;
    /* a file that is not an object still has a file hash; it has no code */
    bool object = !rc && lp_obj_open(&obj, src, &oe) == LP_OK;
    if (!rc && !object && oe.code != LP_ERR_UNSUPPORTED) {
        if (err)
            *err = oe;
        rc = oe.code;
    }
    lp_sha256_init(c);
    if (!rc)
        rc = hash_range(src, c, 0, lp_src_size(src), err);
    if (!rc)
        lp_sha256_final_hex(c, out->sha256);
    out->has_code = object;
    if (!rc && object) {
        lp_sha256_init(c);
        for (size_t i = 0; !rc && i < lp_obj_segment_count(obj); i++) {
            const lp_segment *s = lp_obj_segment_at(obj, i);
            if (s->type != LP_PT_LOAD || !(s->flags & LP_SEG_X))
                continue;
            rc = hash_range(src, c, s->off, s->filesz, err);
            out->code_size += s->filesz;
        }
        if (!rc)
            lp_sha256_final_hex(c, out->code_sha256);
    }
    lp_buildid_src from;
    if (!rc && object)
        rc = lp_go_buildid(obj, &out->go_build_id, &from, err);
    if (!rc && object)
        rc = lp_gnu_buildid(obj, &out->gnu_build_id, err);
    lp_obj_free(&obj);
    lp_src_free(&src);
    if (rc)
        lp_fingerprint_release(out);
    return rc;
}

void lp_fingerprint_release(lp_fingerprint *f)
{
    if (!f)
        return;
    free(f->go_build_id);
    free(f->gnu_build_id);
    memset(f, 0, sizeof *f);
}

static lp_code proc_err(lp_err *err, int pid, const char *what, int e)
{
    lp_code code;
    if (e == ENOENT || e == ESRCH)
        code = lp_err_set(err, LP_ERR_NOTFOUND,
                          "process %d: no such process (or it exited while being read)", pid);
    else if (e == EACCES || e == EPERM)
        code = lp_err_set(err, LP_ERR_IO,
                          "process %d: no permission to read its %s: reading another process's "
                          "memory needs ptrace access (root, or the same user with "
                          "kernel.yama.ptrace_scope allowing it)",
                          pid, what);
    else if (e == EIO)
        code = lp_err_set(err, LP_ERR_IO,
                          "process %d: its %s could not be read (the process exited, or the "
                          "memory is no longer mapped)",
                          pid, what);
    else
        code = lp_err_set(err, LP_ERR_IO, "process %d: cannot read its %s: %s", pid, what, strerror(e));
    if (err)
        err->sys_errno = e;
    return code;
}

/*
 * The load bias: where the segment mapped from file offset 0 starts, minus its
 * address. The mapping is found by inode, else by path: on overlayfs (most
 * containers) /proc/PID/maps shows the lower file's inode, not the one stat sees.
 */
/* The load bias from a maps file: the mapping of file offset 0 of the executable (by inode,
   else by path), against the vaddr of its first segment. Also the fuzz harness's entry. */
bool lp_maps_bias(FILE *f, uint64_t ino, const char *exe, uint64_t seg_vaddr, uint64_t *bias)
{
    char line[4352];
    bool found = false;
    /* bounded by the file: one line per mapping (a longer line is read as several) */
    while (!found && seg_vaddr != UINT64_MAX && fgets(line, sizeof line, f)) {
        unsigned long long start, end, offset, inode;
        char perms[8], dev[16];
        int at = 0;
        if (sscanf(line, "%llx-%llx %7s %llx %15s %llu %n", &start, &end, perms, &offset, dev, &inode, &at) < 6)
            continue;
        if (offset != 0)
            continue;
        if (inode != (unsigned long long)ino) {
            /* the path field: the rest of the line, maybe with the kernel's " (deleted)" */
            const char *mapped = line + at;
            if (!lp_proc_path_is(mapped, strcspn(mapped, "\n"), exe))
                continue;
        }
        *bias = (uint64_t)start - (seg_vaddr & ~(uint64_t)0xfff);
        found = true;
    }
    return found;
}

static bool load_bias(int dirfd, uint64_t ino, const char *exe, const lp_obj *obj, uint64_t *bias)
{
    int fd = openat(dirfd, "maps", O_RDONLY | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return false;
    }
    uint64_t seg_vaddr = UINT64_MAX;
    for (size_t i = 0; i < lp_obj_segment_count(obj); i++) {
        const lp_segment *s = lp_obj_segment_at(obj, i);
        if (s->type == LP_PT_LOAD && s->off == 0) {
            seg_vaddr = s->vaddr;
            break;
        }
    }
    bool found = lp_maps_bias(f, ino, exe, seg_vaddr, bias);
    fclose(f);
    return found;
}

/* Read the process's code through its descriptor; the identity is the caller's to check. */
static lp_code fingerprint_reads(lp_proc *proc, lp_proc_fingerprint *out, lp_err *err)
{
    int pid = lp_proc_pid(proc), dirfd = lp_proc_dirfd(proc);
    char exe_link[64];
    lp_proc_path(proc, "exe", exe_link, sizeof exe_link);
    uint64_t exe_ino = 0;
    lp_err e;
    lp_err_clear(&e);
    lp_code rc = lp_proc_exe(proc, &out->exe, &out->exe_state, &exe_ino, &e);
    if (rc == LP_ERR_NOMEM)
        return nomem(err);
    if (rc)
        return proc_err(err, pid, "executable (/proc/PID/exe)", e.sys_errno);

    /* the file through the process's own descriptor: never another process's */
    rc = lp_fingerprint_file(exe_link, &out->file, err);
    if (rc)
        return rc;

    lp_proc_stage(proc, "memory");
    /* the same segments, as mapped */
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_sha256 c0, *c = &c0;
    uint8_t *chunk = malloc(MEM_CHUNK);
    int memfd = -1;
    if (!chunk) {
        rc = nomem(err);
        goto out;
    }
    if ((rc = lp_src_open(&src, exe_link, err)) || (rc = lp_obj_open(&obj, src, err)))
        goto out;
    if (!load_bias(dirfd, exe_ino, out->exe, obj, &out->load_bias)) {
        rc = lp_err_set(err, LP_ERR_IO, "process %d: its executable's mapping is not in /proc/%d/maps",
                        pid, pid);
        goto out;
    }
    memfd = openat(dirfd, "mem", O_RDONLY | O_CLOEXEC);
    if (memfd < 0) {
        rc = errno == ENOENT ? lp_err_set(err, LP_ERR_UNSUPPORTED,
                                          "process %d: this kernel has no /proc/PID/mem", pid)
                             : proc_err(err, pid, "memory (/proc/PID/mem)", errno);
        goto out;
    }
    lp_sha256_init(c);
    for (size_t i = 0; !rc && i < lp_obj_segment_count(obj); i++) {
        const lp_segment *s = lp_obj_segment_at(obj, i);
        if (s->type != LP_PT_LOAD || !(s->flags & LP_SEG_X))
            continue;
        if (s->filesz > MAX_CODE) {
            rc = lp_err_set(err, LP_ERR_LIMIT, "process %d: a code segment of %llu bytes is over the limit",
                            pid, (unsigned long long)s->filesz);
            break;
        }
        uint64_t addr = out->load_bias + s->vaddr, left = s->filesz;
        while (left > 0) {
            size_t n = left < MEM_CHUNK ? (size_t)left : MEM_CHUNK;
            ssize_t got = pread(memfd, chunk, n, (off_t)addr);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                rc = proc_err(err, pid, "memory (/proc/PID/mem)", got < 0 ? errno : EIO);
                break;
            }
            lp_sha256_update(c, chunk, (size_t)got);
            addr += (uint64_t)got;
            left -= (uint64_t)got;
        }
        out->mem_code_size += s->filesz;
    }
    if (!rc)
        lp_sha256_final_hex(c, out->mem_code_sha256);
    if (!rc)
        out->match = strcmp(out->mem_code_sha256, out->file.code_sha256) == 0 &&
                     out->mem_code_size == out->file.code_size;
out:
    if (memfd >= 0)
        close(memfd);
    free(chunk);
    lp_obj_free(&obj);
    lp_src_free(&src);
    return rc;
}

lp_code lp_fingerprint_proc(lp_proc *proc, lp_proc_fingerprint *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    out->pid = lp_proc_pid(proc);
    lp_code rc = fingerprint_reads(proc, out, err);
    /* the same process from start to end, or no fingerprint: a failed read may be why */
    lp_err changed;
    lp_err_clear(&changed);
    if (lp_proc_check(proc, &changed) != LP_OK) {
        if (err)
            *err = changed;
        rc = changed.code;
    }
    if (rc)
        lp_proc_fingerprint_release(out);
    return rc;
}

lp_code lp_fingerprint_pid(int pid, lp_proc_fingerprint *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    out->pid = pid;
    lp_proc *proc = NULL;
    lp_code rc = lp_proc_open(pid, &proc, err);
    if (rc)
        return rc;
    rc = lp_fingerprint_proc(proc, out, err);
    lp_proc_close(&proc);
    return rc;
}

void lp_proc_fingerprint_release(lp_proc_fingerprint *p)
{
    if (!p)
        return;
    free(p->exe);
    lp_fingerprint_release(&p->file);
    int pid = p->pid;
    memset(p, 0, sizeof *p);
    p->pid = pid;
}
