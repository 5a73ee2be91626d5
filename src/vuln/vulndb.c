/*
 * vulndb.c - an offline Go vulnerability database: the layout vuln.go.dev
 * serves (index/modules.json[.gz], ID/<id>.json[.gz]) or a plain folder of
 * OSV reports (*.json; or its ID/ folder). Owns the reports read and the map
 * from module path ("stdlib", "toolchain" included) to the reports naming it.
 *
 * A plain folder is read once, at open. With an index only the index is read
 * at open; a module's reports are read the first time a binary holding it is
 * matched, under the database's mutex, and kept (a report naming several
 * modules is read once). Every file is held to the json limit, and all the
 * bytes read in one run to the vulndb limit; ids from the index must be plain
 * names before they become file names.
 *
 * Invariant: once a module's list is published (mod_list.loaded) neither it
 * nor the reports it points to change until lp_vulndb_free, so matching reads
 * them without the lock.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "linkproof/limits.h"
#include "linkproof/source.h"
#include "linkproof/vulns.h"
#include "util/jsonlimit.h"
#include "util/smap.h"
#include "vuln/osv.h"
#include "vuln/vulndb.h"

#define MAX_REPORTS 1000000u

struct lp_vulndb {
    char *dir;
    bool indexed;
    pthread_mutex_t mu;
    lp_osv **reports;
    size_t n_reports, cap_reports;
    smap by_id;      /* id -> report index + 1 (as a pointer-sized integer) */
    smap by_module;  /* module -> lp_vuln_modlist * */
    size_t count;    /* index entries or files */
    uint64_t bytes;  /* read so far, against the vulndb limit */
};

static void free_modlist(void *p)
{
    lp_vuln_modlist *m = p;
    if (!m)
        return;
    for (size_t i = 0; i < m->n_ids; i++)
        free(m->ids[i]);
    free(m->ids);
    free(m->idx);
    free(m->view);
    free(m);
}

void lp_vulndb_free(lp_vulndb **pdb)
{
    if (!pdb || !*pdb)
        return;
    lp_vulndb *db = *pdb;
    for (size_t i = 0; i < db->n_reports; i++)
        lp_osv_free(&db->reports[i]);
    free(db->reports);
    smap_release(&db->by_id, NULL);
    smap_release(&db->by_module, free_modlist);
    pthread_mutex_destroy(&db->mu);
    free(db->dir);
    free(db);
    *pdb = NULL;
}

size_t lp_vulndb_count(const lp_vulndb *db) { return db ? db->count : 0; }
const char *lp_vulndb_layout(const lp_vulndb *db) { return db && db->indexed ? "index" : "folder"; }
const char *lp_vulndb_dir(const lp_vulndb *db) { return db ? db->dir : NULL; }

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

static bool ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* gunzip @p in into a new buffer of at most @p max bytes. */
static lp_code gunzip(const char *path, const char *in, size_t n, uint64_t max, char **out,
                      size_t *out_len, lp_err *err)
{
    *out = NULL;
    *out_len = 0;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return nomem(err);
    size_t cap = n * 4 + 1024, len = 0;
    if (max && cap > max + 1)
        cap = (size_t)max + 1;
    char *buf = malloc(cap + 1);
    if (!buf) {
        inflateEnd(&z);
        return nomem(err);
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    lp_code rc = LP_OK;
    for (;;) {
        if (len == cap) {
            if (max && len > max) {
                rc = lp_limit_err(err, LP_LIMIT_JSON, "'%s': decompressed index", path);
                break;
            }
            size_t ncap = cap * 2;
            if (max && ncap > max + 1)
                ncap = (size_t)max + 1;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                rc = nomem(err);
                break;
            }
            buf = nb;
            cap = ncap;
        }
        z.next_out = (Bytef *)buf + len;
        z.avail_out = (uInt)(cap - len);
        int zr = inflate(&z, Z_NO_FLUSH);
        len = cap - z.avail_out;
        if (zr == Z_STREAM_END)
            break;
        if (zr != Z_OK && !(zr == Z_BUF_ERROR && len == cap)) {
            rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': bad gzip data", path);
            break;
        }
    }
    inflateEnd(&z);
    if (!rc && max && len > max)
        rc = lp_limit_err(err, LP_LIMIT_JSON, "'%s': decompressed index", path);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return LP_OK;
}

