/*
 * registry.c - the trusted-fingerprint registry: what every backend shares.
 *
 * Owns: choosing the backend (a PostgreSQL connection string or URL, else an
 * SQLite file), the label rules (UTF-8 text, one label per build), how a key
 * names entries (id, label, build ID or hash, unique prefix), the
 * transaction around every change, import and copy (all or nothing), and the
 * messages a user reads. The backends (sqlite.c, postgres.c) only store and
 * fetch rows through store.h, so both answer every question the same way.
 *
 * Invariants: every change runs inside one write transaction of the backend,
 * and a check made inside it (is this code there under another label?) holds
 * when it commits; a failure rolls the whole change back. A registry opened
 * read-only is never written.
 */
#include "linkproof/registry.h"
#include "store/store.h"
#include "util/jsonlimit.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/strbuf.h"

/* Rows per batch of a copy: what one round trip carries, and all a copy holds in memory. */
#define COPY_BATCH 1000u

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

lp_registry *lp_store_new(const lp_store_ops *ops, const char *name, bool readonly)
{
    lp_registry *r = calloc(1, sizeof *r);
    if (!r || !(r->name = strdup(name))) {
        free(r);
        return NULL;
    }
    r->ops = ops;
    r->readonly = readonly;
    return r;
}

void lp_store_free(lp_registry *r)
{
    if (r) {
        free(r->name);
        free(r);
    }
}

bool lp_store_push(lp_reg_list *out, int64_t id, const char *const cols[7], uint64_t code_size)
{
    /* the capacity is the next power of two at or above n (0 and 16 upwards) */
    size_t n = out->n;
    if (n == 0 || (n >= 16 && (n & (n - 1)) == 0)) {
        size_t cap = n ? n * 2 : 16;
        lp_reg_entry *ne = realloc(out->e, cap * sizeof *ne);
        if (!ne)
            return false;
        out->e = ne;
    }
    lp_reg_entry *e = &out->e[out->n];
    memset(e, 0, sizeof *e);
    char **dst[7] = {&e->label, &e->go_build_id, &e->gnu_build_id, &e->sha256, &e->code_sha256, &e->path,
                     &e->added_at};
    bool oom = false;
    for (int i = 0; i < 7; i++)
        if (cols[i] && !(*dst[i] = strdup(cols[i])))
            oom = true;
    /* label and the hashes are NOT NULL columns: never hand out a NULL for them */
    for (int i = 0; i < 5 && !oom; i++)
        if (i != 1 && i != 2 && !*dst[i] && !(*dst[i] = strdup("")))
            oom = true;
    e->id = id;
    e->code_size = code_size;
    out->n++; /* released with the list, also when incomplete */
    return !oom;
}

bool lp_registry_is_postgres(const char *where)
{
    if (!where)
        return false;
    if (!strncmp(where, "postgresql://", 13) || !strncmp(where, "postgres://", 11))
        return true;
    /* libpq's key=value form: the first word is one of its keywords, then '=' */
    static const char *const keys[] = {"host", "hostaddr", "port", "dbname", "user", "service", "sslmode",
                                       "options", "application_name", "connect_timeout", "target_session_attrs",
                                       "passfile", "sslrootcert", "sslcert", "sslkey", "gssencmode"};
    const char *p = where;
    while (*p == ' ' || *p == '\t')
        p++;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        size_t n = strlen(keys[i]);
        if (!strncmp(p, keys[i], n)) {
            const char *q = p + n;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == '=')
                return true;
        }
    }
    return false;
}

lp_code lp_registry_open(const char *where, unsigned flags, lp_registry **out, lp_err *err)
{
    *out = NULL;
    if (!where || !*where)
        return lp_err_set(err, LP_ERR_INVAL, "no registry given (an empty path)");
    if ((flags & LP_REG_CREATE) && (flags & LP_REG_READONLY))
        return lp_err_set(err, LP_ERR_INVAL, "'%s': a registry cannot be created read-only", where);
    return lp_registry_is_postgres(where) ? lp_store_pg_open(where, flags, out, err)
                                          : lp_store_sqlite_open(where, flags, out, err);
}

void lp_registry_close(lp_registry **pr)
{
    if (!pr || !*pr)
        return;
    if ((*pr)->ops && (*pr)->impl)
        (*pr)->ops->close(*pr);
    lp_store_free(*pr);
    *pr = NULL;
}

