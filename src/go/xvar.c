/*
 * xvar.c - verdicts on `-ldflags -X`: parsing the targets, reading the
 * variables, tying values to names in stripped binaries, and judging run-time
 * overwrites by init code.
 *
 * Owns: the linker's -X argument rules (cmd/link addstrdata1), symbol-name
 * escaping (objabi.PathToPrefix), the evidence rules of docs/check.md (a
 * variable by its symbol; without symbols, the build record's -X list tied
 * to the strings the linker makes for -X, counted), and the verdict wording.
 * Invariant: `injected` only on a rule that ties the value to the name and an
 * overwrite scan (go/xref.c) that found no init write; anything weaker is
 * `unconfirmed`. Everything read from the binary goes through the object view
 * and is bounded: a value is at most XV_MAX_VALUE bytes, an init function at
 * most XV_MAX_FUNC bytes and all init code XV_MAX_INIT_CODE, a data segment
 * scanned at most XV_MAX_SCAN bytes, XV_MAX_HITS headers per value.
 */
#include "linkproof/xvar.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkproof/facts.h"
#include "linkproof/go.h"
#include "linkproof/object.h"
#include "go/xref.h"
#include "util/cursor.h"
#include "util/strbuf.h"

#define XV_MAX_VALUE (1u << 20)
#define XV_MAX_FUNC (1u << 20)
#define XV_MAX_SCAN (256u << 20)
#define XV_MAX_HITS 64
#define XV_MAX_INIT_CODE (64u << 20)

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

/* ---- targets ---- */

/* Linker flags (Go 1.19 cmd/link) that take a separate value argument. */
static const char *const value_flags[] = {
    "B", "E", "H", "I", "L", "R", "T", "X", "r", "o", "k", "buildid", "buildmode", "linkmode",
    "extld", "extldflags", "extar", "pluginpath", "installsuffix", "libgcc", "tmpdir",
    "debugtramp", "debugtextsize", "strictdups", "cpuprofile", "memprofile", "memprofilerate",
    "benchmark", "benchmarkprofile",
};

static bool takes_value(const char *flag, size_t n)
{
    for (size_t i = 0; i < sizeof value_flags / sizeof value_flags[0]; i++)
        if (strlen(value_flags[i]) == n && strncmp(value_flags[i], flag, n) == 0)
            return true;
    return false;
}

void lp_xtargets_free(lp_xtarget **t, size_t n)
{
    if (!t || !*t)
        return;
    for (size_t i = 0; i < n; i++) {
        free((*t)[i].name);
        free((*t)[i].value);
    }
    free(*t);
    *t = NULL;
}

/* Add or replace NAME=VALUE (the last -X for a name wins, at its first position). */
static bool put(lp_xtarget **v, size_t *n, const char *def, lp_xsource src)
{
    const char *eq = strchr(def, '=');
    if (!eq)
        return true;
    size_t nl = (size_t)(eq - def);
    for (size_t i = 0; i < *n; i++)
        if (strlen((*v)[i].name) == nl && strncmp((*v)[i].name, def, nl) == 0) {
            char *nv = strdup(eq + 1);
            if (!nv)
                return false;
            free((*v)[i].value);
            (*v)[i].value = nv;
            return true;
        }
    lp_xtarget *nt = realloc(*v, (*n + 1) * sizeof *nt);
    if (!nt)
        return false;
    *v = nt;
    lp_xtarget *t = &nt[*n];
    t->name = strndup(def, nl);
    t->value = strdup(eq + 1);
    t->source = src;
    if (!t->name || !t->value) {
        free(t->name);
        free(t->value);
        return false;
    }
    (*n)++;
    return true;
}

lp_code lp_ldflags_xtargets(const char *ldflags, lp_xtarget **out, size_t *n, lp_err *err)
{
    *out = NULL;
    *n = 0;
    /* a per-package pattern ("all=-X a.b=c", go build -ldflags=PATTERN=FLAGS) is not a flag */
    if (ldflags[0] && ldflags[0] != '-') {
        const char *eq = strchr(ldflags, '=');
        if (eq)
            ldflags = eq + 1;
    }
    lp_strv args;
    lp_code rc = lp_go_split_quoted(ldflags, &args, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < args.n; i++) {
        const char *a = args.v[i];
        if (a[0] != '-' || !a[1])
            continue;
        const char *f = a + (a[1] == '-' ? 2 : 1);
        const char *eq = strchr(f, '=');
        size_t fl = eq ? (size_t)(eq - f) : strlen(f);
        const char *val = NULL;
        if (eq)
            val = eq + 1;
        else if (takes_value(f, fl) && i + 1 < args.n)
            val = args.v[++i];
        if (fl == 1 && f[0] == 'X' && val && !put(out, n, val, LP_XSRC_LDFLAGS)) {
            lp_strv_release(&args);
            lp_xtargets_free(out, *n);
            *n = 0;
            return nomem(err);
        }
    }
    lp_strv_release(&args);
    return LP_OK;
}