/* Read @p path (gunzipped when it ends in .gz), counted against the vulndb limit. */
static lp_code read_file(lp_vulndb *db, const char *path, char **out, size_t *len, lp_err *err)
{
    uint64_t max = lp_limit(LP_LIMIT_JSON);
    char *raw = NULL;
    size_t n = 0;
    lp_code rc = lp_file_read_all(path, "vulnerability database file", max, LP_LIMIT_JSON, &raw, &n, err);
    if (rc)
        return rc;
    db->bytes += n;
    uint64_t total = lp_limit(LP_LIMIT_VULNDB);
    if (total && db->bytes > total) {
        free(raw);
        return lp_limit_err(err, LP_LIMIT_VULNDB, "'%s': reports read", path);
    }
    if (ends_with(path, ".gz")) {
        rc = gunzip(path, raw, n, max, out, len, err);
        free(raw);
        return rc;
    }
    *out = raw;
    *len = n;
    return LP_OK;
}

static lp_vuln_modlist *modlist_get(lp_vulndb *db, const char *module, bool create)
{
    lp_vuln_modlist *m = smap_get(&db->by_module, module);
    if (m || !create)
        return m;
    m = calloc(1, sizeof *m);
    if (!m || !smap_put(&db->by_module, module, m)) {
        free(m);
        return NULL;
    }
    return m;
}

static bool modlist_add_idx(lp_vuln_modlist *m, size_t idx)
{
    for (size_t i = 0; i < m->n_idx; i++)
        if (m->idx[i] == idx)
            return true;
    size_t *ni = realloc(m->idx, (m->n_idx + 1) * sizeof *ni);
    if (!ni)
        return false;
    m->idx = ni;
    m->idx[m->n_idx++] = idx;
    return true;
}

/* Keep a parsed report; with @p index_all, list it under every module it names. */
static lp_code keep(lp_vulndb *db, lp_osv *o, bool index_all, size_t *idx_out, lp_err *err)
{
    if (db->n_reports == db->cap_reports) {
        size_t nc = db->cap_reports ? db->cap_reports * 2 : 256;
        lp_osv **nr = realloc(db->reports, nc * sizeof *nr);
        if (!nr)
            return nomem(err);
        db->reports = nr;
        db->cap_reports = nc;
    }
    size_t idx = db->n_reports++;
    db->reports[idx] = o;
    if (!smap_put(&db->by_id, o->id, (void *)(uintptr_t)(idx + 1)))
        return nomem(err);
    if (index_all)
        for (size_t i = 0; i < o->n_aff; i++) {
            lp_vuln_modlist *m = modlist_get(db, o->aff[i].module, true);
            if (!m || !modlist_add_idx(m, idx))
                return nomem(err);
            m->loaded = true;
        }
    if (idx_out)
        *idx_out = idx;
    return LP_OK;
}

static lp_code load_report(lp_vulndb *db, const char *path, bool index_all, size_t *idx, lp_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    lp_code rc = read_file(db, path, &buf, &len, err);
    if (rc)
        return rc;
    lp_osv *o = NULL;
    rc = lp_osv_parse(buf, len, path, &o, err);
    free(buf);
    if (rc)
        return rc;
    if (smap_has(&db->by_id, o->id)) {
        /* the same id twice (x.json and x.json.gz): keep the first */
        if (idx)
            *idx = (size_t)(uintptr_t)smap_get(&db->by_id, o->id) - 1;
        lp_osv_free(&o);
        return LP_OK;
    }
    rc = keep(db, o, index_all, idx, err);
    if (rc && (!db->n_reports || db->reports[db->n_reports - 1] != o))
        lp_osv_free(&o);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool skip_name(const char *n)
{
    static const char *const idx[] = {"index.json", "aliases.json", "db.json", "modules.json",
                                      "vulns.json"};
    for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++)
        if (strcmp(n, idx[i]) == 0)
            return true;
    return n[0] == '.' || !(ends_with(n, ".json") || ends_with(n, ".json.gz"));
}

