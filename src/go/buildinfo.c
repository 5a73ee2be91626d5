/*
 * buildinfo.c - Go build info: find the blob, decode both layouts, parse the
 * module text, and format it as `go version -m` does.
 *
 * The search and decoding follow Go's debug/buildinfo; the parser follows
 * runtime/debug.ParseBuildInfo line for line, including its error texts, so
 * that `linkproof buildinfo` reports exactly what `go version -m` reports.
 * Where Go's 1.19 search has a known defect (a misaligned magic makes it loop
 * forever) linkproof scans aligned positions only, which is what Go meant.
 *
 * Invariants: at most 64 KiB is read to find the blob; a string referenced by
 * a pointer-layout blob is read only if it lies inside the file and is at most
 * BI_MAX_STRING bytes; every line is parsed inside the module text's bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkproof/go.h"
#include "util/cursor.h"
#include "util/goquote.h"
#include "util/strbuf.h"

#define BI_SEARCH_SIZE (64u * 1024u)
#define BI_FIRST_READ 4096u
#define BI_ALIGN 16u
#define BI_HDR 32u
#define BI_MAX_STRING (16u << 20)

static const char bi_magic[14] = "\xff Go buildinf:";

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

/* ---- module text parsing (runtime/debug.ParseBuildInfo) ---- */

typedef struct span {
    const char *p;
    size_t n;
} span;

static bool has_prefix(span s, const char *pre)
{
    size_t k = strlen(pre);
    return s.n >= k && memcmp(s.p, pre, k) == 0;
}

