/*
 * image.c - a container image as a root view (lp_root_open_image).
 *
 * Owns: which image a file means (OCI index.json, nested indexes and their
 * platforms, docker save's manifest.json; a tag or digest selector), the
 * flattening of the layers into one tree of paths as the OCI image spec says
 * (".wh.NAME" hides NAME of the lower layers, ".wh..wh..opq" hides every
 * lower entry of its directory; entries of the same layer are never hidden
 * by its own whiteouts, wherever they come in the tar), and reading a file's
 * bytes back out of its layer on demand.
 *
 * Invariants: every blob read while opening is checked against its SHA-256
 * digest (the layers while they are indexed); each nested index is read once,
 * and a config only when a platform or the chosen image needs it (once per
 * blob); the tree holds paths and metadata only (a node per path: type, mode,
 * size, link target, and where its bytes are: layer and entry number), so
 * memory grows with the number of paths ("paths" limit), and a layer is
 * applied as it streams (no entry is kept between tar headers, so a layer of
 * whiteouts costs nothing to hold); a whiteout visits a node at most once per
 * layer, so whiteout storms stay linear; a path in the tree is canonical (no
 * "", "." or ".." component), and a tar entry that is absolute or has ".." is
 * an error, never a path; every loop over image data is bounded by the
 * LP_IMAGE_* and linkproof/limits.h limits; decompression goes through
 * decomp.c (its limits, one budget per image); file bytes are read by
 * streaming the layer to the entry (forward from where the last read
 * stopped, else from the start), at most OPEN_READERS layer readers open in
 * the process, and kept in one cache for every open image ("memory" limit),
 * or, past a quarter of it, in an unlinked temporary file (GNU sparse holes
 * stay holes).
 */
#include "root/root_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <errno.h>
#include <unistd.h>

#include "linkproof/limits.h"
#include "linkproof/object.h"
#include "root/blobs.h"
#include "root/decomp.h"
#include "root/tmpfile.h"
#include "root/image_files.h"
#include "util/jsonlimit.h"
#include "util/strbuf.h"

#define MAX_INDEX_DEPTH 4
#define MAX_CANDIDATES 4096
/* Layer readers open at once, in the whole process: each holds a decoder (a zstd
 * window of up to the "zstd-window" limit). */
#define OPEN_READERS 2
/* Prefetched while indexing: smaller files first come, so that one big library
 * (LLVM's is 100 MB) does not take the room of a hundred the loader needs. */
#define PREFETCH_ONE_MAX ((uint64_t)16 << 20)

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

/* ------------------------------------------------------------------ */
/* The tree                                                            */

typedef struct node {
    char *name;          /* the component ("" for the root) */
    lp_ftype type;
    uint32_t mode;
    uint64_t size;
    char *target;        /* symbolic links */
    int layer;           /* where the entry comes from (-1: the root) */
    uint64_t entry;      /* its number in that layer's tar (regular files: where the bytes are) */
    int data_layer;      /* hard links: the layer and entry of the bytes */
    uint64_t data_entry;
    int wh_layer;        /* the layer whose whiteouts last cleared this subtree (-1: none) */
    struct node *parent;
    smap kids;           /* directories: name -> node */
} node;

static void node_free(void *p);

static void node_free(void *p)
{
    node *n = p;
    if (!n)
        return;
    smap_release(&n->kids, node_free);
    free(n->name);
    free(n->target);
    free(n);
}

/* ------------------------------------------------------------------ */
/* The view                                                            */

struct image;

typedef struct content {
    size_t refs;
    size_t len;
    uint8_t *data;
    char *key;
    struct image *owner;            /* while cached */
    struct content *prev, *next;    /* the process-wide cache, least recently used first */
} content;

typedef struct layer_reader {
    lp_bstream *s;
    lp_dstream *d;
    struct archive *a;
    uint64_t next;       /* the number of the next entry the reader gives */
    lp_err err;          /* what went wrong inside a callback */
    bool plain;          /* not compressed: skips may seek */
    uint64_t used;       /* when it was last used (the process-wide clock) */
} layer_reader;

typedef struct image {
    lp_blobs *blobs;
    node *root;
    size_t n_paths;
    lp_image_meta meta;
    lp_image_layer *layers;
    char **layer_members;       /* where each layer's blob is */
    layer_reader *readers;      /* per layer, opened on demand */
    smap cache;                 /* "L:E" -> content (also in the process-wide list) */
    lp_dbudget budget;          /* bytes decompressed for this image */
    /* storage for meta strings */
    char *s_path, *s_layout, *s_ref, *s_mdigest, *s_cdigest, *s_os, *s_arch, *s_variant;
    char **choices;
    size_t n_choices;
    char *s_choices;
    char **pool;                /* the layers' strings */
    size_t n_pool, cap_pool;
    bool prefetch;              /* keep loader files' bytes while indexing */
} image;

/* The file-contents cache of every open image: one budget (the "memory" limit). */
static struct {
    content *head, *tail;
    uint64_t bytes;
} g_cache;

/* The layer readers open in the process (OPEN_READERS at most), and a clock for LRU. */
static layer_reader *g_open[OPEN_READERS];
static uint64_t g_clock;

/* A copy of s kept until the image is freed (NULL stays NULL); *ok false when out of memory. */
static const char *keep_str(image *im, const char *s, bool *ok)
{
    if (!s)
        return NULL;
    if (im->n_pool == im->cap_pool) {
        size_t nc = im->cap_pool ? im->cap_pool * 2 : 16;
        char **np = realloc(im->pool, nc * sizeof *np);
        if (!np) {
            *ok = false;
            return NULL;
        }
        im->pool = np;
        im->cap_pool = nc;
    }
    char *c = strdup(s);
    if (!c) {
        *ok = false;
        return NULL;
    }
    im->pool[im->n_pool++] = c;
    return c;
}

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

/* ------------------------------------------------------------------ */
/* Digests, platforms, selectors                                       */

/* "sha256:<64 lowercase hex>" -> the hex; NULL when the digest is not that. */
static const char *sha256_hex_of(const char *digest)
{
    if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 71)
        return NULL;
    for (size_t i = 7; i < 71; i++)
        if (!((digest[i] >= '0' && digest[i] <= '9') || (digest[i] >= 'a' && digest[i] <= 'f')))
            return NULL;
    return digest + 7;
}

typedef struct platform {
    char os[32], arch[32], variant[32];
} platform;

static bool parse_platform(const char *s, platform *p)
{
    memset(p, 0, sizeof *p);
    if (!s)
        return false;
    const char *a = strchr(s, '/');
    if (!a || (size_t)(a - s) >= sizeof p->os)
        return false;
    memcpy(p->os, s, (size_t)(a - s));
    a++;
    const char *v = strchr(a, '/');
    size_t al = v ? (size_t)(v - a) : strlen(a);
    if (!al || al >= sizeof p->arch)
        return false;
    memcpy(p->arch, a, al);
    if (v) {
        if (strlen(v + 1) >= sizeof p->variant || strchr(v + 1, '/'))
            return false;
        strcpy(p->variant, v + 1);
    }
    return p->os[0] != '\0';
}

static const char *host_platform(void) { return lp_host_platform(); }

/* Does an image of platform (os, arch, variant) answer the wanted one? Variants count only when both say. */
static bool platform_matches(const platform *want, const char *os, const char *arch,
                             const char *variant)
{
    if (!os || !arch || strcmp(want->os, os) != 0 || strcmp(want->arch, arch) != 0)
        return false;
    const char *v = variant ? variant : "";
    if (!want->variant[0] || !v[0])
        return true;
    return strcmp(want->variant, v) == 0;
}

/* Does selector sel name the reference ref? Exactly, as the tag (":sel"), or without the registry ("/sel"). */
static bool ref_matches(const char *sel, const char *ref)
{
    if (!sel || !ref)
        return false;
    if (strcmp(sel, ref) == 0)
        return true;
    size_t sl = strlen(sel), rl = strlen(ref);
    if (rl > sl && strcmp(ref + rl - sl, sel) == 0 && (ref[rl - sl - 1] == ':' || ref[rl - sl - 1] == '/'))
        return true;
    return false;
}

/* ------------------------------------------------------------------ */
/* Candidates: the images a file offers                                */

typedef struct cand {
    char *digest;        /* the manifest's (OCI), or the config's (docker save) */
    char *parent;        /* the index it came from, or NULL */
    char *refs[3];
    char *os, *arch, *variant;
    char *media_type;
    int64_t size;        /* -1: not given */
    json_t *legacy;      /* docker save: the manifest.json entry */
} cand;

typedef struct cands {
    cand *v;
    size_t n, cap;
} cands;

static void cands_release(cands *c)
{
    for (size_t i = 0; i < c->n; i++) {
        cand *x = &c->v[i];
        free(x->digest);
        free(x->parent);
        for (int k = 0; k < 3; k++)
            free(x->refs[k]);
        free(x->os);
        free(x->arch);
        free(x->variant);
        free(x->media_type);
        json_decref(x->legacy);
    }
    free(c->v);
    memset(c, 0, sizeof *c);
}