static lp_code load_folder(lp_vulndb *db, const char *dir, lp_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return lp_err_set(err, LP_ERR_IO, "'%s': cannot read vulnerability database: %s", dir,
                          strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    lp_code rc = LP_OK;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (skip_name(de->d_name))
            continue;
        if (n == MAX_REPORTS) {
            rc = lp_err_set(err, LP_ERR_LIMIT, "'%s': more than %u reports", dir, MAX_REPORTS);
            break;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 1024;
            char **nn = realloc(names, nc * sizeof *nn);
            if (!nn) {
                rc = nomem(err);
                break;
            }
            names = nn;
            cap = nc;
        }
        if (!(names[n] = strdup(de->d_name))) {
            rc = nomem(err);
            break;
        }
        n++;
    }
    closedir(d);
    if (!rc && n == 0)
        rc = lp_err_set(err, LP_ERR_NOTFOUND,
                        "'%s': no OSV reports (*.json) and no index/modules.json: not a "
                        "vulnerability database", dir);
    if (!rc) {
        qsort(names, n, sizeof *names, cmp_str); /* a stable order: the first of a duplicate id wins */
        for (size_t i = 0; i < n && !rc; i++) {
            char path[4096];
            if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= sizeof path) {
                rc = lp_err_set(err, LP_ERR_INVAL, "'%s': path too long", dir);
                break;
            }
            struct stat st;
            if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
                continue;
            rc = load_report(db, path, true, NULL, err);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    db->count = db->n_reports;
    return rc;
}

static bool plain_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_'))
            return false;
    }
    return true;
}

/* index/modules.json: [{"path": MODULE, "vulns": [{"id": ID, ...}, ...]}, ...] */
static lp_code load_index(lp_vulndb *db, const char *path, lp_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    lp_code rc = read_file(db, path, &buf, &len, err);
    if (rc)
        return rc;
    rc = lp_json_check(buf, len, path, "index", err);
    json_t *root = NULL;
    if (!rc) {
        json_error_t je;
        root = json_loadb(buf, len, 0, &je);
        if (!root)
            rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': index: %s (line %d)", path, je.text, je.line);
    }
    free(buf);
    if (rc)
        return rc;
    smap ids = {0};
    if (!json_is_array(root))
        rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': index: not an array of modules", path);
    for (size_t i = 0; !rc && i < json_array_size(root); i++) {
        json_t *m = json_array_get(root, i), *p = json_object_get(m, "path"),
               *v = json_object_get(m, "vulns");
        if (!json_is_string(p) || !json_is_array(v) || json_string_length(p) > LP_OSV_MAX_STRING ||
            strlen(json_string_value(p)) != json_string_length(p)) {
            rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': index: entry %zu has no \"path\" or \"vulns\"",
                            path, i);
            break;
        }
        lp_vuln_modlist *ml = modlist_get(db, json_string_value(p), true);
        if (!ml) {
            rc = nomem(err);
            break;
        }
        for (size_t k = 0; !rc && k < json_array_size(v); k++) {
            json_t *id = json_object_get(json_array_get(v, k), "id");
            if (!json_is_string(id) || !plain_id(json_string_value(id))) {
                rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': index: a vulnerability of '%s' without a "
                                "plain \"id\"", path, json_string_value(p));
                break;
            }
            if (ml->n_ids >= MAX_REPORTS) {
                rc = lp_err_set(err, LP_ERR_LIMIT, "'%s': index: more than %u ids", path, MAX_REPORTS);
                break;
            }
            char **nid = realloc(ml->ids, (ml->n_ids + 1) * sizeof *nid);
            if (!nid || !(nid[ml->n_ids] = strdup(json_string_value(id)))) {
                if (nid)
                    ml->ids = nid;
                rc = nomem(err);
                break;
            }
            ml->ids = nid;
            ml->n_ids++;
            if (!smap_has(&ids, json_string_value(id))) {
                if (!smap_put(&ids, json_string_value(id), NULL))
                    rc = nomem(err);
                db->count++;
            }
        }
    }
    smap_release(&ids, NULL);
    json_decref(root);
    return rc;
}