static char *dupspan(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        if (n)
            memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* Split s on tabs into at most max fields; returns the real field count. */
static size_t split_tabs(span s, span *f, size_t max)
{
    size_t k = 0;
    const char *p = s.p, *end = s.p + s.n;
    for (;;) {
        const char *t = memchr(p, '\t', (size_t)(end - p));
        const char *e = t ? t : end;
        if (k < max)
            f[k] = (span){p, (size_t)(e - p)};
        k++;
        if (!t)
            break;
        p = t + 1;
    }
    return k;
}

/* runtime/debug quoteKey / quoteValue: does the text hold a byte that forces quoting? */
static bool needs_quote(span s, bool key)
{
    for (size_t i = 0; i < s.n; i++) {
        switch (s.p[i]) {
        case ' ': case '\t': case '\r': case '\n': case '"': case '`':
            return true;
        case '=':
            if (key)
                return true;
            break;
        default:
            break;
        }
    }
    return false;
}

static bool quote_key(span k) { return k.n == 0 || needs_quote(k, true); }
static bool quote_value(span v) { return needs_quote(v, false); }

static void free_module(lp_module *m)
{
    if (!m)
        return;
    free(m->path);
    free(m->version);
    free(m->sum);
    if (m->replace) {
        free_module(m->replace);
        free(m->replace);
    }
    memset(m, 0, sizeof *m);
}

static bool set_module(lp_module *m, const span *f, size_t nf)
{
    free_module(m);
    m->path = dupspan(nf > 0 ? f[0].p : "", nf > 0 ? f[0].n : 0);
    m->version = dupspan(nf > 1 ? f[1].p : "", nf > 1 ? f[1].n : 0);
    m->sum = dupspan(nf > 2 ? f[2].p : "", nf > 2 ? f[2].n : 0);
    return m->path && m->version && m->sum;
}

typedef struct parser {
    lp_buildinfo *bi;
    size_t cap_settings, cap_deps; /* allocated lengths, grown geometrically */
    lp_strbuf err; /* first error, Go's wording */
    size_t line;
    bool oom;
} parser;

static void fail(parser *ps, const char *what)
{
    if (ps->err.len || ps->err.oom)
        return;
    lp_sb_addf(&ps->err, "could not parse Go build info: line %zu: %s", ps->line, what);
}

static void fail_q(parser *ps, const char *pre, span s, const char *post)
{
    if (ps->err.len)
        return;
    lp_strbuf m = {0};
    lp_sb_adds(&m, pre);
    lp_go_quote(&m, s.p, s.n);
    lp_sb_adds(&m, post);
    if (m.oom)
        ps->oom = true;
    else
        fail(ps, m.s);
    lp_sb_release(&m);
}

static bool push_setting(parser *ps, char *key, char *value)
{
    lp_buildinfo *bi = ps->bi;
    if (!key || !value) {
        free(key);
        free(value);
        return false;
    }
    if (bi->n_settings == ps->cap_settings) {
        size_t cap = ps->cap_settings ? 2 * ps->cap_settings : 16;
        lp_setting *ns = realloc(bi->settings, cap * sizeof *ns);
        if (!ns) {
            free(key);
            free(value);
            return false;
        }
        bi->settings = ns;
        ps->cap_settings = cap;
    }
    bi->settings[bi->n_settings++] = (lp_setting){key, value};
    return true;
}

/* One `build\t` line. Records Go's error but still keeps a lenient value. */
static bool parse_build(parser *ps, span kv)
{
    if (kv.n < 1) {
        fail(ps, "build line missing '='");
        return true;
    }
    span key, raw;
    lp_strbuf kb = {0};
    char *keystr = NULL;
    if (kv.p[0] == '=') {
        fail(ps, "build line with missing key");
        return true;
    }
    if (kv.p[0] == '`' || kv.p[0] == '"') {
        size_t q = lp_go_quoted_prefix(kv.p, kv.n);
        if (q == 0) {
            fail(ps, "invalid quoted key in build line");
            return true;
        }
        if (q == kv.n) {
            fail(ps, "build line missing '=' after quoted key");
            return true;
        }
        if (kv.p[q] != '=') {
            lp_strbuf m = {0};
            lp_sb_adds(&m, "unexpected character after quoted key: ");
            lp_go_quote_rune(&m, (unsigned char)kv.p[q]);
            if (!m.oom)
                fail(ps, m.s);
            lp_sb_release(&m);
            return true;
        }
        lp_go_unquote(&kb, kv.p, q);
        keystr = lp_sb_take(&kb);
        raw = (span){kv.p + q + 1, kv.n - q - 1};
    } else {
        const char *eq = memchr(kv.p, '=', kv.n);
        if (!eq) {
            fail(ps, "build line missing '=' after key");
            return true;
        }
        key = (span){kv.p, (size_t)(eq - kv.p)};
        raw = (span){eq + 1, kv.n - key.n - 1};
        if (quote_key(key))
            fail_q(ps, "unquoted key ", key, " must be quoted");
        keystr = dupspan(key.p, key.n);
    }
    char *val = NULL;
    if (raw.n > 0 && (raw.p[0] == '`' || raw.p[0] == '"')) {
        lp_strbuf vb = {0};
        if (!lp_go_unquote(&vb, raw.p, raw.n)) {
            fail(ps, "invalid quoted value in build line");
            lp_sb_release(&vb);
            val = dupspan(raw.p, raw.n); /* lenient: keep it as written */
        } else {
            val = lp_sb_take(&vb);
        }
    } else {
        if (quote_value(raw))
            fail_q(ps, "unquoted value ", raw, " must be quoted");
        val = dupspan(raw.p, raw.n);
    }
    return push_setting(ps, keystr, val);
}

static bool parse_modinfo(parser *ps, const char *data, size_t len)
{
    lp_buildinfo *bi = ps->bi;
    lp_module *last = NULL;
    span f[4];
    ps->line = 1;
    /* each iteration consumes one line; lines without a final newline are ignored, as in Go */
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        if (!nl)
            break;
        span line = {data, (size_t)(nl - data)};
        len -= line.n + 1;
        data = nl + 1;
        if (has_prefix(line, "path\t")) {
            free(bi->path);
            if (!(bi->path = dupspan(line.p + 5, line.n - 5)))
                return false;
        } else if (has_prefix(line, "mod\t") || has_prefix(line, "dep\t")) {
            bool is_mod = line.p[0] == 'm';
            span rest = {line.p + 4, line.n - 4};
            size_t nf = split_tabs(rest, f, 3);
            if (nf != 2 && nf != 3) {
                char m[64];
                snprintf(m, sizeof m, "expected 2 or 3 columns; got %zu", nf);
                fail(ps, m);
            }
            if (is_mod) {
                last = &bi->main;
                bi->has_main = true;
            } else {
                if (bi->n_deps == ps->cap_deps) {
                    size_t cap = ps->cap_deps ? 2 * ps->cap_deps : 16;
                    lp_module *nd = realloc(bi->deps, cap * sizeof *nd);
                    if (!nd)
                        return false;
                    bi->deps = nd;
                    ps->cap_deps = cap;
                }
                last = &bi->deps[bi->n_deps++];
                memset(last, 0, sizeof *last);
            }
            if (!set_module(last, f, nf < 3 ? nf : 3))
                return false;
        } else if (has_prefix(line, "=>\t")) {
            span rest = {line.p + 3, line.n - 3};
            size_t nf = split_tabs(rest, f, 3);
            if (nf != 3) {
                char m[64];
                snprintf(m, sizeof m, "expected 3 columns for replacement; got %zu", nf);
                fail(ps, m);
            }
            if (!last) {
                fail(ps, "replacement with no module on previous line");
            } else {
                lp_module *r = calloc(1, sizeof *r);
                if (!r || !set_module(r, f, nf < 3 ? nf : 3)) {
                    free_module(r);
                    free(r);
                    return false;
                }
                if (last->replace) {
                    free_module(last->replace);
                    free(last->replace);
                }
                last->replace = r;
            }
            last = NULL;
        } else if (has_prefix(line, "build\t")) {
            if (!parse_build(ps, (span){line.p + 6, line.n - 6}))
                return false;
        }
        if (!ps->err.len)
            ps->line++;
    }
    return !ps->oom;
}