lp_code lp_xtarget_parse(const char *spec, lp_xtarget *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    const char *eq = strchr(spec, '=');
    size_t nl = eq ? (size_t)(eq - spec) : strlen(spec);
    const char *dot = memrchr(spec, '.', nl);
    if (nl == 0 || !dot || dot == spec || (size_t)(dot - spec) + 1 == nl)
        return lp_err_set(err, LP_ERR_INVAL,
                          "'%s' is not a variable: expected importpath.name or importpath.name=value",
                          spec);
    out->name = strndup(spec, nl);
    out->value = eq ? strdup(eq + 1) : NULL;
    out->source = LP_XSRC_USER;
    if (!out->name || (eq && !out->value)) {
        free(out->name);
        free(out->value);
        return nomem(err);
    }
    return LP_OK;
}

/* NAME with its package path spelt as symbol names spell it (objabi.PathToPrefix). */
static char *symbol_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    size_t pl = dot ? (size_t)(dot - name) : 0;
    char *pfx = lp_go_path_to_prefix(name, pl);
    if (!pfx)
        return NULL;
    lp_strbuf sb = {0};
    lp_sb_adds(&sb, pfx);
    lp_sb_adds(&sb, name + pl);
    free(pfx);
    return lp_sb_take(&sb);
}

/* ---- the build's record ---- */

lp_xrecord lp_xrecord_of(const lp_buildinfo *bi)
{
    if (!bi)
        return LP_XREC_NO_BUILDINFO;
    if (!bi->n_settings)
        return LP_XREC_NO_SETTINGS;
    if (!lp_buildinfo_setting(bi, "-ldflags")) {
        const char *tp = lp_buildinfo_setting(bi, "-trimpath");
        if (tp && strcmp(tp, "true") == 0)
            return LP_XREC_TRIMPATH;
    }
    return LP_XREC_KNOWN;
}

const char *lp_xrecord_name(lp_xrecord r)
{
    switch (r) {
    case LP_XREC_KNOWN: return "known";
    case LP_XREC_TRIMPATH: return "trimpath";
    case LP_XREC_NO_SETTINGS: return "no-settings";
    case LP_XREC_NO_BUILDINFO: return "no-buildinfo";
    }
    return "no-buildinfo";
}

/* Why the record cannot list -X targets, for details. */
static const char *record_gap(lp_xrecord r)
{
    switch (r) {
    case LP_XREC_TRIMPATH: return "built with -trimpath, so the build info does not record -ldflags";
    case LP_XREC_NO_SETTINGS:
        return "the build info records no build settings (Go 1.17 or older, or another build tool)";
    case LP_XREC_NO_BUILDINFO: return "the binary carries no build info";
    case LP_XREC_KNOWN: break;
    }
    return "";
}

/* ---- reading a string variable ---- */

typedef struct initfn {
    const char *name;
    uint64_t entry;
    uint8_t *code;
    size_t len;
} initfn;

typedef struct ctx {
    lp_obj *obj;
    const lp_facts *f;
    unsigned ps;
    lp_symbol *syms;
    size_t nsyms;
    bool gosyms;           /* the symbol table holds the Go program's own symbols */
    lp_xrecord record;
    const lp_xtarget *rec; /* the -X targets of the recorded -ldflags */
    size_t n_rec;
    const lp_xref_arch *arch;
    initfn *inits;         /* every package's init code, read once */
    size_t n_inits;
    bool inits_loaded;
    bool inits_partial;    /* some init code could not be read, or the budget ran out */
    bool oom;
} ctx;

/* Is [addr, addr+n) zero-initialised memory (past a segment's file data)? */
static bool in_bss(const lp_obj *obj, uint64_t addr, uint64_t n)
{
    for (size_t i = 0; i < lp_obj_segment_count(obj); i++) {
        const lp_segment *s = lp_obj_segment_at(obj, i);
        if (s->type == LP_PT_LOAD && addr >= s->vaddr + s->filesz && addr - s->vaddr < s->memsz &&
            n <= s->memsz - (addr - s->vaddr))
            return true;
    }
    return false;
}