static cand *cands_add(cands *c, lp_err *err, const char *path)
{
    if (c->n >= MAX_CANDIDATES) {
        lp_err_set(err, LP_ERR_LIMIT, "'%s': more than %u manifests", path, MAX_CANDIDATES);
        return NULL;
    }
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 8;
        cand *nv = realloc(c->v, nc * sizeof *nv);
        if (!nv) {
            nomem(err);
            return NULL;
        }
        c->v = nv;
        c->cap = nc;
    }
    cand *x = &c->v[c->n++];
    memset(x, 0, sizeof *x);
    x->size = -1;
    return x;
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = o ? json_object_get(o, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static lp_code load_json(lp_blobs *b, const char *member, const char *what, const char *hex,
                         json_t **out, lp_err *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    uint64_t max = lp_limit(LP_LIMIT_JSON);
    lp_code rc = lp_blobs_read(b, member, what, hex, max && max < SIZE_MAX ? (size_t)max : SIZE_MAX - 1,
                               &data, &len, err);
    if (rc == LP_ERR_LIMIT) /* the one message that names the limit and its option */
        rc = lp_limit_err(err, LP_LIMIT_JSON, "'%s': %s ('%s') is larger", lp_blobs_path(b), what,
                          member);
    if (!rc) {
        char w[128];
        snprintf(w, sizeof w, "%s ('%s')", what, member);
        rc = lp_json_check((const char *)data, len, lp_blobs_path(b), w, err);
    }
    if (rc) {
        free(data);
        return rc;
    }
    json_error_t je;
    json_t *j = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
    free(data);
    if (!j)
        return lp_err_set_at(err, LP_ERR_FORMAT, (uint64_t)(je.position > 0 ? je.position : 0),
                             "'%s': %s ('%s') is not valid JSON at offset %d: %s",
                             lp_blobs_path(b), what, member, je.position, je.text);
    *out = j;
    return LP_OK;
}

/* The member name of a blob: "blobs/sha256/HEX". */
static char *blob_member(const char *hex)
{
    char *m = NULL;
    if (asprintf(&m, "blobs/sha256/%s", hex) < 0)
        return NULL;
    return m;
}

static bool is_index_type(const char *mt)
{
    return mt && (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0);
}

/*
 * Descriptors of an OCI index (index.json or a nested index), flattened into
 * candidates. @p seen holds the nested indexes already read: one that comes
 * again (at any depth) adds nothing new, so it is read once, and a tree of N
 * entries per level costs N loads per level, not N to the power of the depth.
 */
static lp_code oci_collect(lp_blobs *b, json_t *index, const char *parent, const char *const *prefs,
                           int depth, smap *seen, cands *out, lp_err *err)
{
    json_t *ms = json_object_get(index, "manifests");
    if (!json_is_array(ms))
        return lp_err_set(err, LP_ERR_FORMAT, "'%s': an image index without a \"manifests\" list",
                          lp_blobs_path(b));
    size_t i;
    json_t *d;
    json_array_foreach(ms, i, d) {
        const char *digest = jstr(d, "digest");
        const char *mt = jstr(d, "mediaType");
        const char *hex = sha256_hex_of(digest);
        if (!json_is_object(d) || !hex)
            return lp_err_set(err, LP_ERR_FORMAT,
                              "'%s': manifest %zu of an index has no usable sha256 digest ('%s')",
                              lp_blobs_path(b), i, digest ? digest : "");
        json_t *ann = json_object_get(d, "annotations");
        const char *refs[3] = {jstr(ann, "org.opencontainers.image.ref.name"),
                               jstr(ann, "io.containerd.image.name"), NULL};
        if (!refs[0] && !refs[1] && prefs) {
            refs[0] = prefs[0];
            refs[1] = prefs[1];
        }
        if (is_index_type(mt)) {
            if (depth >= MAX_INDEX_DEPTH)
                return lp_err_set(err, LP_ERR_LIMIT, "'%s': image indexes nested deeper than %d",
                                  lp_blobs_path(b), MAX_INDEX_DEPTH);
            if (smap_has(seen, hex))
                continue;
            if (!smap_put(seen, hex, NULL))
                return nomem(err);
            char *m = blob_member(hex);
            json_t *sub = NULL;
            lp_code rc = m ? load_json(b, m, "image index", hex, &sub, err) : nomem(err);
            free(m);
            if (!rc)
                rc = oci_collect(b, sub, digest, refs, depth + 1, seen, out, err);
            json_decref(sub);
            if (rc)
                return rc;
            continue;
        }
        json_t *plat = json_object_get(d, "platform");
        const char *os = jstr(plat, "os");
        if (os && strcmp(os, "unknown") == 0)
            continue; /* buildx attestation manifests: not an image */
        cand *c = cands_add(out, err, lp_blobs_path(b));
        if (!c)
            return err ? err->code : LP_ERR_NOMEM;
        c->digest = strdup(digest);
        c->parent = xstrdup(parent);
        for (int k = 0; k < 2; k++)
            c->refs[k] = xstrdup(refs[k]);
        c->os = xstrdup(os);
        c->arch = xstrdup(jstr(plat, "architecture"));
        c->variant = xstrdup(jstr(plat, "variant"));
        c->media_type = xstrdup(mt);
        json_t *sz = json_object_get(d, "size");
        c->size = json_is_integer(sz) ? (int64_t)json_integer_value(sz) : -1;
        if (!c->digest)
            return nomem(err);
    }
    return LP_OK;
}

/* docker save's manifest.json: one candidate per entry. */
static lp_code legacy_collect(lp_blobs *b, json_t *manifest, cands *out, lp_err *err)
{
    if (!json_is_array(manifest))
        return lp_err_set(err, LP_ERR_FORMAT, "'%s': manifest.json is not a list of images",
                          lp_blobs_path(b));
    size_t i;
    json_t *e;
    json_array_foreach(manifest, i, e) {
        const char *config = jstr(e, "Config");
        if (!config || !json_is_array(json_object_get(e, "Layers")))
            return lp_err_set(err, LP_ERR_FORMAT,
                              "'%s': manifest.json entry %zu lacks \"Config\" or \"Layers\"",
                              lp_blobs_path(b), i);
        cand *c = cands_add(out, err, lp_blobs_path(b));
        if (!c)
            return err ? err->code : LP_ERR_NOMEM;
        /* the config's file name is its digest: "HEX.json" or "blobs/sha256/HEX" */
        const char *base = strrchr(config, '/');
        base = base ? base + 1 : config;
        char hex[65] = "";
        if (strlen(base) >= 64) {
            memcpy(hex, base, 64);
            char d[80];
            snprintf(d, sizeof d, "sha256:%s", hex);
            if (sha256_hex_of(d) && (base[64] == '\0' || strcmp(base + 64, ".json") == 0))
                c->digest = strdup(d);
        }
        json_t *tags = json_object_get(e, "RepoTags");
        for (size_t k = 0; k < 3 && json_is_array(tags) && k < json_array_size(tags); k++) {
            json_t *t = json_array_get(tags, k);
            if (json_is_string(t))
                c->refs[k] = strdup(json_string_value(t));
        }
        c->legacy = json_incref(e);
    }
    return LP_OK;
}

static void choice_text(const cand *c, char *buf, size_t n)
{
    char plat[100] = "";
    if (c->os && c->arch)
        snprintf(plat, sizeof plat, " %s/%s%s%s", c->os, c->arch, c->variant ? "/" : "",
                 c->variant ? c->variant : "");
    snprintf(buf, n, "%s%s %s", c->refs[0] ? c->refs[0] : c->refs[1] ? c->refs[1] : "(untagged)",
             plat, c->digest ? c->digest : "(no digest)");
}

static lp_code choice_error(lp_blobs *b, const cands *c, const bool *keep, lp_code code,
                            const char *why, lp_err *err)
{
    lp_strbuf sb = {0};
    size_t shown = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (keep && !keep[i])
            continue;
        char t[256];
        choice_text(&c->v[i], t, sizeof t);
        lp_sb_adds(&sb, shown ? "; " : "");
        lp_sb_adds(&sb, t);
        shown++;
    }
    char *list = lp_sb_take(&sb);
    lp_code rc = lp_err_set(err, code, "'%s': %s; the image file offers: %s", lp_blobs_path(b), why,
                            list && *list ? list : "nothing");
    free(list);
    return rc;
}

/* Whether selector @p sel (a tag, a name, a digest; NULL: anything) names candidate @p x. */
static bool sel_keeps(const char *sel, const cand *x)
{
    if (!sel)
        return true;
    if (strncmp(sel, "sha256:", 7) == 0)
        return (x->digest && strcmp(sel, x->digest) == 0) || (x->parent && strcmp(sel, x->parent) == 0);
    return ref_matches(sel, x->refs[0]) || ref_matches(sel, x->refs[1]) || ref_matches(sel, x->refs[2]);
}

/*
 * Are the kept candidates several images, rather than one (or one image for several
 * platforms, which a platform picks)? A candidate without a platform, or the same platform
 * twice, makes them several images.
 */
static bool several_images(const cands *c, const bool *keep)
{
    size_t left = 0;
    bool platforms = true;
    for (size_t i = 0; i < c->n; i++) {
        if (!keep[i])
            continue;
        left++;
        if (!c->v[i].os || !c->v[i].arch)
            platforms = false;
    }
    for (size_t i = 0; i < c->n && platforms; i++)
        for (size_t j = i + 1; j < c->n && platforms; j++)
            if (keep[i] && keep[j] && strcmp(c->v[i].os, c->v[j].os) == 0 &&
                strcmp(c->v[i].arch, c->v[j].arch) == 0 &&
                strcmp(c->v[i].variant ? c->v[i].variant : "", c->v[j].variant ? c->v[j].variant : "") == 0)
                platforms = false; /* the same platform twice: two images */
    return left > 1 && !platforms;
}

/* A config's platform, read once per config blob however many images name it. */
typedef struct cfg_plat {
    char *os, *arch, *variant;
    bool ok;
} cfg_plat;