lp_code lp_buildinfo_parse(const char *vers, size_t vers_len, const char *mod, size_t mod_len,
                           lp_buildinfo **out, lp_err *err)
{
    *out = NULL;
    lp_buildinfo *bi = calloc(1, sizeof *bi);
    if (!bi)
        return nomem(err);
    bi->go_version = dupspan(vers, vers_len);
    /* strip the 16-byte sentinels framing the module text (cmd/go modload) */
    if (mod_len >= 33 && mod[mod_len - 17] == '\n') {
        mod += 16;
        mod_len -= 32;
    } else {
        mod_len = 0;
    }
    bi->modinfo = dupspan(mod, mod_len);
    bi->modinfo_len = mod_len;
    if (!bi->go_version || !bi->modinfo) {
        lp_buildinfo_free(&bi);
        return nomem(err);
    }
    parser ps = {.bi = bi};
    bool ok = parse_modinfo(&ps, bi->modinfo, bi->modinfo_len);
    if (ok && ps.err.len)
        bi->parse_error = lp_sb_take(&ps.err);
    lp_sb_release(&ps.err);
    if (!ok || ps.err.oom) {
        lp_buildinfo_free(&bi);
        return nomem(err);
    }
    *out = bi;
    return LP_OK;
}

void lp_buildinfo_free(lp_buildinfo **pbi)
{
    if (!pbi || !*pbi)
        return;
    lp_buildinfo *bi = *pbi;
    free(bi->go_version);
    free(bi->modinfo);
    free(bi->path);
    free_module(&bi->main);
    for (size_t i = 0; i < bi->n_deps; i++)
        free_module(&bi->deps[i]);
    free(bi->deps);
    for (size_t i = 0; i < bi->n_settings; i++) {
        free(bi->settings[i].key);
        free(bi->settings[i].value);
    }
    free(bi->settings);
    free(bi->parse_error);
    free(bi);
    *pbi = NULL;
}

const char *lp_buildinfo_setting(const lp_buildinfo *bi, const char *key)
{
    const char *v = NULL;
    /* the last occurrence wins, as with the go command's own flags */
    for (size_t i = 0; bi && i < bi->n_settings; i++)
        if (strcmp(bi->settings[i].key, key) == 0)
            v = bi->settings[i].value;
    return v;
}

/* ---- finding and decoding the blob (debug/buildinfo) ---- */

/* Go's decodeString: a uvarint length, then the bytes; the length must be < what remains. */
static bool decode_inline(lp_cur *c, span *out)
{
    size_t start = c->pos;
    uint64_t u = lp_cur_uvarint(c);
    if (!lp_cur_ok(c))
        return false;
    size_t left = lp_cur_left(c);
    (void)start;
    if (u >= left)
        return false;
    out->p = (const char *)lp_cur_bytes(c, (size_t)u);
    out->n = (size_t)u;
    return out->p != NULL || u == 0;
}