/* Read the string at header address hdr; *out is a heap copy. false with *why when it cannot be read. */
static bool read_string(ctx *c, uint64_t hdr, char **out, const char **why)
{
    *out = NULL;
    if (in_bss(c->obj, hdr, 2ull * c->ps)) {
        *out = strdup("");
        return *out != NULL;
    }
    lp_err e;
    uint64_t p, n;
    if (lp_obj_read_ptr(c->obj, hdr, &p, &e) || lp_obj_read_ptr(c->obj, hdr + c->ps, &n, &e)) {
        *why = "its string header is not in the file's data";
        return false;
    }
    if (n == 0) {
        *out = strdup("");
        return *out != NULL;
    }
    if (n > XV_MAX_VALUE) {
        *why = "its string header gives an implausible length";
        return false;
    }
    char *s = malloc((size_t)n + 1);
    if (!s)
        return false;
    if (lp_obj_read_vaddr(c->obj, p, s, (size_t)n, &e)) {
        free(s);
        *why = "its string header points outside the file's data";
        return false;
    }
    s[n] = '\0';
    *out = s;
    return true;
}

static const lp_symbol *find_symbol(const ctx *c, const char *symname)
{
    for (size_t i = 0; i < c->nsyms; i++)
        if (c->syms[i].type == LP_STT_OBJECT && strcmp(c->syms[i].name, symname) == 0)
            return &c->syms[i];
    return NULL;
}

/* ---- run-time overwrites: what does init code do with this address? ---- */

/* Code that runs before main: PKG.init, PKG.init.N, their closures, Go 1.21's PKG.map.init.N. */
static bool is_init_code(const char *name, size_t pl)
{
    if (!pl)
        return false;
    const char *s = name + pl;
    if (strncmp(s, ".init", 5) == 0 && (s[5] == '\0' || s[5] == '.'))
        return true;
    return strncmp(s, ".map.init.", 10) == 0;
}

static void load_inits(ctx *c)
{
    c->inits_loaded = true;
    const lp_pclntab *t = c->f->pcln;
    if (!t)
        return;
    lp_pcln_version v = lp_pclntab_get_info(t)->version;
    size_t n = lp_pclntab_count(t), total = 0;
    for (size_t i = 0; i < n; i++) {
        const lp_func *fn = lp_pclntab_func(t, i);
        if (!is_init_code(fn->name, lp_go_package_len(fn->name, v)))
            continue;
        uint64_t len = fn->end - fn->entry;
        if (len == 0 || len > XV_MAX_FUNC || total + len > XV_MAX_INIT_CODE) {
            c->inits_partial = true;
            continue;
        }
        initfn *ni = realloc(c->inits, (c->n_inits + 1) * sizeof *ni);
        uint8_t *code = ni ? malloc((size_t)len) : NULL;
        if (ni)
            c->inits = ni;
        if (!code) {
            c->oom = true;
            return;
        }
        lp_err e;
        if (lp_obj_read_vaddr(c->obj, fn->entry, code, (size_t)len, &e) != LP_OK) {
            free(code);
            c->inits_partial = true;
            continue;
        }
        c->inits[c->n_inits++] = (initfn){fn->name, fn->entry, code, (size_t)len};
        total += (size_t)len;
    }
}

static void free_inits(ctx *c)
{
    for (size_t i = 0; i < c->n_inits; i++)
        free(c->inits[i].code);
    free(c->inits);
    c->inits = NULL;
    c->n_inits = 0;
}

typedef enum ow_kind {
    OW_NONE = 0,   /* no init code touches it, or only reads it */
    OW_ADDR,       /* init code takes its address (use unknown) */
    OW_READ_WRITE, /* init code reads the value and writes it (a default? a rewrite?) */
    OW_WRITE,      /* init code stores into it without reading its value */
    OW_UNKNOWN,    /* init code exists that this scan cannot read */
} ow_kind;

typedef struct ow_result {
    ow_kind kind;
    char fn[256];
    const char *why; /* OW_UNKNOWN */
} ow_result;