static void cfg_plat_free(void *p)
{
    cfg_plat *c = p;
    if (c) {
        free(c->os);
        free(c->arch);
        free(c->variant);
        free(c);
    }
}

/*
 * docker save: the platforms come from the configs. Only the candidates the
 * selector keeps need one (the others are listed without), and each config
 * blob is read once, also when thousands of images share it or it cannot be
 * read (that error is the chosen image's to report, when it is chosen).
 */
static lp_code legacy_platforms(lp_blobs *b, cands *c, const char *sel, lp_err *err)
{
    smap memo = {0};
    lp_code rc = LP_OK;
    for (size_t i = 0; !rc && i < c->n; i++) {
        if (!sel_keeps(sel, &c->v[i]))
            continue;
        const char *config = jstr(c->v[i].legacy, "Config");
        cfg_plat *p = smap_get(&memo, config);
        if (!p) {
            if (!(p = calloc(1, sizeof *p)) || !smap_put(&memo, config, p)) {
                free(p);
                rc = nomem(err);
                break;
            }
            json_t *cfg = NULL;
            lp_err e2;
            lp_err_clear(&e2);
            if (load_json(b, config, "config", NULL, &cfg, &e2) == LP_OK) {
                p->ok = true;
                p->os = xstrdup(jstr(cfg, "os"));
                p->arch = xstrdup(jstr(cfg, "architecture"));
                p->variant = xstrdup(jstr(cfg, "variant"));
            } else if (e2.code == LP_ERR_NOMEM) {
                rc = nomem(err);
            }
            json_decref(cfg);
        }
        if (p->ok) {
            c->v[i].os = xstrdup(p->os);
            c->v[i].arch = xstrdup(p->arch);
            c->v[i].variant = xstrdup(p->variant);
        }
    }
    smap_release(&memo, cfg_plat_free);
    return rc;
}

/*
 * Pick one candidate: by selector (tag or digest), then, when what is left is
 * one image for several platforms, by platform.
 */
static lp_code choose(lp_blobs *b, cands *c, const char *sel, const lp_image_opts *opts,
                      size_t *chosen, lp_err *err)
{
    if (!c->n)
        return lp_err_set(err, LP_ERR_FORMAT, "'%s': the image file lists no image", lp_blobs_path(b));
    bool *keep = calloc(c->n, sizeof *keep);
    if (!keep)
        return nomem(err);
    size_t left = 0;
    for (size_t i = 0; i < c->n; i++) {
        keep[i] = sel_keeps(sel, &c->v[i]);
        left += keep[i];
    }
    lp_code rc = LP_OK;
    char why[200];
    if (!left) {
        snprintf(why, sizeof why, "no image matches '%s'", sel);
        rc = choice_error(b, c, NULL, LP_ERR_NOTFOUND, why, err);
        free(keep);
        return rc;
    }
    if (several_images(c, keep)) {
        rc = choice_error(b, c, keep, LP_ERR_NOTFOUND,
                          "it holds several images: pick one with IMAGE:TAG or IMAGE@sha256:DIGEST",
                          err);
        free(keep);
        return rc;
    }
    const char *want_s = opts && opts->platform ? opts->platform
                         : opts && opts->default_platform ? opts->default_platform
                                                          : host_platform();
    platform want;
    if (!parse_platform(want_s, &want)) {
        free(keep);
        return lp_err_set(err, LP_ERR_INVAL, "'%s': platform '%s' is not OS/ARCH[/VARIANT]",
                          lp_blobs_path(b), want_s);
    }
    size_t pick = SIZE_MAX;
    for (size_t i = 0; i < c->n; i++) {
        if (!keep[i])
            continue;
        if (left == 1 && !(opts && opts->platform && c->v[i].os)) {
            pick = i; /* the only image: taken whatever its platform (the caller compares) */
            break;
        }
        if (platform_matches(&want, c->v[i].os, c->v[i].arch, c->v[i].variant)) {
            pick = i;
            break;
        }
    }
    if (pick == SIZE_MAX && !(opts && opts->platform)) {
        /* only a default: the first platform listed, and the caller compares architectures
         * (an arm64 binary on an amd64-only image is "wrong architecture", not an error) */
        for (size_t i = 0; i < c->n && pick == SIZE_MAX; i++)
            if (keep[i])
                pick = i;
    }
    if (pick == SIZE_MAX) {
        snprintf(why, sizeof why, "no image for platform %s", want_s);
        rc = choice_error(b, c, keep, LP_ERR_NOTFOUND, why, err);
    }
    free(keep);
    *chosen = pick;
    return rc;
}

/* ------------------------------------------------------------------ */
/* Tree building                                                       */

static node *node_new(const char *name, lp_ftype type, int layer, uint64_t entry)
{
    node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    if (!(n->name = strdup(name))) {
        free(n);
        return NULL;
    }
    n->type = type;
    n->mode = type == LP_FT_DIR ? 0755 : 0644;
    n->layer = layer;
    n->entry = entry;
    n->data_layer = layer;
    n->data_entry = entry;
    n->wh_layer = -1;
    return n;
}

static size_t subtree_count(const node *n)
{
    size_t c = 1;
    for (size_t i = 0; i < n->kids.cap; i++)
        if (n->kids.keys[i])
            c += subtree_count(n->kids.vals[i]);
    return c;
}

/* Remove child @p name of @p dir with everything under it. */
static void remove_child(image *im, node *dir, const char *name)
{
    node *k = smap_get(&dir->kids, name);
    if (!k)
        return;
    im->n_paths -= subtree_count(k);
    smap_del(&dir->kids, name);
    node_free(k);
}

typedef struct build {
    image *im;
    int layer;
    const char *layer_name;  /* for messages: "layer 2 (sha256:...)" */
    lp_err *err;
} build;

/* LP_OK while the image has room for one more path ("paths" limit). */
static lp_code paths_room(build *bd)
{
    uint64_t max = lp_limit(LP_LIMIT_PATHS);
    if (max && bd->im->n_paths >= max)
        return lp_limit_err(bd->err, LP_LIMIT_PATHS, "'%s': %s: more than %llu paths",
                            lp_blobs_path(bd->im->blobs), bd->layer_name, (unsigned long long)max);
    return LP_OK;
}

static lp_code entry_err(build *bd, const char *path, const char *what)
{
    return lp_err_set(bd->err, LP_ERR_FORMAT, "'%s': %s: entry '%s' %s", lp_blobs_path(bd->im->blobs),
                      bd->layer_name, path, what);
}

/*
 * Split a tar path into canonical components (in @p buf, NUL-separated):
 * "./a//b/" -> "a","b". An absolute path or a ".." component is an error; ""
 * or "." alone means the root (n == 0).
 */
static lp_code split_path(build *bd, const char *raw, char *buf, size_t cap, char **comps,
                          size_t max, size_t *n)
{
    *n = 0;
    if (raw[0] == '/')
        return entry_err(bd, raw, "is an absolute path");
    size_t len = strlen(raw);
    if (len >= cap || len > LP_ROOT_PATH_MAX)
        return lp_err_set(bd->err, LP_ERR_LIMIT, "'%s': %s: an entry name of %zu bytes is over the limit",
                          lp_blobs_path(bd->im->blobs), bd->layer_name, len);
    memcpy(buf, raw, len + 1);
    char *p = buf;
    while (*p) {
        char *s = p;
        while (*p && *p != '/')
            p++;
        bool end = *p == '\0';
        *p = '\0';
        if (*s && strcmp(s, ".") != 0) {
            if (strcmp(s, "..") == 0)
                return entry_err(bd, raw, "has a '..' component");
            if (strlen(s) > 255)
                return entry_err(bd, raw, "has a component longer than 255 bytes");
            if (*n >= max)
                return entry_err(bd, raw, "is nested too deep");
            comps[(*n)++] = s;
        }
        if (!end)
            p++;
    }
    return LP_OK;
}

/* The canonical path of a node, in buf ("/" for the root). */
static void node_path(const node *n, char *buf, size_t cap)
{
    const node *chain[2048];
    size_t k = 0;
    for (const node *p = n; p && p->parent && k < 2048; p = p->parent)
        chain[k++] = p;
    size_t len = 0;
    buf[0] = '\0';
    while (k > 0) {
        const node *p = chain[--k];
        size_t l = strlen(p->name);
        if (len + 1 + l + 1 > cap)
            break;
        buf[len++] = '/';
        memcpy(buf + len, p->name, l + 1);
        len += l;
    }
    if (!len)
        strcpy(buf, "/");
}

static lp_code resolve_in_view(lp_root *r, image *im, const char *path, node **out, lp_err *err);

/*
 * The directory an entry goes into: the parents are walked from the root,
 * missing ones made (as tar extraction makes them), and a parent that is a
 * symbolic link to a directory followed inside the image, as umoci's unpack
 * does. A parent that is a file is an error.
 */