/* Go's readString for the pointer layout: a string header at addr, then its bytes. */
static char *read_ptr_string(lp_obj *obj, uint64_t addr, unsigned ptrsz, bool be, size_t *len,
                             lp_err *err)
{
    uint8_t hdr[16];
    size_t got = 0;
    lp_err e2;
    *len = 0;
    if (lp_obj_read_vaddr_upto(obj, addr, hdr, 2 * ptrsz, &got, &e2) || got < 2 * ptrsz)
        return NULL;
    lp_cur c;
    lp_cur_init(&c, hdr, got, addr, be, ptrsz);
    uint64_t p = lp_cur_ptr(&c), n = lp_cur_ptr(&c);
    if (n > BI_MAX_STRING || n > lp_src_size(lp_obj_source(obj)))
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) {
        nomem(err);
        return NULL;
    }
    if (lp_obj_read_vaddr_upto(obj, p, s, (size_t)n, &got, &e2) || got < n) {
        free(s);
        return NULL;
    }
    s[n] = '\0';
    *len = (size_t)n;
    return s;
}

/*
 * DataStart, per format as Go's debug/buildinfo has it:
 *   ELF: the .go.buildinfo section, else the first writable, non-executable PT_LOAD;
 *   PE: the first section at a non-zero RVA with data whose characteristics, alignment
 *     bits aside, are exactly initialized data, readable, writable (the PE reader
 *     reports a section at RVA 0 as a segment of type 0);
 *   Mach-O: the __go_buildinfo section, else the first segment at a non-zero address
 *     with file data whose initprot and maxprot are both read-write.
 * The readers mark those segments (lp_segment.data, object.h).
 */
static uint64_t data_start(const lp_obj *obj)
{
    lp_format fmt = lp_obj_info_get(obj)->format;
    const char *secname = fmt == LP_FMT_MACHO ? "__go_buildinfo"
                          : fmt == LP_FMT_PE  ? NULL
                                              : ".go.buildinfo";
    const lp_section *s = secname ? lp_obj_section_by_name(obj, secname) : NULL;
    if (s)
        return s->addr;
    /* each reader marks its format's plain data segments (object.h: lp_segment.data) */
    for (size_t i = 0; i < lp_obj_segment_count(obj); i++) {
        const lp_segment *g = lp_obj_segment_at(obj, i);
        if (g->data)
            return g->vaddr;
    }
    return 0;
}

lp_code lp_buildinfo_read(lp_obj *obj, lp_buildinfo **out, lp_err *err)
{
    *out = NULL;
    const char *name = lp_src_name(lp_obj_source(obj));
    uint64_t addr = data_start(obj);
    /* the first, short read goes to the stack; only a full 64 KiB search allocates */
    uint8_t first[BI_FIRST_READ];
    uint8_t *data = first, *heap = NULL;
    size_t got = 0, want = BI_FIRST_READ, at = SIZE_MAX;
    lp_code rc;
    lp_cur c;
    span vers = {"", 0}, mod = {"", 0};
    uint8_t ptrsz = 0, flags = 0;
    /*
     * Go searches the first 64 KiB. The blob is almost always at the very
     * start, so read a little first and the whole window only when the blob
     * or its inline strings are not complete in what was read; a string that
     * fits in the short read also fits in the full one, so the answer is the same.
     */
    for (;;) {
        rc = lp_obj_read_vaddr_upto(obj, addr, data, want, &got, err);
        if (rc == LP_ERR_NOTFOUND)
            rc = lp_err_set(err, LP_ERR_UNSUPPORTED, "'%s': unrecognized file format", name);
        if (rc)
            goto out;
        bool whole = got < want || want == BI_SEARCH_SIZE;
        at = SIZE_MAX;
        for (size_t i = 0; got >= BI_HDR && i <= got - BI_HDR; i += BI_ALIGN)
            if (memcmp(data + i, bi_magic, sizeof bi_magic) == 0) {
                at = i;
                break;
            }
        bool complete = at != SIZE_MAX;
        if (complete) {
            ptrsz = data[at + 14], flags = data[at + 15];
            vers = (span){"", 0}, mod = (span){"", 0};
            if (flags & 2) {
                lp_cur_init(&c, data + at + BI_HDR, got - at - BI_HDR, addr + at + BI_HDR, false,
                            8);
                complete = decode_inline(&c, &vers) && decode_inline(&c, &mod);
            }
        }
        if (complete || whole)
            break;
        want = BI_SEARCH_SIZE;
        if (!(heap = malloc(BI_SEARCH_SIZE))) {
            rc = nomem(err);
            goto out;
        }
        data = heap;
    }
    if (at == SIZE_MAX) {
        rc = lp_err_set(err, LP_ERR_NOTFOUND, "'%s': not a Go executable", name);
        goto out;
    }

    char *vbuf = NULL, *mbuf = NULL;
    lp_buildinfo *bi = NULL;
    if (flags & 2) {
        /* decoded above */
    } else {
        bool be = flags != 0;
        unsigned ps = ptrsz == 4 ? 4 : 8;
        lp_cur_init(&c, data + at + 16, 16, addr + at + 16, be, ps);
        uint64_t pv = lp_cur_ptr(&c), pm = lp_cur_ptr(&c);
        vbuf = read_ptr_string(obj, pv, ps, be, &vers.n, err);
        mbuf = vbuf ? read_ptr_string(obj, pm, ps, be, &mod.n, err) : NULL;
        if (err && err->code == LP_ERR_NOMEM) {
            free(vbuf);
            free(mbuf);
            rc = LP_ERR_NOMEM;
            goto out;
        }
        vers.p = vbuf ? vbuf : "";
        mod.p = mbuf ? mbuf : "";
        if (!vbuf)
            vers.n = 0;
        if (!mbuf)
            mod.n = 0;
    }
    if (vers.n == 0) {
        free(vbuf);
        free(mbuf);
        rc = lp_err_set(err, LP_ERR_NOTFOUND, "'%s': not a Go executable", name);
        goto out;
    }
    rc = lp_buildinfo_parse(vers.p, vers.n, mod.p, mod.n, &bi, err);
    free(vbuf);
    free(mbuf);
    if (rc)
        goto out;
    bi->layout = (flags & 2) ? LP_BI_INLINE : LP_BI_POINTERS;
    bi->ptr_size = ptrsz;
    bi->big_endian = !(flags & 2) && flags != 0;
    bi->blob_addr = addr + at;
    *out = bi;
out:
    free(heap);
    return rc;
}