static void overwrite_scan(ctx *c, uint64_t hdr, ow_result *out)
{
    memset(out, 0, sizeof *out);
    if (!c->f->pcln) {
        out->kind = OW_UNKNOWN;
        out->why = "the Go function table cannot be read";
        return;
    }
    if (!c->inits_loaded)
        load_inits(c);
    if (!c->arch) {
        if (c->n_inits || c->inits_partial) {
            out->kind = OW_UNKNOWN;
            out->why = "init code is not analysed on this architecture";
        }
        return;
    }
    bool be = c->f->info.big_endian;
    for (size_t i = 0; i < c->n_inits; i++) {
        const initfn *fn = &c->inits[i];
        unsigned b = lp_xref_scan(c->arch, be, fn->code, fn->len, fn->entry, hdr,
                                  hdr + 2ull * c->ps, hdr + c->ps);
        ow_kind k = (b & LP_XREF_STORE) ? ((b & LP_XREF_LOAD_LEN) ? OW_READ_WRITE : OW_WRITE)
                    : (b & LP_XREF_ADDR) ? OW_ADDR
                                         : OW_NONE;
        if (k > out->kind) {
            out->kind = k;
            snprintf(out->fn, sizeof out->fn, "%s", fn->name);
        }
    }
    if (out->kind == OW_NONE && c->inits_partial) {
        out->kind = OW_UNKNOWN;
        out->why = "some init code could not be read";
    }
}

/* ---- stripped binaries: string headers that point at a value ---- */

/* The build-info blob's own copy of the -ldflags does not count as a use of the value. */
static bool in_buildinfo(const ctx *c, uint64_t a)
{
    const lp_buildinfo *bi = c->f->go;
    if (!bi || bi->layout != LP_BI_INLINE)
        return false;
    uint64_t lo = bi->blob_addr, hi = lo + 32 + 20 + strlen(bi->go_version) + 32 + bi->modinfo_len;
    return a >= lo && a < hi;
}

typedef struct hdrhit {
    uint64_t hdr;  /* the (pointer, length) pair */
    uint64_t ptr;  /* the value's bytes */
    bool linker;   /* the bytes are a string the linker made for -X: NUL-terminated, aligned */
} hdrhit;

typedef struct hits {
    hdrhit h[XV_MAX_HITS];
    size_t n;
    bool more; /* past XV_MAX_HITS, or a segment too large to scan */
} hits;

/*
 * cmd/link's addstrdata gives every applied -X its own read-only symbol NAME.str
 * holding the value and a NUL, aligned as the linker aligns a symbol of that size
 * (the largest power of two not above it; 8 is the least any Go target allows);
 * string literals are packed in go.string.* without terminators.
 */
static bool linker_string(ctx *c, uint64_t p, size_t vl)
{
    uint64_t size = (uint64_t)vl + 1, align = 1;
    while (align * 2 <= size && align < 8)
        align *= 2;
    if (p % align)
        return false;
    uint8_t z = 1;
    lp_err e;
    return lp_obj_read_vaddr(c->obj, p + vl, &z, 1, &e) == LP_OK && z == 0;
}

static void find_headers(ctx *c, const char *val, size_t vl, hits *out)
{
    memset(out, 0, sizeof *out);
    unsigned ps = c->ps;
    bool be = c->f->info.big_endian;
    char *buf = malloc(vl ? vl : 1);
    if (!buf) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < lp_obj_segment_count(c->obj); i++) {
        const lp_segment *s = lp_obj_segment_at(c->obj, i);
        if (s->type != LP_PT_LOAD || !(s->flags & LP_SEG_W) || s->filesz == 0)
            continue;
        if (s->filesz > XV_MAX_SCAN) {
            out->more = true;
            continue;
        }
        lp_region r;
        lp_err e;
        if (lp_src_region(lp_obj_source(c->obj), s->off, (size_t)s->filesz, "data", &r, &e))
            continue;
        lp_cur cur;
        lp_cur_init(&cur, r.data, r.len, s->vaddr, be, ps);
        uint64_t start = (ps - s->vaddr % ps) % ps;
        for (uint64_t o = start; o + 2ull * ps <= r.len; o += ps) {
            lp_cur_seek(&cur, (size_t)o);
            uint64_t p = lp_cur_ptr(&cur), n = lp_cur_ptr(&cur);
            if (n != vl)
                continue;
            /* a PIE whose linker left the pointer to the loader: the relocation holds it */
            if (p == 0 && lp_obj_read_ptr(c->obj, s->vaddr + o, &p, &e) != LP_OK)
                continue;
            if (p == 0 || in_buildinfo(c, p) || lp_obj_read_vaddr(c->obj, p, buf, vl, &e) != LP_OK ||
                memcmp(buf, val, vl) != 0)
                continue;
            if (out->n == XV_MAX_HITS) {
                out->more = true;
                break;
            }
            out->h[out->n++] = (hdrhit){s->vaddr + o, p, linker_string(c, p, vl)};
        }
        lp_region_release(&r);
    }
    free(buf);
}