const char *lp_registry_name(const lp_registry *r) { return r ? r->name : NULL; }

bool lp_registry_outcome_unknown(const lp_registry *r) { return r && r->outcome_unknown; }

const char *lp_registry_backend(const lp_registry *r) { return r ? r->ops->kind : NULL; }

bool lp_registry_usable(const lp_registry *r) { return r && r->ops->usable(r); }

char *lp_registry_default_path(void)
{
    const char *p = getenv("LINKPROOF_REGISTRY");
    if (p && *p)
        return strdup(p);
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    char buf[4096];
    if (xdg && *xdg)
        snprintf(buf, sizeof buf, "%s/linkproof/registry.db", xdg);
    else if (home && *home)
        snprintf(buf, sizeof buf, "%s/.local/share/linkproof/registry.db", home);
    else
        return NULL;
    return strdup(buf);
}

static lp_code writable(lp_registry *r, lp_err *err)
{
    if (r->readonly)
        return lp_err_set(err, LP_ERR_INVAL, "'%s': the registry was opened read-only", r->name);
    return LP_OK;
}

static void now_iso(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * The length of the UTF-8 sequence at s as RFC 3629 defines it (no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 when it is not one; with
 * text_only, C0 controls, DEL and C1 controls are not either.
 */
static size_t utf8_seq(const unsigned char *s, bool text_only)
{
    unsigned c = *s;
    if (c < 0x80)
        return text_only && (c < 0x20 || c == 0x7f) ? 0 : 1;
    size_t n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    if (n == 0 || c > 0xf4)
        return 0;
    uint32_t cp = c & (0x3fu >> n);
    for (size_t i = 1; i <= n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0; /* also stops at the NUL */
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    static const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (text_only && cp >= 0x80 && cp <= 0x9f))
        return 0;
    return n + 1;
}

/* One line of UTF-8 text: no C0 control, DEL or C1 control. */
bool lp_registry_label_ok(const char *label)
{
    const unsigned char *s = (const unsigned char *)label;
    if (!s || !*s)
        return false;
    for (size_t n; *s; s += n)
        if (!(n = utf8_seq(s, true)))
            return false;
    return true;
}

static bool utf8_ok(const char *str)
{
    for (const unsigned char *s = (const unsigned char *)str; s && *s;) {
        size_t n = utf8_seq(s, false);
        if (!n)
            return false;
        s += n;
    }
    return true;
}

/*
 * Every text a registry stores is UTF-8 (PostgreSQL refuses anything else,
 * and export writes JSON): a path or build ID that is not gets U+FFFD for
 * each byte that is not, on both backends, as export shows it. NULL when s
 * is fine as it is (or s is NULL); *oom when a copy was needed and failed.
 */
static char *utf8_fixed(const char *str, bool *oom)
{
    if (!str || utf8_ok(str))
        return NULL;
    lp_strbuf sb = {0};
    for (const unsigned char *s = (const unsigned char *)str; *s;) {
        size_t n = utf8_seq(s, false);
        if (n) {
            lp_sb_add(&sb, s, n);
            s += n;
        } else {
            lp_sb_add(&sb, "\xef\xbf\xbd", 3);
            s++;
        }
    }
    char *out = lp_sb_take(&sb);
    if (!out)
        *oom = true;
    return out;
}

/* The text fields of a row made UTF-8; the copies made are in owned[0..5), to free. */
static void row_utf8(lp_store_row *e, char *owned[5], bool *oom)
{
    const char **f[5] = {&e->go_build_id, &e->gnu_build_id, &e->sha256, &e->path, &e->added_at};
    for (int i = 0; i < 5; i++) {
        owned[i] = utf8_fixed(*f[i], oom);
        if (owned[i])
            *f[i] = owned[i];
    }
}

static const char *const label_rule = "a label must be non-empty UTF-8 text without control characters";

/* Bounds on what one entry may hold, so that no row (and no list of rows) can be large. */
static lp_code fields_fit(const lp_store_row *e, const char *name, size_t line, lp_err *err)
{
    const struct {
        const char *what, *v;
        size_t max;
    } f[] = {
        {"label", e->label, LP_REGISTRY_LABEL_MAX},  {"path", e->path, LP_REGISTRY_PATH_MAX},
        {"go_build_id", e->go_build_id, 256},        {"gnu_build_id", e->gnu_build_id, 256},
        {"added_at", e->added_at, 64},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].v && strlen(f[i].v) > f[i].max)
            return line ? lp_err_set(err, LP_ERR_LIMIT, "'%s': line %zu: a %s of %zu bytes, over the "
                                     "limit of %zu",
                                     name, line, f[i].what, strlen(f[i].v), f[i].max)
                        : lp_err_set(err, LP_ERR_LIMIT, "a %s of %zu bytes, over the limit of %zu",
                                     f[i].what, strlen(f[i].v), f[i].max);
    return LP_OK;
}

/*
 * Insert rows inside the caller's write transaction; a row whose build is
 * there under another label is an error naming it (where(i) says which input
 * it came from) and the label it has.
 */
typedef void (*where_fn)(const void *ctx, size_t i, char *buf, size_t n);

static lp_code insert_rows(lp_registry *r, const lp_store_row *rows, size_t n, where_fn where, const void *ctx,
                           size_t *added, lp_err *err)
{
    size_t conflict = n, a = 0;
    char *have = NULL;
    lp_code rc = r->ops->insert(r, rows, n, &a, &conflict, &have, err);
    *added += a;
    if (!rc && conflict < n) {
        char w[4200];
        where(ctx, conflict, w, sizeof w);
        const lp_store_row *e = &rows[conflict];
        rc = lp_err_set(err, LP_ERR_INVAL,
                        "%s: this build (code %.16s) is already registered as '%s': one build has one "
                        "label; rename it with 'linkproof registry rename %.16s \"%s\"'",
                        w, e->code_sha256, have ? have : "", e->code_sha256, e->label);
    }
    free(have);
    return rc;
}

static void where_path(const void *ctx, size_t i, char *buf, size_t n)
{
    (void)i;
    snprintf(buf, n, "'%s'", ctx ? (const char *)ctx : "(no path)");
}

lp_code lp_registry_add(lp_registry *r, const lp_fingerprint *f, const char *path, const char *label,
                        bool *added, lp_err *err)
{
    *added = false;
    if (!lp_registry_label_ok(label))
        return lp_err_set(err, LP_ERR_INVAL, "%s", label_rule);
    lp_code rc = fields_fit(&(lp_store_row){label, f->go_build_id, f->gnu_build_id, NULL, NULL, 0, path, NULL},
                            NULL, 0, err);
    if (rc || (rc = writable(r, err)))
        return rc;
    char ts[32];
    now_iso(ts);
    lp_store_row e = {label, f->go_build_id, f->gnu_build_id, f->sha256, f->code_sha256, f->code_size, path, ts};
    char *owned[5];
    bool oom = false;
    row_utf8(&e, owned, &oom);
    size_t n = 0;
    if (oom)
        rc = nomem(err);
    else if (!(rc = r->ops->begin(r, true, err))) {
        rc = insert_rows(r, &e, 1, where_path, path, &n, err);
        if (!rc)
            rc = r->ops->commit(r, err);
        else
            r->ops->rollback(r);
    }
    for (int i = 0; i < 5; i++)
        free(owned[i]);
    *added = !rc && n > 0;
    return rc;
}

lp_code lp_registry_list(lp_registry *r, lp_reg_list *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    return r->ops->query(r, LP_Q_ALL, NULL, 0, out, err);
}

/* Every text stored is UTF-8, so a key that is not names nothing (and is never sent to a server). */
lp_code lp_registry_find_label(lp_registry *r, const char *label, lp_reg_list *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    return utf8_ok(label) ? r->ops->query(r, LP_Q_LABEL, label, 0, out, err) : LP_OK;
}

lp_code lp_registry_find_code(lp_registry *r, const char *code_sha256, lp_reg_list *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    return utf8_ok(code_sha256) ? r->ops->query(r, LP_Q_CODE, code_sha256, 0, out, err) : LP_OK;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

lp_code lp_registry_find(lp_registry *r, const char *key, lp_reg_list *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    if (!key || !*key || !utf8_ok(key))
        return LP_OK;
    lp_code rc = LP_OK;
    if (all_digits(key) && strlen(key) < 19)
        rc = r->ops->query(r, LP_Q_ID, key, 0, out, err);
    if (!rc && !out->n)
        rc = r->ops->query(r, LP_Q_LABEL, key, 0, out, err);
    if (!rc && !out->n)
        rc = r->ops->query(r, LP_Q_EXACT, key, 0, out, err);
    if (rc || out->n || strlen(key) < LP_REG_PREFIX_MIN)
        return rc;
    if ((rc = r->ops->query(r, LP_Q_PREFIX, key, 0, out, err)))
        return rc;
    /* a prefix must name one build: list the candidates otherwise */
    bool several = false;
    for (size_t i = 1; i < out->n && !several; i++)
        several = strcmp(out->e[i].code_sha256, out->e[0].code_sha256) != 0;
    if (!several)
        return LP_OK;
    lp_strbuf sb = {0};
    for (size_t i = 0; i < out->n && i < 6; i++)
        lp_sb_addf(&sb, "%s%lld (code %.16s)", i ? ", " : "", (long long)out->e[i].id, out->e[i].code_sha256);
    if (out->n > 6)
        lp_sb_adds(&sb, ", ...");
    char *list = lp_sb_take(&sb);
    rc = lp_err_set(err, LP_ERR_INVAL, "'%s' is the start of %zu entries' IDs or hashes (%s): give more of it",
                    key, out->n, list ? list : "");
    free(list);
    lp_reg_list_release(out);
    return rc;
}

/* Delete (label NULL) or relabel each entry @p key names, in one transaction. */
static lp_code change_each(lp_registry *r, const char *key, const char *label, size_t *changed, lp_err *err)
{
    *changed = 0;
    lp_code rc = writable(r, err);
    if (rc || (rc = r->ops->begin(r, true, err)))
        return rc;
    lp_reg_list l;
    rc = lp_registry_find(r, key, &l, err);
    for (size_t i = 0; !rc && i < l.n; i++) {
        size_t n = 0;
        rc = r->ops->change(r, l.e[i].id, label, &n, err);
        *changed += n;
    }
    lp_reg_list_release(&l);
    if (rc) {
        r->ops->rollback(r);
        *changed = 0;
        return rc;
    }
    rc = r->ops->commit(r, err);
    if (rc)
        *changed = 0;
    return rc;
}

lp_code lp_registry_remove(lp_registry *r, const char *key, size_t *removed, lp_err *err)
{
    return change_each(r, key, NULL, removed, err);
}

lp_code lp_registry_rename(lp_registry *r, const char *key, const char *label, size_t *renamed,
                           lp_err *err)
{
    *renamed = 0;
    if (!lp_registry_label_ok(label))
        return lp_err_set(err, LP_ERR_INVAL, "%s", label_rule);
    return change_each(r, key, label, renamed, err);
}

static bool is_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *c = strdup(s);
    if (!c)
        *oom = true;
    return c;
}

/* One line of an import: a new entry (id = the line number) or an error naming the line. */
static lp_code parse_line(const char *p, size_t n, const char *name, size_t line, lp_reg_entry *e,
                          lp_err *err)
{
    static const char *const keys[] = {"id", "label", "go_build_id", "gnu_build_id", "sha256",
                                       "code_sha256", "code_size", "path", "added_at"};
    static const char *const optional[] = {"go_build_id", "gnu_build_id", "path", "added_at"};
    json_error_t je;
    lp_err le;
    lp_err_clear(&le);
    /* bounded before parsing (size, nesting, values), as every JSON input */
    if (lp_json_check(p, n, name, "line", &le))
        return lp_err_set(err, le.code, "line %zu: %s", line, le.msg);
    /* jansson checks the UTF-8 of every string (and refuses \u0000) */
    json_t *o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        return lp_err_set(err, LP_ERR_FORMAT, "'%s': line %zu: not JSON (or not UTF-8): %s", name, line,
                          je.text);
    lp_code rc = LP_OK;
    const char *k;
    json_t *v;
    if (!json_is_object(o))
        rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': line %zu: not a JSON object", name, line);
    json_object_foreach(json_is_object(o) ? o : NULL, k, v) {
        bool known = false;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !known; i++)
            known = strcmp(k, keys[i]) == 0;
        if (!known && !rc)
            rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': line %zu: unknown key \"%s\"", name, line, k);
    }
    for (size_t i = 0; !rc && i < sizeof optional / sizeof optional[0]; i++) {
        json_t *x = json_object_get(o, optional[i]);
        if (x && !json_is_string(x) && !json_is_null(x))
            rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': line %zu: \"%s\" must be a string or null", name,
                            line, optional[i]);
    }
    const char *label = json_string_value(json_object_get(o, "label"));
    const char *sha = json_string_value(json_object_get(o, "sha256"));
    const char *code = json_string_value(json_object_get(o, "code_sha256"));
    json_t *size = json_object_get(o, "code_size");
    if (!rc && (!label || !is_hex64(sha) || !is_hex64(code) || !json_is_integer(size) ||
                json_integer_value(size) < 0))
        rc = lp_err_set(err, LP_ERR_FORMAT,
                        "'%s': line %zu: needs label, sha256 and code_sha256 (64 hex digits) and "
                        "code_size",
                        name, line);
    if (!rc && !lp_registry_label_ok(label))
        rc = lp_err_set(err, LP_ERR_FORMAT, "'%s': line %zu: %s", name, line, label_rule);
    if (!rc)
        rc = fields_fit(&(lp_store_row){label, json_string_value(json_object_get(o, "go_build_id")),
                               json_string_value(json_object_get(o, "gnu_build_id")), sha, code, 0,
                               json_string_value(json_object_get(o, "path")),
                               json_string_value(json_object_get(o, "added_at"))},
                        name, line, err);
    if (!rc) {
        bool oom = false;
        memset(e, 0, sizeof *e);
        e->id = (int64_t)line;
        e->label = dup_or_null(label, &oom);
        e->go_build_id = dup_or_null(json_string_value(json_object_get(o, "go_build_id")), &oom);
        e->gnu_build_id = dup_or_null(json_string_value(json_object_get(o, "gnu_build_id")), &oom);
        e->sha256 = dup_or_null(sha, &oom);
        e->code_sha256 = dup_or_null(code, &oom);
        e->code_size = (uint64_t)json_integer_value(size);
        e->path = dup_or_null(json_string_value(json_object_get(o, "path")), &oom);
        e->added_at = dup_or_null(json_string_value(json_object_get(o, "added_at")), &oom);
        if (oom)
            rc = nomem(err);
    }
    json_decref(o);
    return rc;
}