/* ---- formatting (BuildInfo.String, then go version's indentation) ---- */

static void format_mod(lp_strbuf *sb, const char *word, const lp_module *m)
{
    lp_sb_adds(sb, word);
    lp_sb_addc(sb, '\t');
    lp_sb_adds(sb, m->path ? m->path : "");
    lp_sb_addc(sb, '\t');
    lp_sb_adds(sb, m->version ? m->version : "");
    if (!m->replace) {
        lp_sb_addc(sb, '\t');
        lp_sb_adds(sb, m->sum ? m->sum : "");
    } else {
        lp_sb_addc(sb, '\n');
        format_mod(sb, "=>", m->replace);
    }
    lp_sb_addc(sb, '\n');
}

static bool nonempty(const char *s) { return s && *s; }

char *lp_buildinfo_format_gover(const lp_buildinfo *bi)
{
    lp_strbuf sb = {0};
    if (nonempty(bi->path))
        lp_sb_addf(&sb, "path\t%s\n", bi->path);
    const lp_module *m = &bi->main;
    if (nonempty(m->path) || nonempty(m->version) || nonempty(m->sum) || m->replace)
        format_mod(&sb, "mod", m);
    for (size_t i = 0; i < bi->n_deps; i++)
        format_mod(&sb, "dep", &bi->deps[i]);
    for (size_t i = 0; i < bi->n_settings; i++) {
        const lp_setting *s = &bi->settings[i];
        span k = {s->key, strlen(s->key)}, v = {s->value, strlen(s->value)};
        lp_sb_adds(&sb, "build\t");
        if (quote_key(k))
            lp_go_quote(&sb, k.p, k.n);
        else
            lp_sb_add(&sb, k.p, k.n);
        lp_sb_addc(&sb, '=');
        if (quote_value(v))
            lp_go_quote(&sb, v.p, v.n);
        else
            lp_sb_add(&sb, v.p, v.n);
        lp_sb_addc(&sb, '\n');
    }
    /* go version -m: "\t" + text without its final newline, every newline followed by a tab */
    lp_strbuf out = {0};
    if (sb.len > 0 && !sb.oom) {
        /* each line of the text (without its final newline) as "\t" line "\n" */
        const char *p = sb.s, *end = sb.s + sb.len - 1;
        for (;;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *stop = nl ? nl : end;
            lp_sb_addc(&out, '\t');
            lp_sb_add(&out, p, (size_t)(stop - p));
            lp_sb_addc(&out, '\n');
            if (!nl)
                break;
            p = nl + 1;
        }
    }
    bool oom = sb.oom;
    lp_sb_release(&sb);
    if (oom) {
        lp_sb_release(&out);
        return NULL;
    }
    return lp_sb_take(&out);
}