static lp_code parent_dir(build *bd, lp_root *r, char **comps, size_t n, bool create, node **out)
{
    image *im = bd->im;
    lp_code rc0;
    node *cur = im->root;
    for (size_t i = 0; i < n; i++) {
        node *k = smap_get(&cur->kids, comps[i]);
        if (!k) {
            if (!create) {
                *out = NULL;
                return LP_OK;
            }
            if ((rc0 = paths_room(bd)))
                return rc0;
            k = node_new(comps[i], LP_FT_DIR, bd->layer, 0);
            if (!k || !smap_put(&cur->kids, comps[i], k)) {
                node_free(k);
                return nomem(bd->err);
            }
            k->parent = cur;
            im->n_paths++;
        } else if (k->type == LP_FT_LNK) {
            char p[LP_ROOT_PATH_MAX + 2];
            node_path(k, p, sizeof p);
            lp_root_refresh(r);
            node *t = NULL;
            lp_code rc = resolve_in_view(r, im, p, &t, bd->err);
            if (rc == LP_ERR_NOTFOUND || (!rc && t->type != LP_FT_DIR)) {
                char q[LP_ROOT_PATH_MAX + 2];
                node_path(k, q, sizeof q);
                return lp_err_set(bd->err, LP_ERR_FORMAT,
                                  "'%s': %s: an entry's parent '%s' is a link to nothing or to a "
                                  "file, not a directory",
                                  lp_blobs_path(im->blobs), bd->layer_name, q);
            }
            if (rc)
                return rc;
            k = t;
        } else if (k->type != LP_FT_DIR) {
            char q[LP_ROOT_PATH_MAX + 2];
            node_path(k, q, sizeof q);
            return lp_err_set(bd->err, LP_ERR_FORMAT,
                              "'%s': %s: an entry's parent '%s' is a file, not a directory",
                              lp_blobs_path(im->blobs), bd->layer_name, q);
        }
        cur = k;
    }
    *out = cur;
    return LP_OK;
}

/* One tar entry, as the layer gave it (its strings live until the next header). */
typedef struct lentry {
    const char *path;
    lp_ftype type;
    uint32_t mode;
    uint64_t size;
    const char *target;    /* symbolic link */
    const char *hardlink;  /* hard link: the path it names */
    uint64_t entry;
} lentry;

#define MAX_COMPS 2048

static void prune_kids(image *im, node *d, int layer);

/*
 * Hide what the layers below @p layer put at and under @p n. This layer's own
 * nodes stay (the spec: a whiteout only applies to lower layers, wherever it
 * comes in the tar), and a lower directory that still holds some of them
 * becomes this layer's, as if made for them. True when @p n itself goes.
 * Every node visited is marked with the layer, and a marked node is not
 * visited again by this layer: under it nothing of the lower layers is left.
 */
static bool prune(image *im, node *n, int layer)
{
    if (n->wh_layer == layer)
        return false;
    if (n->type == LP_FT_DIR)
        prune_kids(im, n, layer);
    n->wh_layer = layer;
    if (n->layer >= layer)
        return false;
    if (n->type == LP_FT_DIR && n->kids.n) {
        n->layer = n->data_layer = layer;
        n->entry = n->data_entry = 0;
        n->mode = 0755;
        return false;
    }
    return true;
}

static void prune_kids(image *im, node *d, int layer)
{
    if (d->wh_layer == layer)
        return;
    d->wh_layer = layer;
    if (!d->kids.n)
        return;
    char **gone = malloc(d->kids.n * sizeof *gone);
    size_t ng = 0;
    for (size_t k = 0; k < d->kids.cap; k++)
        if (d->kids.keys[k] && prune(im, d->kids.vals[k], layer) && gone)
            gone[ng++] = d->kids.keys[k];
    for (size_t k = 0; k < ng; k++) {
        /* the table's copy of the name goes with the entry: look it up by a copy */
        char *name = strdup(gone[k]);
        if (name)
            remove_child(im, d, name);
        free(name);
    }
    free(gone);
}

/* A whiteout entry (".wh.NAME" or ".wh..wh..opq"), applied as it comes. */
static lp_code whiteout(build *bd, lp_root *r, char **comps, size_t nc)
{
    const char *base = comps[nc - 1];
    node *dir = NULL;
    /* a whiteout in a directory the layers below do not have hides nothing, and makes
     * no directory (as umoci's unpack; the layer's own entries make it if it has any) */
    lp_code rc = parent_dir(bd, r, comps, nc - 1, false, &dir);
    if (rc || !dir || dir->type != LP_FT_DIR)
        return rc;
    if (strcmp(base, ".wh..wh..opq") == 0) {
        prune_kids(bd->im, dir, bd->layer);
    } else if (strncmp(base, ".wh..wh.", 8) != 0) {
        node *k = smap_get(&dir->kids, base + 4);
        if (k && prune(bd->im, k, bd->layer))
            remove_child(bd->im, dir, base + 4);
    }
    return LP_OK;
}

/* One entry of the layer, over what is there: a whiteout applied, anything else added. */
static lp_code add_entry(build *bd, lp_root *r, lentry *e)
{
    image *im = bd->im;
    char buf[LP_ROOT_PATH_MAX + 2];
    char *comps[MAX_COMPS];
    size_t nc;
    lp_code rc = split_path(bd, e->path, buf, sizeof buf, comps, MAX_COMPS, &nc);
    if (rc)
        return rc;
    if (!nc) {
        if (e->type == LP_FT_DIR)
            im->root->mode = e->mode;
        return LP_OK;
    }
    if (strncmp(comps[nc - 1], ".wh.", 4) == 0)
        return whiteout(bd, r, comps, nc);
    node *dir = NULL;
    if ((rc = parent_dir(bd, r, comps, nc - 1, true, &dir)))
        return rc;
    const char *name = comps[nc - 1];
    node *old = smap_get(&dir->kids, name);
    lp_ftype type = e->type;
    uint64_t size = e->size;
    int dl = bd->layer;
    uint64_t de = e->entry;
    const char *target = e->target;
    uint32_t mode = e->mode;
    if (e->hardlink) {
        char hbuf[LP_ROOT_PATH_MAX + 2];
        char *hcomps[MAX_COMPS];
        size_t hn;
        if ((rc = split_path(bd, e->hardlink, hbuf, sizeof hbuf, hcomps, MAX_COMPS, &hn)))
            return rc;
        node *hd = NULL;
        if ((rc = parent_dir(bd, r, hcomps, hn ? hn - 1 : 0, false, &hd)))
            return rc;
        node *t = hd && hn ? smap_get(&hd->kids, hcomps[hn - 1]) : NULL;
        if (!t || t->type == LP_FT_DIR)
            return entry_err(bd, e->path, "is a hard link to a file the image does not have");
        type = t->type;
        size = t->size;
        dl = t->data_layer;
        de = t->data_entry;
        mode = t->mode; /* one inode: the target's mode, whatever the link's header says */
        if (t->type == LP_FT_LNK && !target)
            target = t->target;
    }
    if (old && old->type == LP_FT_DIR && type == LP_FT_DIR) {
        old->mode = mode; /* the directory again: its metadata, its entries kept */
        old->layer = bd->layer;
        old->entry = e->entry;
        return LP_OK;
    }
    char *tcopy = NULL;
    if (type == LP_FT_LNK && !(tcopy = xstrdup(target ? target : "")))
        return nomem(bd->err); /* copied before the old node (maybe its owner) goes */
    if (old)
        remove_child(im, dir, name);
    if ((rc = paths_room(bd))) {
        free(tcopy);
        return rc;
    }
    node *k = node_new(name, type, bd->layer, e->entry);
    if (!k) {
        free(tcopy);
        return nomem(bd->err);
    }
    k->mode = type == LP_FT_LNK ? 0777 : mode; /* as lstat shows any link on Linux */
    k->size = type == LP_FT_REG ? size : 0;
    k->data_layer = dl;
    k->data_entry = de;
    k->target = tcopy;
    if (!smap_put(&dir->kids, name, k)) {
        node_free(k);
        return nomem(bd->err);
    }
    k->parent = dir;
    im->n_paths++;
    return LP_OK;
}

/* ------------------------------------------------------------------ */
/* Reading layers                                                      */

static long blob_cb(void *ctx, const void **p, lp_err *err)
{
    return lp_bstream_read(ctx, p, err);
}

static la_ssize_t rd_cb(struct archive *a, void *client, const void **buf)
{
    (void)a;
    layer_reader *lr = client;
    long got = lp_dstream_read(lr->d, buf, &lr->err);
    return got < 0 ? -1 : (la_ssize_t)got;
}

static la_int64_t skip_cb(struct archive *a, void *client, la_int64_t request)
{
    (void)a;
    layer_reader *lr = client;
    /* only bytes that are not decompressed can be skipped without reading them */
    if (!lp_dstream_is_plain(lr->d))
        return 0;
    int64_t k = lp_bstream_skip(lr->s, request, &lr->err);
    return k < 0 ? 0 : k;
}

static void reader_close(layer_reader *lr)
{
    for (size_t k = 0; k < OPEN_READERS; k++)
        if (g_open[k] == lr)
            g_open[k] = NULL;
    if (lr->a)
        archive_read_free(lr->a);
    lp_dstream_close(&lr->d);
    lp_bstream_close(&lr->s);
    memset(lr, 0, sizeof *lr);
}

/* A place among the open readers for @p lr, closing the least recently used one when full. */
static void reader_register(layer_reader *lr)
{
    size_t slot = 0;
    for (size_t k = 0; k < OPEN_READERS; k++) {
        if (!g_open[k]) {
            slot = k;
            break;
        }
        if (g_open[k]->used < g_open[slot]->used)
            slot = k;
    }
    if (g_open[slot])
        reader_close(g_open[slot]);
    g_open[slot] = lr;
    lr->used = ++g_clock;
}