lp_code lp_vulndb_open(const char *dir, lp_vulndb **out, lp_err *err)
{
    *out = NULL;
    if (!dir || !*dir)
        dir = getenv("LINKPROOF_VULNDB");
    if (!dir || !*dir)
        return lp_err_set(err, LP_ERR_INVAL,
                          "no vulnerability database: give --vulndb DIR or set LINKPROOF_VULNDB");
    struct stat st;
    if (stat(dir, &st) != 0)
        return lp_err_set(err, LP_ERR_IO, "'%s': cannot read vulnerability database: %s", dir,
                          strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return lp_err_set(err, LP_ERR_INVAL, "'%s': a vulnerability database is a directory", dir);
    lp_vulndb *db = calloc(1, sizeof *db);
    if (!db || !(db->dir = strdup(dir))) {
        free(db);
        return nomem(err);
    }
    pthread_mutex_init(&db->mu, NULL);
    char path[4096];
    lp_code rc = LP_OK;
    const char *idx[] = {"index/modules.json", "index/modules.json.gz"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, idx[i]);
        if (stat(path, &st) == 0) {
            db->indexed = true;
            rc = load_index(db, path, err);
            break;
        }
    }
    if (!db->indexed) {
        snprintf(path, sizeof path, "%s/ID", dir);
        bool id_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
        rc = load_folder(db, id_dir ? path : dir, err);
    }
    if (rc) {
        lp_vulndb_free(&db);
        return rc;
    }
    *out = db;
    return LP_OK;
}

/* Read the reports the index lists for @p m (under the lock). */
static lp_code load_module(lp_vulndb *db, lp_vuln_modlist *m, lp_err *err)
{
    for (size_t i = 0; i < m->n_ids; i++) {
        void *have = smap_get(&db->by_id, m->ids[i]);
        size_t idx;
        if (have) {
            idx = (size_t)(uintptr_t)have - 1;
        } else {
            char path[4096];
            struct stat st;
            snprintf(path, sizeof path, "%s/ID/%s.json", db->dir, m->ids[i]);
            if (stat(path, &st) != 0)
                snprintf(path, sizeof path, "%s/ID/%s.json.gz", db->dir, m->ids[i]);
            lp_code rc = load_report(db, path, false, &idx, err);
            if (rc)
                return rc;
        }
        if (!modlist_add_idx(m, idx))
            return nomem(err);
    }
    m->loaded = true;
    return LP_OK;
}

lp_code lp_vulndb_module(lp_vulndb *db, const char *module, const lp_osv *const **out, size_t *n,
                         lp_err *err)
{
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&db->mu);
    lp_vuln_modlist *m = modlist_get(db, module, false);
    lp_code rc = LP_OK;
    if (m && !m->loaded && db->indexed)
        rc = load_module(db, m, err);
    if (!rc && m && m->loaded) {
        /* a snapshot of the pointers: the report array may move as other modules load */
        if (!m->view) {
            m->view = calloc(m->n_idx ? m->n_idx : 1, sizeof *m->view);
            if (!m->view)
                rc = nomem(err);
            for (size_t i = 0; !rc && i < m->n_idx; i++)
                m->view[i] = db->reports[m->idx[i]];
        }
        if (!rc) {
            *out = (const lp_osv *const *)m->view;
            *n = m->n_idx;
        }
    }
    pthread_mutex_unlock(&db->mu);
    return rc;
}