lp_code lp_registry_parse(const char *text, size_t len, const char *name, lp_reg_list *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    size_t line = 0, cap = 0;
    const char *p = text, *end = text + len;
    lp_code rc = LP_OK;
    /* one JSON object per line; bounded by the input */
    while (!rc && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line++;
        bool blank = true;
        for (size_t i = 0; i < n && blank; i++)
            blank = p[i] == ' ' || p[i] == '\t' || p[i] == '\r';
        p = nl ? nl + 1 : end;
        if (blank)
            continue;
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            lp_reg_entry *ne = realloc(out->e, cap * sizeof *ne);
            if (!ne) {
                rc = nomem(err);
                break;
            }
            out->e = ne;
        }
        rc = parse_line(p - n - (nl ? 1 : 0), n, name, line, &out->e[out->n], err);
        if (!rc)
            out->n++;
    }
    if (rc)
        lp_reg_list_release(out);
    return rc;
}

/* An entry's row (added_at: its own, else ts). */
static lp_store_row row_of(const lp_reg_entry *x, const char *ts)
{
    return (lp_store_row){x->label, x->go_build_id, x->gnu_build_id, x->sha256, x->code_sha256,
                          x->code_size, x->path, x->added_at ? x->added_at : ts};
}

typedef struct where_ctx {
    const char *name, *unit; /* "'in.jsonl': line 3", "'old.db': entry 17 (into 'new.db')" */
    const lp_reg_entry *e;
    const char *into;
} where_ctx;