/* Open layer @p i for reading from its start; with @p hash, every byte is hashed. */
static lp_code reader_open(image *im, size_t i, bool hash, layer_reader *lr, lp_err *err)
{
    memset(lr, 0, sizeof *lr);
    char what[96];
    snprintf(what, sizeof what, "layer %zu", i);
    lp_code rc = lp_bstream_open(im->blobs, im->layer_members[i], what, hash, &lr->s, err);
    if (rc)
        return rc;
    char dwhat[300];
    snprintf(dwhat, sizeof dwhat, "'%s': layer %zu (%s)", lp_blobs_path(im->blobs), i,
             im->layers[i].digest ? im->layers[i].digest : im->layer_members[i]);
    if ((rc = lp_dstream_open(&lr->d, blob_cb, lr->s, dwhat, &im->budget, err)))
        return rc;
    reader_register(lr);
    lr->a = archive_read_new();
    if (!lr->a)
        return nomem(err);
    /* tar only: decompression is decomp.c's, under its limits */
    archive_read_support_format_tar(lr->a);
    archive_read_support_filter_none(lr->a);
    if (archive_read_open2(lr->a, lr, NULL, rd_cb, hash ? NULL : skip_cb, NULL) != ARCHIVE_OK) {
        if (lr->err.code)
            return lp_err_set(err, lr->err.code, "%s", lr->err.msg);
        const char *m = archive_error_string(lr->a);
        return lp_err_set(err, LP_ERR_FORMAT, "'%s': layer %zu (%s) cannot be read: %s",
                          lp_blobs_path(im->blobs), i, im->layers[i].digest ? im->layers[i].digest
                                                                              : im->layer_members[i],
                          m ? m : "?");
    }
    return LP_OK;
}

/* The next header; LP_OK with *e NULL at the end. Errors name the layer. */
static lp_code reader_next(image *im, size_t i, layer_reader *lr, struct archive_entry **e,
                           lp_err *err)
{
    lr->used = ++g_clock;
    int r = archive_read_next_header(lr->a, e);
    if (r == ARCHIVE_EOF) {
        *e = NULL;
        return LP_OK;
    }
    if (r == ARCHIVE_OK || r == ARCHIVE_WARN) {
        lr->next++;
        return LP_OK;
    }
    if (lr->err.code) {
        if (err)
            *err = lr->err;
        return lr->err.code;
    }
    const char *m = archive_error_string(lr->a);
    const char *id = im->layers[i].digest ? im->layers[i].digest : im->layer_members[i];
    if (lr->next == 0)
        return lp_err_set(err, LP_ERR_FORMAT, "'%s': layer %zu (%s) is not a tar archive (%s)",
                          lp_blobs_path(im->blobs), i, id, m ? m : "unrecognized");
    return lp_err_set(err, LP_ERR_FORMAT, "'%s': layer %zu (%s) is truncated or corrupt after "
                      "entry %llu (%s)",
                      lp_blobs_path(im->blobs), i, id, (unsigned long long)lr->next, m ? m : "?");
}

static void cache_keep(image *im, content *c, bool evict);
static void content_unref(void *p);

/* What a dynamic loader opens: libraries, loaders, their configuration files. */
static bool loader_file(const char *path, uint64_t size)
{
    if (size > PREFETCH_ONE_MAX)
        return false;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if ((strncmp(base, "lib", 3) == 0 || strncmp(base, "ld", 2) == 0) && strstr(base, ".so"))
        return true;
    const char *p = path;
    while (*p == '.' || *p == '/')
        p++;
    return strncmp(p, "etc/ld.so.c", 11) == 0 || strncmp(p, "etc/ld-musl-", 12) == 0;
}

/* Files larger than this are read into a temporary file, not into memory. */
static uint64_t in_memory_max(void)
{
    uint64_t m = lp_limit(LP_LIMIT_MEMORY);
    return m ? m / 4 : UINT64_MAX;
}

/*
 * The data of the entry the reader is at, @p size bytes, block by block as
 * libarchive gives them with their offsets (a GNU sparse entry's holes are
 * not in the tar: they stay zeros, and holes in a temporary file). Into
 * @p buf (zeroed, size bytes) or, when @p fd >= 0, into that file. A block
 * outside the entry, or a layer that ends first, is a truncated/corrupt layer.
 */
static lp_code entry_data(struct archive *a, uint64_t size, uint8_t *buf, int fd,
                          const char *display, layer_reader *lr, lp_err *err)
{
    if (fd >= 0 && ftruncate(fd, (off_t)size) != 0)
        return lp_err_set(err, LP_ERR_IO, "'%s': cannot size a temporary file: %s", display,
                          strerror(errno));
    uint64_t seen = 0;
    for (;;) {
        const void *blk = NULL;
        size_t n = 0;
        la_int64_t off = 0;
        int r = archive_read_data_block(a, &blk, &n, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            if (lr && lr->err.code) {
                if (err)
                    *err = lr->err;
                return lr->err.code;
            }
            const char *m = archive_error_string(a);
            return lp_err_set(err, LP_ERR_FORMAT, "'%s': cannot be read from its layer (%s)", display,
                              m ? m : "truncated");
        }
        if (off < 0 || (uint64_t)off > size || n > size - (uint64_t)off)
            return lp_err_set(err, LP_ERR_FORMAT, "'%s': its layer gives bytes past its size of %llu",
                              display, (unsigned long long)size);
        if (n && fd >= 0) {
            lp_code rc = lp_tmpfile_write(fd, (uint64_t)off, blk, n, display, err);
            if (rc)
                return rc;
        } else if (n) {
            memcpy(buf + off, blk, n);
        }
        seen += n;
    }
    (void)seen;
    return LP_OK;
}

/* A content (one reference, keyed "LAYER:ENTRY") holding the entry's @p size bytes. */
static lp_code content_read(struct archive *a, size_t layer, uint64_t entry, uint64_t size,
                            const char *display, layer_reader *lr, content **out, lp_err *err)
{
    *out = NULL;
    content *c = calloc(1, sizeof *c);
    uint8_t *buf = calloc(size ? (size_t)size : 1, 1);
    char key[48];
    snprintf(key, sizeof key, "%zu:%llu", layer, (unsigned long long)entry);
    if (!c || !buf || !(c->key = strdup(key))) {
        free(buf);
        free(c);
        return nomem(err);
    }
    c->data = buf;
    c->len = (size_t)size;
    c->refs = 1;
    lp_code rc = entry_data(a, size, buf, -1, display, lr, err);
    if (rc) {
        content_unref(c);
        return rc;
    }
    *out = c;
    return LP_OK;
}

/* While indexing: keep the bytes of entry @p entry of layer @p layer when there is room. */
static lp_code prefetch_entry(image *im, layer_reader *lr, size_t layer, uint64_t entry,
                              uint64_t size, const char *path, lp_err *err)
{
    uint64_t budget = lp_limit(LP_LIMIT_MEMORY);
    if (size > in_memory_max() || (budget && g_cache.bytes + size > budget))
        return LP_OK;
    content *c = NULL;
    lp_err e2;
    lp_err_clear(&e2);
    lp_code rc = content_read(lr->a, layer, entry, size, path, lr, &c, &e2);
    if (rc == LP_ERR_NOMEM)
        return nomem(err);
    if (rc)
        return LP_OK; /* the layer's error: the next header reports it */
    cache_keep(im, c, false);
    content_unref(c);
    return LP_OK;
}

/* Index layer i: read every entry, applied as it comes (whiteouts, then the rest); check its digest. */
static lp_code index_layer(image *im, lp_root *r, size_t i, const char *want_hex, lp_err *err)
{
    layer_reader lr;
    lp_code rc = reader_open(im, i, true, &lr, err);
    uint64_t n = 0;
    char lname[128];
    snprintf(lname, sizeof lname, "layer %zu (%s)", i,
             im->layers[i].digest ? im->layers[i].digest : im->layer_members[i]);
    build bd = {im, (int)i, lname, err};
    while (!rc) {
        struct archive_entry *e = NULL;
        if ((rc = reader_next(im, i, &lr, &e, err)) || !e)
            break;
        if (n == 0)
            im->layers[i].compression = lp_dstream_kind(lr.d);
        n++;
        lentry x = {0};
        const char *p = archive_entry_pathname(e);
        x.path = p ? p : "";
        x.entry = lr.next - 1;
        x.mode = (uint32_t)archive_entry_perm(e) & 07777u;
        const char *hl = archive_entry_hardlink(e);
        mode_t ft = archive_entry_filetype(e);
        if (hl) {
            x.hardlink = hl;
            x.type = LP_FT_REG;
        } else if (ft == AE_IFREG) {
            x.type = LP_FT_REG;
            int64_t sz = archive_entry_size(e);
            x.size = sz > 0 ? (uint64_t)sz : 0;
        } else if (ft == AE_IFDIR) {
            x.type = LP_FT_DIR;
        } else if (ft == AE_IFLNK) {
            x.type = LP_FT_LNK;
            const char *t = archive_entry_symlink(e);
            if (t && strlen(t) > LP_ROOT_PATH_MAX) {
                rc = entry_err(&bd, x.path, "is a symbolic link with a target over 4096 bytes");
                break;
            }
            x.target = t ? t : "";
        } else {
            x.type = LP_FT_OTHER;
        }
        if ((rc = add_entry(&bd, r, &x)))
            break;
        if (x.type == LP_FT_REG && !hl && im->prefetch && loader_file(x.path, x.size) &&
            (rc = prefetch_entry(im, &lr, i, x.entry, x.size, x.path, err)))
            break;
    }
    im->layers[i].entries = n;
    if (!im->layers[i].compression && lr.d)
        im->layers[i].compression = lp_dstream_kind(lr.d); /* a layer with no entry at all */
    if (!rc) {
        char hex[65];
        uint64_t total = 0;
        rc = lp_bstream_finish(lr.s, hex, &total, err);
        im->layers[i].size = total;
        im->meta.bytes_hashed += total;
        if (!rc && want_hex) {
            if (strcmp(hex, want_hex) != 0)
                rc = lp_blobs_mismatch(im->blobs, lname, want_hex, hex, err);
            else
                im->layers[i].verified = true;
        }
    }
    reader_close(&lr);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The view's operations                                               */

static node *lookup(image *im, const char *canon)
{
    node *cur = im->root;
    const char *p = canon;
    char comp[256];
    while (*p && cur) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && *p != '/')
            p++;
        size_t l = (size_t)(p - s);
        if (l >= sizeof comp)
            return NULL;
        memcpy(comp, s, l);
        comp[l] = '\0';
        cur = cur->type == LP_FT_DIR ? smap_get(&cur->kids, comp) : NULL;
    }
    return cur;
}