/* ---- suggestions ---- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            prev = cur;
        }
    }
    return row[lb];
}

static void suggest(lp_xresult *r, const char *cand, size_t len)
{
    if (r->n_suggestions >= 3)
        return;
    for (size_t i = 0; i < r->n_suggestions; i++)
        if (strlen(r->suggestions[i]) == len && strncmp(r->suggestions[i], cand, len) == 0)
            return;
    char *s = strndup(cand, len);
    if (s)
        r->suggestions[r->n_suggestions++] = s;
}

/* Closest real string variables (symbol table) or packages (function table) to name. */
static void suggestions(ctx *c, lp_xresult *r)
{
    const char *name = r->name;
    const char *dot = strrchr(name, '.');
    if (!dot)
        return;
    size_t pl = (size_t)(dot - name);
    const char *var = dot + 1;
    /* string variables only: a header of two words */
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < c->nsyms; i++) {
            const lp_symbol *y = &c->syms[i];
            if (y->type != LP_STT_OBJECT || (y->size != 2ull * c->ps && y->size != 0)) /* Mach-O: no sizes */
                continue;
            const char *yd = strrchr(y->name, '.');
            if (!yd)
                continue;
            size_t ypl = (size_t)(yd - y->name);
            bool same_pkg = ypl == pl && strncmp(y->name, name, pl) == 0;
            if (pass == 0 && same_pkg && strcasecmp(yd + 1, var) == 0)
                suggest(r, y->name, strlen(y->name));
            else if (pass == 1 && same_pkg && edit_distance(yd + 1, var) <= 2)
                suggest(r, y->name, strlen(y->name));
            else if (pass == 2) {
                /* the full import path of a package whose path ends with what was written */
                size_t nl = strlen(name), yl = strlen(y->name);
                if (yl > nl && y->name[yl - nl - 1] == '/' && strcmp(y->name + yl - nl, name) == 0)
                    suggest(r, y->name, yl);
            }
        }
    }
    /* stripped: packages from the function table whose path ends with "/" + the package written */
    if (!c->nsyms && c->f->pcln) {
        for (size_t i = 0; i < c->f->n_pkgs; i++) {
            const lp_pkg *p = &c->f->pkgs[i];
            if (p->len > pl && p->name[p->len - pl - 1] == '/' &&
                strncmp(p->name + p->len - pl, name, pl) == 0) {
                char buf[1024];
                int k = snprintf(buf, sizeof buf, "%.*s%s", (int)p->len, p->name, dot);
                if (k > 0 && (size_t)k < sizeof buf)
                    suggest(r, buf, (size_t)k);
            }
        }
    }
}

/* ---- verdicts ---- */

static bool set_detail(lp_xresult *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool set_detail(lp_xresult *r, const char *fmt, ...)
{
    char buf[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(r->detail);
    r->detail = strdup(buf);
    return r->detail != NULL;
}

static bool verdict(lp_xresult *r, lp_xverdict v, const char *confidence, const char *evidence)
{
    r->verdict = v;
    r->confidence = confidence;
    r->evidence = evidence;
    return true;
}

/* The value the record asks for NAME (NULL: no -X for it in the record). */
static const char *recorded_value(const ctx *c, const char *name)
{
    for (size_t i = 0; i < c->n_rec; i++)
        if (strcmp(c->rec[i].name, name) == 0)
            return c->rec[i].value;
    return NULL;
}

/* How many recorded -X targets ask for value v. */
static size_t recorded_with_value(const ctx *c, const char *v)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n_rec; i++)
        k += strcmp(c->rec[i].value, v) == 0;
    return k;
}

/*
 * Run-time overwrites, once the value is known to be linked in at hdr: the
 * verdict is `injected` only when no init code writes it or may write it.
 */
static bool judge_overwrite(ctx *c, lp_xresult *r, uint64_t hdr, const char *confidence,
                            const char *evidence, const char *held)
{
    ow_result ow;
    overwrite_scan(c, hdr, &ow);
    if (c->oom)
        return false;
    switch (ow.kind) {
    case OW_WRITE:
        verdict(r, LP_XV_OVERWRITTEN, confidence, evidence);
        return set_detail(r, "%s, but %s stores into the variable without reading it (a "
                             "non-constant initializer or an init assignment): at run time the "
                             "program sees what init stores",
                          held, ow.fn);
    case OW_READ_WRITE:
        verdict(r, LP_XV_UNCONFIRMED, "low", evidence);
        return set_detail(r, "%s, but %s reads the variable and stores into it: a default such as "
                             "`if v == \"\" { v = ... }` keeps the -X value, a rewrite replaces it; "
                             "the binary cannot tell which",
                          held, ow.fn);
    case OW_ADDR:
        verdict(r, LP_XV_UNCONFIRMED, "low", evidence);
        return set_detail(r, "%s, but %s takes the variable's address, and what it does through "
                             "it is not known",
                          held, ow.fn);
    case OW_UNKNOWN:
        verdict(r, LP_XV_UNCONFIRMED, "low", evidence);
        return set_detail(r, "%s; whether init code overwrites it is not known: %s", held, ow.why);
    case OW_NONE:
        break;
    }
    verdict(r, LP_XV_INJECTED, confidence, evidence);
    return set_detail(r, "%s; no init code writes it", held);
}