static void where_entry(const void *ctx, size_t i, char *buf, size_t n)
{
    const where_ctx *w = ctx;
    if (w->into)
        snprintf(buf, n, "'%s': %s %lld (into '%s')", w->name, w->unit, (long long)w->e[i].id, w->into);
    else
        snprintf(buf, n, "'%s': %s %lld", w->name, w->unit, (long long)w->e[i].id);
}

/* Entries to rows, COPY_BATCH at a time, inside the caller's write transaction. */
static lp_code insert_entries(lp_registry *r, const lp_reg_entry *e, size_t n, const where_ctx *w, size_t *added,
                              lp_err *err)
{
    char ts[32];
    now_iso(ts);
    lp_store_row *rows = calloc(n < COPY_BATCH ? (n ? n : 1) : COPY_BATCH, sizeof *rows);
    if (!rows)
        return nomem(err);
    lp_code rc = LP_OK;
    for (size_t at = 0; !rc && at < n; at += COPY_BATCH) {
        size_t k = n - at < COPY_BATCH ? n - at : COPY_BATCH;
        /* copies only for the rare text that is not UTF-8 (an older SQLite registry's path) */
        char *(*owned)[5] = calloc(k, sizeof *owned);
        bool oom = !owned;
        for (size_t i = 0; owned && i < k; i++) {
            rows[i] = row_of(&e[at + i], ts);
            row_utf8(&rows[i], owned[i], &oom);
        }
        if (oom) {
            rc = nomem(err);
        } else {
            where_ctx wc = {w->name, w->unit, e + at, w->into};
            rc = insert_rows(r, rows, k, where_entry, &wc, added, err);
        }
        for (size_t i = 0; owned && i < k; i++)
            for (int j = 0; j < 5; j++)
                free(owned[i][j]);
        free(owned);
    }
    free(rows);
    return rc;
}