static lp_code im_stat(lp_root *r, const char *canon, lp_statinfo *out, lp_err *err)
{
    (void)err;
    node *n = lookup(r->priv, canon);
    out->type = n ? n->type : LP_FT_NONE;
    out->size = n && n->type == LP_FT_REG ? n->size : 0;
    out->mode = n ? n->mode : 0;
    out->layer = n ? n->layer : -1;
    return LP_OK;
}

static lp_code im_readlink(lp_root *r, const char *canon, char **target, lp_err *err)
{
    node *n = lookup(r->priv, canon);
    if (!n || n->type != LP_FT_LNK)
        return lp_err_set(err, LP_ERR_NOTFOUND, "'%s:%s' is not a symbolic link", r->label, canon);
    *target = strdup(n->target);
    return *target ? LP_OK : nomem(err);
}

static lp_code im_list(lp_root *r, const char *canon, char ***names, size_t *count, lp_err *err)
{
    node *n = lookup(r->priv, canon);
    if (!n || n->type != LP_FT_DIR)
        return lp_err_set(err, LP_ERR_INVAL, "'%s:%s': not a directory", r->label, canon);
    char **v = calloc(n->kids.n ? n->kids.n : 1, sizeof *v);
    if (!v)
        return nomem(err);
    size_t k = 0;
    for (size_t i = 0; i < n->kids.cap; i++)
        if (n->kids.keys[i]) {
            if (!(v[k] = strdup(n->kids.keys[i]))) {
                lp_root_names_free(&v, k);
                return nomem(err);
            }
            k++;
        }
    *names = v;
    *count = k;
    return LP_OK;
}

static void content_unref(void *p)
{
    content *c = p;
    if (c && --c->refs == 0) {
        free(c->data);
        free(c->key);
        free(c);
    }
}

static void cache_unlink(content *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        g_cache.head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        g_cache.tail = c->prev;
    c->prev = c->next = NULL;
    g_cache.bytes -= c->len;
}

static void cache_link(content *c)
{
    c->prev = g_cache.tail;
    c->next = NULL;
    if (g_cache.tail)
        g_cache.tail->next = c;
    else
        g_cache.head = c;
    g_cache.tail = c;
    g_cache.bytes += c->len;
}

/* Drop c from the cache (and its image's table); the cache's reference goes. */
static void cache_drop(content *c)
{
    smap_del(&c->owner->cache, c->key);
    cache_unlink(c);
    c->owner = NULL;
    content_unref(c);
}

/*
 * Keep c in the process-wide cache (one reference), within the "memory"
 * limit: with @p evict, the least recently used contents of any image make
 * room; without (prefetching), c is kept only if it fits as things are.
 */
static void cache_keep(image *im, content *c, bool evict)
{
    uint64_t budget = lp_limit(LP_LIMIT_MEMORY);
    if (!budget)
        budget = UINT64_MAX;
    if (c->len > budget / 4 || c->owner)
        return;
    while (g_cache.bytes + c->len > budget && g_cache.head && evict)
        cache_drop(g_cache.head);
    if (g_cache.bytes + c->len > budget)
        return;
    if (!smap_put(&im->cache, c->key, c))
        return;
    c->owner = im;
    cache_link(c);
    c->refs++;
}

/* The file at entry @p entry of layer @p layer (@p size bytes), as a source named @p display. */
static lp_code read_entry(image *im, int layer, uint64_t entry, uint64_t size, const char *display,
                          lp_src **out, lp_err *err)
{
    char key[48];
    snprintf(key, sizeof key, "%d:%llu", layer, (unsigned long long)entry);
    content *c = smap_get(&im->cache, key);
    if (c) {
        cache_unlink(c); /* the most recently used now */
        cache_link(c);
        c->refs++;
        return lp_src_from_mem_release(out, c->data, c->len, display, content_unref, c, err);
    }
    if (layer < 0 || (size_t)layer >= im->meta.n_layers)
        return lp_err_set(err, LP_ERR_INVAL, "'%s': no such layer", display);
    uint64_t fmax = lp_limit(LP_LIMIT_FILE);
    if (fmax && size > fmax)
        return lp_limit_err(err, LP_LIMIT_FILE, "'%s': a file of %llu bytes", display,
                            (unsigned long long)size);
    layer_reader *lr = &im->readers[layer];
    lp_code rc = LP_OK;
    if (lr->a && lr->next > entry)
        reader_close(lr); /* behind us: start the layer again */
    if (!lr->a && (rc = reader_open(im, (size_t)layer, false, lr, err))) {
        reader_close(lr);
        return rc;
    }
    struct archive_entry *e = NULL;
    while (!rc && lr->next <= entry) {
        if ((rc = reader_next(im, (size_t)layer, lr, &e, err)))
            break;
        if (!e) {
            rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': its layer ended before entry %llu", display,
                            (unsigned long long)entry);
            break;
        }
    }
    if (rc) {
        reader_close(lr);
        return rc;
    }
    if (size > in_memory_max()) {
        /* too large for memory: an unlinked temporary file, read like any file */
        int fd = lp_tmpfile(display, err);
        if (fd < 0) {
            reader_close(lr);
            return err && err->code ? err->code : LP_ERR_IO;
        }
        rc = entry_data(lr->a, size, NULL, fd, display, lr, err);
        if (rc) {
            close(fd);
            reader_close(lr);
            return rc;
        }
        return lp_src_from_fd(out, fd, display, size, err);
    }
    rc = content_read(lr->a, (size_t)layer, entry, size, display, lr, &c, err);
    if (rc) {
        reader_close(lr);
        return rc;
    }
    cache_keep(im, c, true);
    return lp_src_from_mem_release(out, c->data, c->len, display, content_unref, c, err);
}

static lp_code im_open(lp_root *r, const char *canon, const char *display, lp_src **out,
                       lp_err *err)
{
    image *im = r->priv;
    node *n = lookup(im, canon);
    if (!n || n->type != LP_FT_REG)
        return lp_err_set(err, LP_ERR_INVAL, "'%s': not a regular file", display);
    return read_entry(im, n->data_layer, n->data_entry, n->size, display, out, err);
}

static const lp_image_meta *im_meta(const lp_root *r) { return &((const image *)r->priv)->meta; }

static void image_free(image *im)
{
    if (!im)
        return;
    for (size_t i = 0; im->readers && i < im->meta.n_layers; i++)
        reader_close(&im->readers[i]);
    free(im->readers);
    for (size_t i = 0; i < im->meta.n_layers; i++)
        free(im->layer_members[i]);
    for (size_t i = 0; i < im->n_pool; i++)
        free(im->pool[i]);
    free(im->pool);
    free(im->layers);
    free(im->layer_members);
    node_free(im->root);
    for (size_t i = 0; i < im->cache.cap; i++)
        if (im->cache.keys[i]) {
            content *c = im->cache.vals[i];
            cache_unlink(c);
            c->owner = NULL;
        }
    smap_release(&im->cache, content_unref);
    lp_blobs_free(&im->blobs);
    free(im->s_path);
    free(im->s_ref);
    free(im->s_mdigest);
    free(im->s_cdigest);
    free(im->s_os);
    free(im->s_arch);
    free(im->s_variant);
    for (size_t i = 0; i < im->n_choices; i++)
        free(im->choices[i]);
    free(im->choices);
    free(im->s_choices);
    free(im);
}

static void im_free(lp_root *r) { image_free(r->priv); }

static const lp_root_ops image_ops = {
    .stat = im_stat,
    .readlink = im_readlink,
    .open = im_open,
    .list = im_list,
    .host_path = NULL,
    .image = im_meta,
    .free = im_free,
};

/* Follow links inside the view being built (parents that are links). */
static lp_code resolve_in_view(lp_root *r, image *im, const char *path, node **out, lp_err *err)
{
    char *canon = NULL;
    lp_ftype t;
    lp_err e;
    lp_err_clear(&e);
    lp_code rc = lp_root_realpath(r, path, &canon, &t, &e);
    if (rc) {
        if (rc != LP_ERR_NOTFOUND && err)
            *err = e;
        return rc;
    }
    *out = lookup(im, canon);
    free(canon);
    return *out ? LP_OK : LP_ERR_NOTFOUND;
}

/* ------------------------------------------------------------------ */
/* Opening                                                             */

/* Split "PATH[:SEL]" or "PATH@sha256:HEX" where PATH exists. */
static lp_code split_spec(const char *spec, char **path, char **sel, lp_err *err)
{
    struct stat st;
    *path = *sel = NULL;
    if (stat(spec, &st) == 0) {
        *path = strdup(spec);
        return *path ? LP_OK : nomem(err);
    }
    const char *at = strrchr(spec, '@');
    if (at && strncmp(at + 1, "sha256:", 7) == 0) {
        char *p = strndup(spec, (size_t)(at - spec));
        if (p && stat(p, &st) == 0) {
            *path = p;
            *sel = strdup(at + 1);
            return *sel ? LP_OK : nomem(err);
        }
        free(p);
    }
    for (const char *c = strchr(spec, ':'); c; c = strchr(c + 1, ':')) {
        char *p = strndup(spec, (size_t)(c - spec));
        if (p && *p && c[1] && stat(p, &st) == 0) {
            *path = p;
            *sel = strdup(c + 1);
            return *sel ? LP_OK : nomem(err);
        }
        free(p);
    }
    return lp_err_set(err, LP_ERR_IO, "'%s': cannot open image: no such file or directory", spec);
}