/* With the Go program's symbols: the variable by name. */
static bool judge_named(ctx *c, lp_xresult *r)
{
    char *sn = symbol_name(r->name);
    if (!sn)
        return false;
    const lp_symbol *y = find_symbol(c, sn);
    free(sn);
    if (!y) {
        verdict(r, LP_XV_MISSING, "high", "symbol");
        suggestions(c, r);
        return set_detail(r, "no variable of that name in the symbol table: a typo, another "
                             "case, a short import path, a const, or a package the linker "
                             "dropped; the linker ignores such a -X silently");
    }
    r->has_addr = true;
    r->addr = y->value;
    const char *why = "";
    if (!read_string(c, y->value, &r->value, &why)) {
        if (!r->value && !*why)
            return false;
        verdict(r, LP_XV_UNVERIFIABLE, "low", "symbol");
        return set_detail(r, "the variable exists but %s", why);
    }
    const char *rv = c->record == LP_XREC_KNOWN ? recorded_value(c, r->name) : NULL;
    bool holds = r->requested ? strcmp(r->value, r->requested) == 0 : r->value[0] != '\0';
    if (!holds) {
        verdict(r, r->requested ? LP_XV_DIFFERENT : LP_XV_EMPTY, "high", "symbol");
        if (!r->requested)
            return set_detail(r, "the variable exists but holds the empty string");
        if (rv && strcmp(rv, r->requested) != 0)
            return set_detail(r, "the variable holds another value; the build record says "
                                 "-X %s=%s",
                              r->name, rv);
        return set_detail(r, "the variable holds another value (a later -ldflags flag replaced "
                             "this one, or the build used other flags)");
    }
    if (!r->requested) {
        /* a default from the source reads the same as an -X value: the record must say */
        bool rec = c->record == LP_XREC_KNOWN && rv;
        if (!rec) {
            verdict(r, LP_XV_UNCONFIRMED, "low", "symbol");
            return set_detail(r, "the variable holds a non-empty value, but %s, so a default "
                                 "from the source cannot be told from an -X value; give "
                                 "NAME=VALUE",
                              c->record == LP_XREC_KNOWN ? "the record shows no -X for it"
                                                         : record_gap(c->record));
        }
        if (strcmp(rv, r->value) != 0) {
            verdict(r, LP_XV_DIFFERENT, "high", "symbol");
            return set_detail(r, "the variable holds another value than the build record's "
                                 "-X %s=%s",
                              r->name, rv);
        }
    }
    return judge_overwrite(c, r, y->value, "high", "symbol", "the variable holds the value");
}