lp_code lp_registry_import_list(lp_registry *r, const lp_reg_list *in, const char *name, size_t *added,
                                lp_err *err)
{
    *added = 0;
    lp_code rc = writable(r, err);
    if (rc || !in->n) /* nothing to add: nothing written (no tables created either) */
        return rc;
    if ((rc = r->ops->begin(r, true, err)))
        return rc;
    where_ctx w = {name, "line", in->e, NULL};
    rc = insert_entries(r, in->e, in->n, &w, added, err);
    if (!rc)
        rc = r->ops->commit(r, err);
    else
        r->ops->rollback(r);
    if (rc)
        *added = 0;
    return rc;
}

lp_code lp_registry_import(lp_registry *r, const char *text, size_t len, const char *name,
                           size_t *added, lp_err *err)
{
    *added = 0;
    lp_reg_list l;
    lp_code rc = lp_registry_parse(text, len, name, &l, err);
    if (!rc)
        rc = lp_registry_import_list(r, &l, name, added, err);
    lp_reg_list_release(&l);
    return rc;
}

/*
 * One read snapshot of @p from, read in batches of COPY_BATCH entries by id,
 * each inserted into @p to inside one write transaction: memory stays at a
 * batch whatever the size of the registry, and @p to gets all of it or none.
 */
