/*
 * fuzz_image.c - libFuzzer harness for the container-image view (root.h):
 * the input becomes an image, which is opened, then every path is listed,
 * stat'ed, its link read, and the first regular files read back out of their
 * layers (their size must be what the tar said).
 *
 * The first byte picks how the input is used (byte % 3):
 *   0: the bytes are the image file itself (a tarball: docker save or OCI
 *      layout, plain or compressed) - the manifest, index and tar readers;
 *   1: the rest is split at "\n--\n" into up to 8 layers, which the harness
 *      wraps in a valid docker-save tarball (manifest.json, a config whose
 *      diff_ids are the layers' real SHA-256): the layer readers, several
 *      layers read back and forth, and the whiteout and opaque-directory rules
 *      get the bytes, not the digests;
 *   2: an OCI layout directory: the rest is split at "\n--\n" into up to 10
 *      parts, part 0 index.json and the others blobs (blobs/sha256/DIGEST);
 *      in every part "@N" is replaced by "sha256:" and the digest of part N
 *      and "#N" by its size (for N after the part: so indexes can nest,
 *      manifests name configs and layers, with the digests right). With bit
 *      0x10 of the first byte, blobs/sha256 is a symbolic link to a directory
 *      outside the layout holding the blobs: the open must then fail.
 * Limits are set small (memory 1 MiB, so files over 256 KiB go through a
 * temporary file; decompressed 256 MiB) so that their paths are reached.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linkproof/limits.h"
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
        } else if (st.type == LP_FT_REG && files_read < 32) {
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

/* Part i of up to max "\n--\n"-separated parts; how many there are. */
static size_t split(const uint8_t *data, size_t size, const uint8_t **parts, size_t *lens, size_t max)
{
    size_t np = 0;
    const uint8_t *p = data, *end = data + size;
    while (np < max) {
        const uint8_t *s = memmem(p, (size_t)(end - p), "\n--\n", 4);
        if (!s || np == max - 1) {
            parts[np] = p;
            lens[np++] = (size_t)(end - p);
            break;
        }
        parts[np] = p;
        lens[np++] = (size_t)(s - p);
        p = s + 4;
    }
    return np;
}

static void hex_of(const uint8_t *p, size_t n, char hex[65])
{
    lp_sha256 h;
    lp_sha256_init(&h);
    lp_sha256_update(&h, p, n);
    lp_sha256_final_hex(&h, hex);
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (n && fwrite(p, 1, n, f) != n)
        abort();
    fclose(f);
}

static char tmp_base[256];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *d)
{
    nftw(d, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Mode 2: an OCI layout directory; returns its path (static) or NULL. */
static const char *oci_dir(const uint8_t *data, size_t size, bool escape)
{
    enum { MAXP = 10 };
    const uint8_t *parts[MAXP];
    size_t lens[MAXP];
    size_t np = split(data, size, parts, lens, MAXP);
    obuf fin[MAXP];
    char hex[MAXP][65];
    memset(fin, 0, sizeof fin);
    for (size_t k = np; k-- > 0;) {
        for (size_t i = 0; i < lens[k]; i++) {
            uint8_t c = parts[k][i];
            if ((c == '@' || c == '#') && i + 1 < lens[k] && parts[k][i + 1] >= '0' &&
                parts[k][i + 1] <= '9') {
                size_t n = (size_t)(parts[k][i + 1] - '0');
                char t[80];
                bool known = n > k && n < np;
                if (c == '@' && known)
                    snprintf(t, sizeof t, "sha256:%s", hex[n]);
                else if (c == '@')
                    snprintf(t, sizeof t, "sha256:%064d", 0);
                else
                    snprintf(t, sizeof t, "%zu", known ? fin[n].n : 0);
                put(&fin[k], t, strlen(t));
                i++;
                continue;
            }
            put(&fin[k], &c, 1);
        }
        hex_of(fin[k].b, fin[k].n, hex[k]);
    }
    static char dir[512];
    snprintf(dir, sizeof dir, "%s/layout", tmp_base);
    rm_tree(dir);
    char p[700], q[700];
    mkdir(dir, 0755);
    snprintf(p, sizeof p, "%s/blobs", dir);
    mkdir(p, 0755);
    snprintf(q, sizeof q, "%s/outside", tmp_base);
    rm_tree(q);
    mkdir(q, 0755);
    snprintf(p, sizeof p, "%s/blobs/sha256", dir);
    if (escape) {
        if (symlink(q, p) != 0)
            abort();
    } else {
        mkdir(p, 0755);
    }
    snprintf(p, sizeof p, "%s/oci-layout", dir);
    write_file(p, (const uint8_t *)"{\"imageLayoutVersion\":\"1.0.0\"}", 30);
    snprintf(p, sizeof p, "%s/index.json", dir);
    write_file(p, fin[0].b, fin[0].n);
    for (size_t k = 1; k < np; k++) {
        snprintf(p, sizeof p, "%s/%s/%s", escape ? tmp_base : dir, escape ? "outside" : "blobs/sha256",
                 hex[k]);
        write_file(p, fin[k].b, fin[k].n);
    }
    for (size_t k = 0; k < np; k++)
        free(fin[k].b);
    return dir;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static bool init;
    if (!init) {
        init = true;
        lp_limit_set("memory=1M", NULL);
        lp_limit_set("decompressed=256M", NULL);
        const char *t = getenv("TMPDIR");
        snprintf(tmp_base, sizeof tmp_base, "%s/lp-fuzz-image-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(tmp_base))
            abort();
    }
    unsigned mode = data[0] % 3;
    bool escape = (data[0] & 0x10) != 0;
    char path[600];
    int fd = -1;
    if (mode == 2) {
        snprintf(path, sizeof path, "%s", oci_dir(data + 1, size - 1, escape));
    } else {
        obuf o = {0};
        if (mode == 1)
            wrap_layers(&o, data + 1, size - 1);
        else
            put(&o, data + 1, size - 1);
        fd = memfd_create("fuzz-image", MFD_CLOEXEC);
        if (fd < 0)
            abort();
        if (o.n && write(fd, o.b, o.n) != (ssize_t)o.n)
            abort();
        free(o.b);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    lp_root *r = NULL;
    lp_err e;
    lp_err_clear(&e);
    lp_code rc = lp_root_open_image(&r, path, NULL, &e);
    if (rc == LP_OK) {
        const lp_image_meta *m = lp_root_image(r);
        if (!m || m->n_paths < 1)
            __builtin_trap();
        if (mode == 2 && escape)
            __builtin_trap(); /* a blob was read through blobs/sha256 -> outside the layout */
        files_read = 0;
        walk(r, "/", 0);
        lp_root_free(&r);
    } else if (!e.msg[0] || strchr(e.msg, '\n')) {
        __builtin_trap(); /* every failure is one line */
    }
    if (fd >= 0)
        close(fd);
    return 0;
}