/* Without symbols: string headers in the data that point at the value, tied by the record. */
static bool judge_stripped(ctx *c, lp_xresult *r)
{
    const char *rv = c->record == LP_XREC_KNOWN ? recorded_value(c, r->name) : NULL;
    if (r->requested && rv && strcmp(rv, r->requested) != 0) {
        verdict(r, LP_XV_DIFFERENT, "high", "record");
        return set_detail(r, "the build record says -X %s=%s, not this value", r->name, rv);
    }
    const char *want = r->requested ? r->requested : rv;
    if (!want || !want[0]) {
        verdict(r, LP_XV_UNVERIFIABLE, "low", "none");
        return set_detail(r, "no symbol table and %s: there is nothing to look for",
                          want ? "the value is empty" : "no value was requested");
    }
    size_t vl = strlen(want);
    hits h;
    find_headers(c, want, vl, &h);
    if (c->oom)
        return false;
    size_t nx = 0, nl = 0;
    const hdrhit *first_x = NULL;
    for (size_t i = 0; i < h.n; i++) {
        if (h.h[i].linker) {
            if (!nx++)
                first_x = &h.h[i];
        } else {
            nl++;
        }
    }
    if (h.n == 1) {
        r->has_addr = true;
        r->addr = h.h[0].hdr;
    }
    if (h.n)
        r->value = strdup(want);
    if (h.n && !r->value)
        return false;
    if (h.more) {
        verdict(r, LP_XV_UNCONFIRMED, "low", "value-only");
        return set_detail(r, "no symbol table, and more than %d string variables hold this "
                             "value (or the data is too large to scan): which is this one cannot "
                             "be told",
                          XV_MAX_HITS);
    }
    if (c->record != LP_XREC_KNOWN) {
        if (!h.n) {
            verdict(r, LP_XV_NOT_INJECTED, "high", "value-only");
            suggestions(c, r);
            return set_detail(r, "no symbol table, and no string variable in the data holds the "
                                 "value");
        }
        verdict(r, LP_XV_UNCONFIRMED, "low", "value-only");
        return set_detail(r, "no symbol table, and %s: %zu string variable%s hold%s the value "
                             "(%zu set by -X), but nothing ties %s to this name",
                          record_gap(c->record), h.n, h.n == 1 ? "" : "s", h.n == 1 ? "s" : "",
                          nx, h.n == 1 ? "it" : "them");
    }
    size_t k = recorded_with_value(c, want);
    if (!rv) {
        /* the record names every -X of the build; this variable is not among them */
        if (nx > k) {
            verdict(r, LP_XV_UNCONFIRMED, "low", "value-only");
            return set_detail(r, "the build record shows no -X for this variable, yet more "
                                 "linker-set strings hold the value than the record explains: "
                                 "the record may be incomplete");
        }
        if (nl) {
            verdict(r, LP_XV_UNCONFIRMED, "low", "value-only");
            return set_detail(r, "the build record shows no -X for this variable; %zu string "
                                 "variable%s hold%s the value from the source, but without "
                                 "symbols none can be tied to this name",
                              nl, nl == 1 ? "" : "s", nl == 1 ? "s" : "");
        }
        verdict(r, LP_XV_NOT_INJECTED, "high", "record");
        suggestions(c, r);
        return set_detail(r, "the build record shows no -X for this variable, and %s",
                          nx ? "the linker-set strings that hold the value belong to other -X "
                               "targets"
                             : "no string variable holds the value");
    }
    if (nx == 0) {
        verdict(r, LP_XV_NOT_INJECTED, "high", "record+linker-string");
        suggestions(c, r);
        return set_detail(r, "no symbol table; the linker made no string for this -X (none holds "
                             "the value with the terminator and alignment the linker gives -X "
                             "data): the target does not exist (a typo, another case, a short "
                             "import path, a const, or a package the linker dropped)");
    }
    if (nx != k) {
        verdict(r, LP_XV_UNCONFIRMED, "low", "record+linker-string");
        return set_detail(r, "no symbol table; the record asks %zu -X target%s for this value "
                             "and %zu linker-set string%s hold%s it: which target%s took effect "
                             "cannot be told",
                          k, k == 1 ? "" : "s", nx, nx == 1 ? "" : "s", nx == 1 ? "s" : "",
                          nx == 1 ? "" : "s");
    }
    /* every -X that asks for this value took effect: each made exactly one linker string */
    char held[256];
    if (k == 1) {
        r->has_addr = true;
        r->addr = first_x->hdr;
        snprintf(held, sizeof held,
                 "no symbol table; the record's only -X for this value made the linker-set string "
                 "that the variable at 0x%llx points at",
                 (unsigned long long)first_x->hdr);
        return judge_overwrite(c, r, first_x->hdr, "medium", "record+linker-string", held);
    }
    r->has_addr = false;
    snprintf(held, sizeof held,
             "no symbol table; all %zu -X targets of the record with this value made their "
             "linker-set strings",
             k);
    /* which of them is this one is unknown: every candidate must be free of init writes */
    ow_result worst = {0};
    for (size_t i = 0; i < h.n; i++) {
        if (!h.h[i].linker)
            continue;
        ow_result ow;
        overwrite_scan(c, h.h[i].hdr, &ow);
        if (ow.kind > worst.kind)
            worst = ow;
    }
    if (c->oom)
        return false;
    if (worst.kind != OW_NONE) {
        verdict(r, LP_XV_UNCONFIRMED, "low", "record+linker-string");
        return set_detail(r, "%s, but init code (%s) writes or may write one of them, and which "
                             "is this one cannot be told",
                          held, worst.kind == OW_UNKNOWN ? worst.why : worst.fn);
    }
    verdict(r, LP_XV_INJECTED, "medium", "record+linker-string");
    return set_detail(r, "%s; no init code writes any of them", held);
}