lp_code lp_registry_copy(lp_registry *from, lp_registry *to, size_t *read, size_t *added, lp_err *err)
{
    *read = *added = 0;
    lp_code rc = writable(to, err);
    if (rc || (rc = from->ops->begin(from, false, err)))
        return rc;
    if ((rc = to->ops->begin(to, true, err))) {
        from->ops->rollback(from);
        return rc;
    }
    char after[32] = "0";
    for (;;) {
        lp_reg_list page = {0};
        if ((rc = from->ops->query(from, LP_Q_AFTER, after, COPY_BATCH, &page, err)))
            break;
        if (!page.n) {
            lp_reg_list_release(&page);
            break;
        }
        where_ctx w = {from->name, "entry", page.e, to->name};
        rc = insert_entries(to, page.e, page.n, &w, added, err);
        *read += page.n;
        snprintf(after, sizeof after, "%lld", (long long)page.e[page.n - 1].id);
        bool last = page.n < COPY_BATCH;
        lp_reg_list_release(&page);
        if (rc || last)
            break;
    }
    if (!rc)
        rc = to->ops->commit(to, err);
    else
        to->ops->rollback(to);
    from->ops->rollback(from); /* only read: ending the snapshot */
    if (rc)
        *added = 0;
    return rc;
}

void lp_reg_list_release(lp_reg_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        lp_reg_entry *e = &l->e[i];
        free(e->label);
        free(e->go_build_id);
        free(e->gnu_build_id);
        free(e->sha256);
        free(e->code_sha256);
        free(e->path);
        free(e->added_at);
    }
    free(l->e);
    memset(l, 0, sizeof *l);
}