/* Set up the layers of the chosen image: members, digests, media types. */
static lp_code set_layers(image *im, size_t n, lp_err *err)
{
    if (n > LP_IMAGE_MAX_LAYERS)
        return lp_err_set(err, LP_ERR_LIMIT, "'%s': %zu layers, over the limit of %u",
                          lp_blobs_path(im->blobs), n, LP_IMAGE_MAX_LAYERS);
    im->layers = calloc(n ? n : 1, sizeof *im->layers);
    im->layer_members = calloc(n ? n : 1, sizeof *im->layer_members);
    im->readers = calloc(n ? n : 1, sizeof *im->readers);
    if (!im->layers || !im->layer_members || !im->readers)
        return nomem(err);
    im->meta.n_layers = n;
    im->meta.layers = im->layers;
    return LP_OK;
}

static lp_code read_config(image *im, json_t *cfg)
{
    im->s_os = xstrdup(jstr(cfg, "os"));
    im->s_arch = xstrdup(jstr(cfg, "architecture"));
    im->s_variant = xstrdup(jstr(cfg, "variant"));
    im->meta.os = im->s_os;
    im->meta.architecture = im->s_arch;
    im->meta.variant = im->s_variant;
    return LP_OK;
}

static lp_code open_oci(image *im, cands *c, size_t pick, lp_err *err)
{
    lp_blobs *b = im->blobs;
    cand *x = &c->v[pick];
    const char *hex = sha256_hex_of(x->digest);
    char *m = blob_member(hex);
    if (!m)
        return nomem(err);
    if (x->size >= 0 && lp_blobs_has(b, m) && lp_blobs_size(b, m) != (uint64_t)x->size) {
        lp_code rc = lp_err_set(err, LP_ERR_FORMAT,
                                "'%s': size mismatch: manifest %s should be %lld bytes, the blob "
                                "is %llu",
                                lp_blobs_path(b), x->digest, (long long)x->size,
                                (unsigned long long)lp_blobs_size(b, m));
        free(m);
        return rc;
    }
    json_t *man = NULL;
    lp_code rc = load_json(b, m, "manifest", hex, &man, err);
    free(m);
    if (rc)
        return rc;
    im->s_mdigest = strdup(x->digest);
    im->meta.manifest_digest = im->s_mdigest;
    json_t *cfgd = json_object_get(man, "config");
    const char *chex = sha256_hex_of(jstr(cfgd, "digest"));
    json_t *layers = json_object_get(man, "layers");
    if (!chex || !json_is_array(layers)) {
        json_decref(man);
        return lp_err_set(err, LP_ERR_FORMAT,
                          "'%s': manifest %s has no usable config digest or layer list",
                          lp_blobs_path(b), x->digest);
    }
    im->s_cdigest = strdup(jstr(cfgd, "digest"));
    im->meta.config_digest = im->s_cdigest;
    char *cm = blob_member(chex);
    json_t *cfg = NULL;
    rc = cm ? load_json(b, cm, "config", chex, &cfg, err) : nomem(err);
    free(cm);
    if (!rc)
        rc = read_config(im, cfg);
    json_decref(cfg);
    if (!rc)
        rc = set_layers(im, json_array_size(layers), err);
    for (size_t i = 0; !rc && i < im->meta.n_layers; i++) {
        json_t *l = json_array_get(layers, i);
        const char *d = jstr(l, "digest");
        const char *lhex = sha256_hex_of(d);
        if (!lhex) {
            rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': layer %zu of manifest %s has no usable "
                            "sha256 digest",
                            lp_blobs_path(b), i, x->digest);
            break;
        }
        bool ok = true;
        im->layers[i].digest = keep_str(im, d, &ok);
        im->layers[i].media_type = keep_str(im, jstr(l, "mediaType"), &ok);
        im->layer_members[i] = blob_member(lhex);
        im->layers[i].member = im->layer_members[i];
        if (!ok || !im->layer_members[i])
            rc = nomem(err);
        else if (!lp_blobs_has(b, im->layer_members[i]))
            rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': missing blob: layer %zu (%s) is not in the "
                            "image",
                            lp_blobs_path(b), i, d);
    }
    json_decref(man);
    return rc;
}

static lp_code open_legacy(image *im, cands *c, size_t pick, lp_err *err)
{
    lp_blobs *b = im->blobs;
    cand *x = &c->v[pick];
    const char *config = jstr(x->legacy, "Config");
    json_t *cfg = NULL;
    const char *chex = sha256_hex_of(x->digest);
    lp_code rc = load_json(b, config, "config", chex, &cfg, err);
    if (rc)
        return rc;
    im->s_cdigest = xstrdup(x->digest);
    im->meta.config_digest = im->s_cdigest;
    read_config(im, cfg);
    json_t *layers = json_object_get(x->legacy, "Layers");
    json_t *diff_ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
    rc = set_layers(im, json_array_size(layers), err);
    for (size_t i = 0; !rc && i < im->meta.n_layers; i++) {
        json_t *l = json_array_get(layers, i);
        if (!json_is_string(l)) {
            rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': manifest.json layer %zu is not a name",
                            lp_blobs_path(b), i);
            break;
        }
        const char *name = json_string_value(l);
        if (!(im->layer_members[i] = strdup(name))) {
            rc = nomem(err);
            break;
        }
        im->layers[i].member = im->layer_members[i];
        /* a blobs/sha256/HEX name is the blob's digest; else the config's diff_id is the
         * digest of the (uncompressed) layer tar, which is what docker save writes */
        const char *base = strrchr(name, '/');
        char d[80] = "";
        if (strncmp(name, "blobs/sha256/", 13) == 0)
            snprintf(d, sizeof d, "sha256:%s", name + 13);
        else if (json_is_array(diff_ids) && json_is_string(json_array_get(diff_ids, i)))
            snprintf(d, sizeof d, "%s", json_string_value(json_array_get(diff_ids, i)));
        (void)base;
        bool ok = true;
        if (sha256_hex_of(d))
            im->layers[i].digest = keep_str(im, d, &ok);
        if (!ok)
            rc = nomem(err);
        if (!rc && !lp_blobs_has(b, name))
            rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': missing blob: layer %zu ('%s') is not in the "
                            "image",
                            lp_blobs_path(b), i, name);
    }
    json_decref(cfg);
    return rc;
}

/*
 * Open the image file at path and read its list of images: the layout ("oci-dir", "oci-tar",
 * "docker-save") and one candidate per image (per platform of a multi-platform index).
 */
static lp_code read_index(const char *path, lp_dbudget *budget, const char *sel, lp_blobs **blobs,
                          const char **layout, bool *oci_out, cands *c, lp_err *err)
{
    bool is_dir = false;
    lp_code rc = lp_blobs_open(path, budget, blobs, &is_dir, err);
    if (rc)
        return rc;
    lp_blobs *b = *blobs;
    bool oci = lp_blobs_has(b, "index.json") && lp_blobs_has(b, "oci-layout");
    bool legacy = !oci && !is_dir && lp_blobs_has(b, "manifest.json");
    if (!oci && !legacy)
        return lp_err_set(err, LP_ERR_FORMAT,
                          is_dir ? "'%s': not an OCI image layout (no oci-layout and index.json)"
                                 : "'%s': not a container image (no index.json with oci-layout, no "
                                   "manifest.json)",
                          path);
    *oci_out = oci;
    *layout = oci ? (is_dir ? "oci-dir" : "oci-tar") : "docker-save";
    json_t *top = NULL;
    rc = load_json(b, oci ? "index.json" : "manifest.json", oci ? "index.json" : "manifest.json",
                   NULL, &top, err);
    smap seen = {0};
    if (!rc)
        rc = oci ? oci_collect(b, top, NULL, NULL, 0, &seen, c, err) : legacy_collect(b, top, c, err);
    smap_release(&seen, NULL);
    json_decref(top);
    if (!rc && legacy)
        rc = legacy_platforms(b, c, sel, err); /* from the configs, only for what sel keeps */
    return rc;
}

/*
 * An index entry without a platform (a single-platform image): its manifest names its config,
 * which says the platform. Each config is read once however many images share it; what cannot
 * be read leaves the platform unknown (NULL).
 */
static void platforms_from_configs(lp_blobs *b, lp_image_list *l)
{
    char **seen = calloc(l->n ? l->n : 1, sizeof *seen); /* config digests read, parallel to their entry */
    for (size_t i = 0; seen && i < l->n; i++) {
        lp_image_entry *e = &l->images[i];
        const char *hex = sha256_hex_of(e->digest);
        if (e->os || !hex)
            continue;
        json_t *man = NULL, *cfg = NULL;
        char *m = blob_member(hex);
        lp_err le;
        lp_err_clear(&le);
        if (m && load_json(b, m, "manifest", hex, &man, &le) == LP_OK) {
            const char *cd = jstr(json_object_get(man, "config"), "digest");
            const char *chex = sha256_hex_of(cd);
            size_t k = 0;
            while (k < i && !(seen[k] && cd && strcmp(seen[k], cd) == 0))
                k++;
            if (k < i) {
                /* the same config as an earlier image: the same platform */
                e->os = xstrdup(l->images[k].os);
                e->architecture = xstrdup(l->images[k].architecture);
                e->variant = xstrdup(l->images[k].variant);
            } else if (chex) {
                char *cm = blob_member(chex);
                if (cm && load_json(b, cm, "config", chex, &cfg, &le) == LP_OK) {
                    e->os = xstrdup(jstr(cfg, "os"));
                    e->architecture = xstrdup(jstr(cfg, "architecture"));
                    e->variant = xstrdup(jstr(cfg, "variant"));
                }
                free(cm);
            }
            seen[i] = xstrdup(cd);
        }
        free(m);
        json_decref(man);
        json_decref(cfg);
    }
    for (size_t i = 0; seen && i < l->n; i++)
        free(seen[i]);
    free(seen);
}

