/*
 * fuzz_image.c - libFuzzer harness for the container-image view (root.h):
 * the input is written to a memory file and opened as an image, then every
 * path is listed, stat'ed, its link read, and the first regular files read
 * back out of their layers.
 *
 * The first byte picks how the input is used:
 *   even: the bytes are the image file itself (a tarball: docker save or OCI
 *         layout, plain or compressed) - the manifest, index and tar readers;
 *   odd:  the rest is split at "\n--\n" into up to 8 layers, which the harness
 *         wraps in a valid docker-save tarball (manifest.json, a config whose
 *         diff_ids are the layers' real SHA-256): the layer readers and the
 *         whiteout and opaque-directory rules get the bytes, not the digests.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "linkproof/root.h"
#include "util/sha256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

/* A ustar writer for the harness's own, trusted wrapper. */
typedef struct obuf {
    uint8_t *b;
    size_t n, cap;
} obuf;

static void put(obuf *o, const void *p, size_t n)
{
    if (!n)
        return;
    if (o->n + n > o->cap) {
        size_t nc = o->cap ? o->cap : 4096;
        while (nc < o->n + n)
            nc *= 2;
        o->b = realloc(o->b, nc);
        if (!o->b)
            abort();
        o->cap = nc;
    }
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void tar_file(obuf *o, const char *name, const uint8_t *p, size_t n)
{
    uint8_t h[512];
    memset(h, 0, sizeof h);
    snprintf((char *)h, 100, "%s", name);
    memcpy(h + 100, "0000644", 7);
    memcpy(h + 108, "0000000", 7);
    memcpy(h + 116, "0000000", 7);
    snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)n);
    memcpy(h + 136, "00000000000", 11);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (size_t i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    put(o, h, 512);
    put(o, p, n);
    static const uint8_t zero[512];
    if (n % 512)
        put(o, zero, 512 - n % 512);
}

static void wrap_layers(obuf *o, const uint8_t *data, size_t size)
{
    const uint8_t *parts[8];
    size_t lens[8], np = 0;
    const uint8_t *p = data, *end = data + size;
    while (np < 8) {
        const uint8_t *s = memmem(p, (size_t)(end - p), "\n--\n", 4);
        if (!s || np == 7) {
            parts[np] = p;
            lens[np++] = (size_t)(end - p);
            break;
        }
        parts[np] = p;
        lens[np++] = (size_t)(s - p);
        p = s + 4;
    }
    char cfg[2048] = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[";
    char man[1024] = "[{\"Config\":\"config.json\",\"RepoTags\":[\"fuzz:1\"],\"Layers\":[";
    for (size_t i = 0; i < np; i++) {
        lp_sha256 h;
        char hex[65], name[32];
        lp_sha256_init(&h);
        lp_sha256_update(&h, parts[i], lens[i]);
        lp_sha256_final_hex(&h, hex);
        snprintf(cfg + strlen(cfg), sizeof cfg - strlen(cfg), "%s\"sha256:%s\"", i ? "," : "", hex);
        snprintf(name, sizeof name, "l%zu/layer.tar", i);
        snprintf(man + strlen(man), sizeof man - strlen(man), "%s\"%s\"", i ? "," : "", name);
        tar_file(o, name, parts[i], lens[i]);
    }
    snprintf(cfg + strlen(cfg), sizeof cfg - strlen(cfg), "]}}");
    snprintf(man + strlen(man), sizeof man - strlen(man), "]}]");
    tar_file(o, "config.json", (const uint8_t *)cfg, strlen(cfg));
    tar_file(o, "manifest.json", (const uint8_t *)man, strlen(man));
    static const uint8_t zero[1024];
    put(o, zero, sizeof zero);
}

static size_t files_read;

static void walk(lp_root *r, const char *dir, unsigned depth)
{
    char **names = NULL;
    size_t n = 0;
    lp_err e;
    if (depth > 64 || lp_root_list(r, dir, &names, &n, &e) != LP_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        char path[LP_ROOT_PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, names[i]);
        lp_statinfo st;
        if (lp_root_stat(r, path, false, &st, &e) != LP_OK)
            __builtin_trap(); /* a listed path must stat */
        sink += st.size + st.mode + (size_t)st.layer;
        if (st.type == LP_FT_LNK) {
            char *t = NULL;
            if (lp_root_readlink(r, path, &t, &e) == LP_OK)
                sink += strlen(t);
            free(t);
            char *canon = NULL;
            if (lp_root_realpath(r, path, &canon, NULL, &e) == LP_OK)
                sink += strlen(canon);
            free(canon);
        } else if (st.type == LP_FT_DIR) {
            walk(r, path, depth + 1);
        } else if (st.type == LP_FT_REG && files_read < 8) {
            lp_src *src = NULL;
            files_read++;
            if (lp_root_open(r, path, &src, &e) == LP_OK) {
                if (lp_src_size(src) != st.size)
                    __builtin_trap(); /* the bytes read back are the size the tar said */
                uint8_t b[16];
                size_t got;
                lp_src_read_upto(src, 0, b, sizeof b, &got, &e);
                sink += got;
            }
            lp_src_free(&src);
        }
    }
    lp_root_names_free(&names, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    obuf o = {0};
    if (data[0] & 1)
        wrap_layers(&o, data + 1, size - 1);
    else
        put(&o, data + 1, size - 1);
    int fd = memfd_create("fuzz-image", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    if (o.n && write(fd, o.b, o.n) != (ssize_t)o.n)
        abort();
    free(o.b);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    lp_root *r = NULL;
    lp_err e;
    lp_err_clear(&e);
    lp_code rc = lp_root_open_image(&r, path, NULL, &e);
    if (rc == LP_OK) {
        const lp_image_meta *m = lp_root_image(r);
        if (!m || m->n_paths < 1)
            __builtin_trap();
        files_read = 0;
        walk(r, "/", 0);
        lp_root_free(&r);
    } else if (!e.msg[0] || strchr(e.msg, '\n')) {
        __builtin_trap(); /* every failure is one line */
    }
    close(fd);
    return 0;
}