static bool judge(ctx *c, lp_xresult *r)
{
    /* no value asked for: only the record can say an -X was given for it */
    if (!r->requested && c->record == LP_XREC_KNOWN && !recorded_value(c, r->name)) {
        char *sn = symbol_name(r->name);
        const lp_symbol *y = sn && c->gosyms ? find_symbol(c, sn) : NULL;
        free(sn);
        const char *why = "";
        if (y && read_string(c, y->value, &r->value, &why)) {
            r->has_addr = true;
            r->addr = y->value;
        }
        verdict(r, LP_XV_NOT_INJECTED, "high", "record");
        return set_detail(r, "the build's record shows no -X for this variable (%s); any value it "
                             "holds comes from the source",
                          lp_buildinfo_setting(c->f->go, "-ldflags") ? "-ldflags has none for it"
                                                                     : "no -ldflags were given");
    }
    return c->gosyms ? judge_named(c, r) : judge_stripped(c, r);
}

/* A symbol table is the program's own only if it names Go's runtime data. */
static bool has_go_symbols(const ctx *c)
{
    for (size_t i = 0; i < c->nsyms; i++)
        if (strcmp(c->syms[i].name, "runtime.firstmoduledata") == 0 ||
            strcmp(c->syms[i].name, "runtime.buildVersion") == 0)
            return true;
    return false;
}

lp_code lp_xvars_check(lp_obj *obj, const lp_facts *f, const lp_xtarget *user, size_t n_user,
                       lp_xreport *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    lp_xtarget *rec = NULL;
    size_t n_rec = 0;
    const char *ld = f->go ? lp_buildinfo_setting(f->go, "-ldflags") : NULL;
    out->ldflags_recorded = ld != NULL;
    out->record = lp_xrecord_of(f->go);
    const char *tp = f->go ? lp_buildinfo_setting(f->go, "-trimpath") : NULL;
    out->trimpath = tp && strcmp(tp, "true") == 0;
    ctx c = {.obj = obj, .f = f, .ps = f->info.bits == 64 ? 8 : 4, .record = out->record};
    c.arch = lp_xref_arch_for(f->info.goarch);
    out->overwrite_scan = c.arch && f->pcln;
    lp_err e2;
    if (ld && lp_ldflags_xtargets(ld, &rec, &n_rec, &e2) == LP_ERR_NOMEM)
        return nomem(err);
    size_t total = n_rec + n_user;
    lp_code rc = lp_obj_symbols(obj, &c.syms, &c.nsyms, &e2);
    if (rc == LP_ERR_NOMEM) {
        lp_xtargets_free(&rec, n_rec);
        return nomem(err);
    }
    c.gosyms = has_go_symbols(&c);
    out->symbols = c.gosyms;
    if (!total) {
        lp_obj_symbols_free(&c.syms);
        lp_xtargets_free(&rec, n_rec);
        return LP_OK;
    }
    c.rec = rec;
    c.n_rec = n_rec;
    out->r = calloc(total, sizeof *out->r);
    bool ok = out->r != NULL;
    for (size_t i = 0; ok && i < total; i++) {
        const lp_xtarget *t = i < n_rec ? &rec[i] : &user[i - n_rec];
        lp_xresult *r = &out->r[out->n++];
        r->name = strdup(t->name);
        r->requested = t->value ? strdup(t->value) : NULL;
        r->source = t->source;
        ok = r->name && (!t->value || r->requested) && judge(&c, r) && !c.oom;
    }
    free_inits(&c);
    lp_obj_symbols_free(&c.syms);
    lp_xtargets_free(&rec, n_rec);
    if (!ok) {
        lp_xreport_release(out);
        return nomem(err);
    }
    return LP_OK;
}

void lp_xreport_release(lp_xreport *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        lp_xresult *x = &r->r[i];
        free(x->name);
        free(x->requested);
        free(x->value);
        free(x->detail);
        for (size_t k = 0; k < x->n_suggestions; k++)
            free(x->suggestions[k]);
    }
    free(r->r);
    memset(r, 0, sizeof *r);
}

const char *lp_xverdict_name(lp_xverdict v)
{
    switch (v) {
    case LP_XV_INJECTED: return "injected";
    case LP_XV_MISSING: return "missing";
    case LP_XV_DIFFERENT: return "different";
    case LP_XV_EMPTY: return "empty";
    case LP_XV_OVERWRITTEN: return "overwritten";
    case LP_XV_NOT_INJECTED: return "not-injected";
    case LP_XV_UNVERIFIABLE: return "unverifiable";
    case LP_XV_UNCONFIRMED: return "unconfirmed";
    }
    return "unverifiable";
}