lp_code lp_image_list_read(const char *spec, lp_image_list *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    char *path = NULL, *sel = NULL;
    lp_code rc = split_spec(spec, &path, &sel, err);
    if (rc)
        return rc;
    lp_blobs *b = NULL;
    cands c = {0};
    bool oci = false;
    bool *keep = NULL;
    out->path = path;
    lp_dbudget budget = {0}; /* the blobs are released before this returns */
    if ((rc = read_index(path, &budget, sel, &b, &out->layout, &oci, &c, err)))
        goto done;
    keep = calloc(c.n ? c.n : 1, sizeof *keep);
    out->images = calloc(c.n ? c.n : 1, sizeof *out->images);
    if (!keep || !out->images) {
        rc = nomem(err);
        goto done;
    }
    for (size_t i = 0; i < c.n; i++) {
        if (!(keep[i] = sel_keeps(sel, &c.v[i])))
            continue;
        /* the candidate's strings move to the entry */
        cand *x = &c.v[i];
        lp_image_entry *e = &out->images[out->n++];
        for (int k = 0; k < 3; k++) {
            e->refs[k] = x->refs[k];
            x->refs[k] = NULL;
        }
        e->os = x->os, e->architecture = x->arch, e->variant = x->variant;
        e->digest = x->digest, e->index_digest = x->parent, e->media_type = x->media_type;
        e->size = x->size;
        x->os = x->arch = x->variant = x->digest = x->parent = x->media_type = NULL;
    }
    out->several = several_images(&c, keep);
    if (oci)
        platforms_from_configs(b, out);
    if (!out->n && sel)
        rc = lp_err_set(err, LP_ERR_NOTFOUND, "'%s': no image matches '%s'", path, sel);
done:
    free(keep);
    free(sel);
    cands_release(&c);
    lp_blobs_free(&b);
    if (rc)
        lp_image_list_release(out);
    return rc;
}

void lp_image_list_release(lp_image_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        lp_image_entry *e = &l->images[i];
        for (int k = 0; k < 3; k++)
            free(e->refs[k]);
        free(e->os);
        free(e->architecture);
        free(e->variant);
        free(e->digest);
        free(e->index_digest);
        free(e->media_type);
    }
    free(l->images);
    free(l->path);
    memset(l, 0, sizeof *l);
}

lp_code lp_root_open_image(lp_root **out, const char *spec, const lp_image_opts *opts,
                           lp_err *err)
{
    *out = NULL;
    char *path = NULL, *sel = NULL;
    lp_code rc = split_spec(spec, &path, &sel, err);
    if (rc)
        return rc;
    image *im = calloc(1, sizeof *im);
    lp_root *r = NULL;
    cands c = {0};
    if (!im) {
        rc = nomem(err);
        goto fail;
    }
    im->s_path = path;
    path = NULL;
    im->prefetch = opts && opts->prefetch_libraries;
    im->meta.path = im->s_path;
    bool oci = false;
    if ((rc = read_index(im->s_path, &im->budget, sel, &im->blobs, &im->meta.layout, &oci, &c, err)))
        goto fail;
    lp_blobs *b = im->blobs;
    size_t pick = SIZE_MAX;
    if ((rc = choose(b, &c, sel, opts, &pick, err)))
        goto fail;
    im->choices = calloc(c.n, sizeof *im->choices);
    for (size_t i = 0; im->choices && i < c.n; i++) {
        char t[256];
        choice_text(&c.v[i], t, sizeof t);
        if ((im->choices[im->n_choices] = strdup(t)))
            im->n_choices++;
    }
    im->meta.choices = (const char *const *)im->choices;
    im->meta.n_choices = im->n_choices;
    lp_strbuf cs = {0};
    for (size_t i = 0; i < im->n_choices; i++) {
        lp_sb_adds(&cs, i ? "; " : "");
        lp_sb_adds(&cs, im->choices[i]);
    }
    im->s_choices = lp_sb_take(&cs);
    im->meta.choices_text = im->s_choices ? im->s_choices : "";
    const char *ref = c.v[pick].refs[0] ? c.v[pick].refs[0] : c.v[pick].refs[1];
    im->s_ref = xstrdup(ref);
    im->meta.ref = im->s_ref;
    rc = oci ? open_oci(im, &c, pick, err) : open_legacy(im, &c, pick, err);
    if (rc)
        goto fail;
    im->root = node_new("", LP_FT_DIR, -1, 0);
    if (!im->root) {
        rc = nomem(err);
        goto fail;
    }
    im->n_paths = 1;
    r = lp_root_new(&image_ops, spec, im);
    if (!r) {
        rc = nomem(err);
        goto fail;
    }
    r->image = true;
    for (size_t i = 0; i < im->meta.n_layers; i++) {
        const char *want = im->layers[i].digest ? sha256_hex_of(im->layers[i].digest) : NULL;
        if ((rc = index_layer(im, r, i, want, err)))
            break;
    }
    lp_root_refresh(r);
    im->meta.n_paths = im->n_paths;
    if (rc) {
        lp_root_free(&r); /* frees im */
        im = NULL;
        goto fail;
    }
    cands_release(&c);
    free(sel);
    *out = r;
    return LP_OK;
fail:
    cands_release(&c);
    image_free(im);
    free(path);
    free(sel);
    return rc;
}

const lp_image_meta *lp_root_image(const lp_root *root)
{
    return root && root->ops->image ? root->ops->image(root) : NULL;
}

/* ------------------------------------------------------------------ */
/* Every file in layer order (image_files.h)                           */

typedef struct file_list {
    node **v;
    size_t n, cap;
} file_list;

static bool collect_files(node *d, file_list *fl, int depth)
{
    if (depth > LP_ROOT_PATH_MAX / 2)
        return true; /* deeper than any path the index accepts */
    for (size_t i = 0; i < d->kids.cap; i++) {
        if (!d->kids.keys[i])
            continue;
        node *k = d->kids.vals[i];
        if (k->type == LP_FT_DIR) {
            if (!collect_files(k, fl, depth + 1))
                return false;
        } else if (k->type == LP_FT_REG) {
            if (fl->n == fl->cap) {
                size_t nc = fl->cap ? fl->cap * 2 : 256;
                node **nv = realloc(fl->v, nc * sizeof *nv);
                if (!nv)
                    return false;
                fl->v = nv;
                fl->cap = nc;
            }
            fl->v[fl->n++] = k;
        }
    }
    return true;
}

/* The path of n, "/a/b", into buf (false when longer than buf). */
static bool image_node_path(const node *n, char *buf, size_t len)
{
    size_t at = len - 1;
    buf[at] = '\0';
    for (const node *p = n; p && p->parent; p = p->parent) {
        size_t l = strlen(p->name);
        if (l + 1 > at)
            return false;
        at -= l;
        memcpy(buf + at, p->name, l);
        buf[--at] = '/';
    }
    if (at == len - 1)
        buf[--at] = '/';
    memmove(buf, buf + at, len - at);
    return true;
}

static int by_bytes(const void *a, const void *b)
{
    const node *x = *(node *const *)a, *y = *(node *const *)b;
    if (x->data_layer != y->data_layer)
        return x->data_layer < y->data_layer ? -1 : 1;
    if (x->data_entry != y->data_entry)
        return x->data_entry < y->data_entry ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry ? 1 : x->layer - y->layer;
}

lp_code lp_image_each_file(lp_root *r, bool (*want)(void *ctx, const char *path, uint64_t size,
                                                    uint32_t mode),
                           lp_image_file_fn fn, void *ctx, lp_err *err)
{
    if (r->ops != &image_ops)
        return lp_err_set(err, LP_ERR_INVAL, "'%s': not an image", r->label);
    image *im = r->priv;
    file_list fl = {NULL, 0, 0};
    if (!collect_files(im->root, &fl, 0)) {
        free(fl.v);
        return nomem(err);
    }
    if (fl.n)
        qsort(fl.v, fl.n, sizeof *fl.v, by_bytes);
    char path[LP_ROOT_PATH_MAX + 2];
    for (size_t i = 0; i < fl.n; i++) {
        node *n = fl.v[i];
        lp_err e;
        lp_err_clear(&e);
        lp_src *src = NULL;
        if (!image_node_path(n, path, sizeof path))
            continue;
        if (!want || want(ctx, path, n->size, n->mode)) {
            char *disp = NULL;
            if (asprintf(&disp, "%s:%s", r->label, path) < 0) {
                free(fl.v);
                return nomem(err);
            }
            lp_code rc = read_entry(im, n->data_layer, n->data_entry, n->size, disp, &src, &e);
            free(disp);
            if (rc == LP_ERR_NOMEM) {
                free(fl.v);
                return nomem(err);
            }
        }
        if (!fn(ctx, path, n->size, n->mode, src, &e))
            break;
    }
    free(fl.v);
    return LP_OK;
}
