/*
 * xvar.c - verdicts on `-ldflags -X`: parsing the targets, reading the
 * variables, finding values in stripped binaries, and looking for run-time
 * overwrites in the package's init code.
 *
 * Owns: the linker's -X argument rules (cmd/link addstrdata1), symbol-name
 * escaping (objabi.PathToPrefix), the string-header search, and the per-
 * architecture instruction patterns that compute a global's address (amd64
 * and 386 ModRM disp32, arm64 ADRP+ADD/LDR/STR, s390x LARL, ppc64 ADDIS+D-form
 * with an absolute base). Everything read from the
 * binary goes through the object view and is bounded: a value is at most
 * XV_MAX_VALUE bytes, an init function at most XV_MAX_FUNC bytes, a data
 * segment scanned at most XV_MAX_SCAN bytes.
 */
#include "linkproof/xvar.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkproof/facts.h"
#include "linkproof/go.h"
#include "linkproof/object.h"
#include "util/cursor.h"
#include "util/strbuf.h"

#define XV_MAX_VALUE (1u << 20)
#define XV_MAX_FUNC (1u << 20)
#define XV_MAX_SCAN (256u << 20)
#define XV_MAX_HITS 64

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

/* ---- reading a string variable ---- */

typedef struct ctx {
    lp_obj *obj;
    const lp_facts *f;
    unsigned ps;
    lp_symbol *syms;
    size_t nsyms;
    bool trim;             /* built with -trimpath: the -ldflags record is absent, not empty */
    const lp_xtarget *rec; /* the -X targets of the recorded -ldflags */
    size_t n_rec;
} ctx;

/* Is [addr, addr+n) zero-initialised memory (past a segment's file data)? */
static bool in_bss(const lp_obj *obj, uint64_t addr, uint64_t n)
{
    for (size_t i = 0; i < lp_obj_segment_count(obj); i++) {
        const lp_segment *s = lp_obj_segment_at(obj, i);
        if (s->type == 1 && addr >= s->vaddr + s->filesz && addr - s->vaddr < s->memsz &&
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
        if (c->syms[i].type == 1 /* STT_OBJECT */ && strcmp(c->syms[i].name, symname) == 0)
            return &c->syms[i];
    return NULL;
}

/* ---- run-time overwrites: does the package's init code compute this address? ---- */

/* amd64 (RIP-relative) and 386 (absolute): ModRM mod=00 rm=101 then disp32, maybe an immediate. */
static bool x86_refs(const uint8_t *code, size_t n, uint64_t pc, bool rip, uint64_t lo, uint64_t hi)
{
    static const unsigned imms[] = {0, 1, 2, 4};
    for (size_t i = 1; i + 4 <= n; i++) {
        if ((code[i - 1] & 0xC7) != 0x05)
            continue;
        int32_t d = (int32_t)lp_load32(code + i, false);
        for (size_t k = 0; k < sizeof imms / sizeof imms[0]; k++) {
            uint64_t t = rip ? pc + i + 4 + imms[k] + (uint64_t)(int64_t)d : (uint64_t)(uint32_t)d;
            if (t >= lo && t < hi)
                return true;
            if (!rip)
                break;
        }
    }
    return false;
}

/* arm64: ADRP Xd, page; then within a few instructions ADD/LDR/STR with base Xd. */
static bool arm64_refs(const uint8_t *code, size_t n, uint64_t pc, bool be, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i + 4 <= n; i += 4) {
        uint32_t w = lp_load32(code + i, be);
        if ((w & 0x9F000000u) != 0x90000000u) /* ADRP */
            continue;
        unsigned rd = w & 31;
        int64_t imm = (int64_t)(((w >> 5) & 0x7FFFF) << 2 | ((w >> 29) & 3));
        if (imm & (1 << 20))
            imm -= 1 << 21;
        uint64_t page = ((pc + i) & ~0xFFFull) + (uint64_t)(imm * 4096);
        for (size_t j = i + 4; j < i + 20 && j + 4 <= n; j += 4) {
            uint32_t v = lp_load32(code + j, be);
            unsigned rn = (v >> 5) & 31;
            if (rn != rd)
                continue;
            uint64_t t;
            if ((v & 0xFF800000u) == 0x91000000u) /* ADD Xd, Xn, #imm{, lsl #12} */
                t = page + (((v >> 10) & 0xFFF) << (((v >> 22) & 1) ? 12 : 0));
            else if ((v & 0xFFC00000u) == 0xF9000000u || (v & 0xFFC00000u) == 0xF9400000u) /* STR/LDR X */
                t = page + ((v >> 10) & 0xFFF) * 8;
            else if ((v & 0xFFC00000u) == 0xB9000000u || (v & 0xFFC00000u) == 0xB9400000u) /* STR/LDR W */
                t = page + ((v >> 10) & 0xFFF) * 4;
            else
                continue;
            if (t >= lo && t < hi)
                return true;
        }
    }
    return false;
}

/* s390x: LARL r1, imm32 (RIL-b, imm in halfwords, PC-relative), as Go uses for every global. */
static bool s390x_refs(const uint8_t *code, size_t n, uint64_t pc, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i + 6 <= n; i += 2) {
        if (code[i] != 0xC0 || (code[i + 1] & 0x0F) != 0)
            continue;
        int32_t imm = (int32_t)lp_load32(code + i + 2, true);
        uint64_t t = pc + i + (uint64_t)((int64_t)imm * 2);
        if (t >= lo && t < hi)
            return true;
    }
    return false;
}

/* ppc64/ppc64le: ADDIS rt, 0, ha; then ADDI/LD/STD/LWZ/STW with base rt: an absolute address. */
static bool ppc64_refs(const uint8_t *code, size_t n, bool be, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i + 4 <= n; i += 4) {
        uint32_t w = lp_load32(code + i, be);
        if (w >> 26 != 15 || ((w >> 16) & 31) != 0) /* addis rt, 0, imm */
            continue;
        unsigned rt = (w >> 21) & 31;
        uint64_t high = (uint64_t)(int64_t)(int16_t)(w & 0xFFFF) << 16;
        for (size_t j = i + 4; j < i + 20 && j + 4 <= n; j += 4) {
            uint32_t v = lp_load32(code + j, be);
            unsigned op = v >> 26, ra = (v >> 16) & 31;
            if (ra != rt || (op != 14 && op != 58 && op != 62 && op != 32 && op != 36))
                continue;
            int64_t d = (int16_t)(v & 0xFFFF);
            if (op == 58 || op == 62)
                d &= ~3; /* DS form */
            uint64_t t = high + (uint64_t)d;
            if (t >= lo && t < hi)
                return true;
        }
    }
    return false;
}

/*
 * Whether some init function of pkg computes an address in [addr, addr+2*ps).
 * *checked is false when this architecture's code is not analysed.
 */
static bool init_writes(ctx *c, const char *pkg, size_t pkg_len, uint64_t addr, bool *checked,
                        char *fn_out, size_t fn_len)
{
    const char *ga = c->f->info.goarch;
    bool amd64 = ga && strcmp(ga, "amd64") == 0, i386 = ga && strcmp(ga, "386") == 0;
    bool arm64 = ga && strcmp(ga, "arm64") == 0, s390x = ga && strcmp(ga, "s390x") == 0;
    bool ppc64 = ga && strncmp(ga, "ppc64", 5) == 0;
    *checked = (amd64 || i386 || arm64 || s390x || ppc64) && c->f->pcln;
    if (!*checked)
        return false;
    const lp_pclntab *t = c->f->pcln;
    lp_pcln_version v = lp_pclntab_get_info(t)->version;
    size_t n = lp_pclntab_count(t);
    for (size_t i = 0; i < n; i++) {
        const lp_func *fn = lp_pclntab_func(t, i);
        if (strncmp(fn->name, pkg, pkg_len) != 0) /* cheap test first */
            continue;
        size_t pl = lp_go_package_len(fn->name, v);
        if (pl != pkg_len || strncmp(fn->name, pkg, pkg_len) != 0 || !lp_go_is_init(fn->name, pl))
            continue;
        /* the function ends where the next one (by address) starts */
        uint64_t end = UINT64_MAX;
        for (size_t j = 0; j < n; j++) {
            uint64_t e = lp_pclntab_func(t, j)->entry;
            if (e > fn->entry && e < end)
                end = e;
        }
        if (end == UINT64_MAX || end - fn->entry > XV_MAX_FUNC)
            continue;
        size_t len = (size_t)(end - fn->entry);
        uint8_t *code = malloc(len ? len : 1);
        lp_err e;
        if (!code)
            return false;
        bool hit = false;
        if (lp_obj_read_vaddr(c->obj, fn->entry, code, len, &e) == LP_OK) {
            uint64_t hi = addr + 2ull * c->ps;
            bool be = c->f->info.big_endian;
            if (amd64 || i386)
                hit = x86_refs(code, len, fn->entry, amd64, addr, hi);
            else if (arm64)
                hit = arm64_refs(code, len, fn->entry, be, addr, hi);
            else if (s390x)
                hit = s390x_refs(code, len, fn->entry, addr, hi);
            else
                hit = ppc64_refs(code, len, be, addr, hi);
        }
        free(code);
        if (hit) {
            snprintf(fn_out, fn_len, "%s", fn->name);
            return true;
        }
    }
    return false;
}

/* ---- stripped binaries: find a string header pointing at the value ---- */

/* Virtual addresses of the occurrences of val in non-executable loaded data. */
static size_t find_bytes(ctx *c, const char *val, size_t vl, uint64_t *hits, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < lp_obj_segment_count(c->obj) && k < max; i++) {
        const lp_segment *s = lp_obj_segment_at(c->obj, i);
        /* an empty segment has no bytes (and no base pointer to offset from) */
        if (s->type != 1 || (s->flags & LP_SEG_X) || s->filesz == 0 || s->filesz > XV_MAX_SCAN)
            continue;
        lp_region r;
        lp_err e;
        if (lp_src_region(lp_obj_source(c->obj), s->off, (size_t)s->filesz, "data", &r, &e))
            continue;
        const uint8_t *d = r.data, *end = r.data + r.len;
        while (k < max && d < end) {
            const uint8_t *g = memmem(d, (size_t)(end - d), val, vl);
            if (!g)
                break;
            hits[k++] = s->vaddr + (uint64_t)(g - r.data);
            d = g + 1;
        }
        lp_region_release(&r);
    }
    return k;
}

/* The build-info blob's own copy of the -ldflags does not count as a use of the value. */
static bool in_buildinfo(const ctx *c, uint64_t a)
{
    const lp_buildinfo *bi = c->f->go;
    if (!bi || bi->layout != LP_BI_INLINE)
        return false;
    uint64_t lo = bi->blob_addr, hi = lo + 32 + 20 + strlen(bi->go_version) + 32 + bi->modinfo_len;
    return a >= lo && a < hi;
}

/* A word-aligned (pointer, length) pair in writable data, or a RELATIVE relocation, pointing at one hit. */
static bool find_header(ctx *c, const uint64_t *hits, size_t nh, uint64_t len, uint64_t *hdr)
{
    unsigned ps = c->ps;
    bool be = c->f->info.big_endian;
    for (size_t i = 0; i < lp_obj_segment_count(c->obj); i++) {
        const lp_segment *s = lp_obj_segment_at(c->obj, i);
        if (s->type != 1 || !(s->flags & LP_SEG_W) || s->filesz > XV_MAX_SCAN)
            continue;
        lp_region r;
        lp_err e;
        if (lp_src_region(lp_obj_source(c->obj), s->off, (size_t)s->filesz, "data", &r, &e))
            continue;
        lp_cur cur;
        lp_cur_init(&cur, r.data, r.len, s->vaddr, be, ps);
        bool found = false;
        uint64_t start = (ps - s->vaddr % ps) % ps;
        for (uint64_t o = start; !found && o + 2ull * ps <= r.len; o += ps) {
            lp_cur_seek(&cur, (size_t)o);
            uint64_t p = lp_cur_ptr(&cur), n = lp_cur_ptr(&cur);
            if (n != len)
                continue;
            for (size_t h = 0; h < nh && !found; h++)
                if (p == hits[h]) {
                    *hdr = s->vaddr + o;
                    found = true;
                }
            /* a PIE whose linker left the pointer to the loader: the relocation holds it */
            if (!found && p == 0) {
                uint64_t rp = 0;
                if (lp_obj_read_ptr(c->obj, s->vaddr + o, &rp, &e) == LP_OK)
                    for (size_t h = 0; h < nh && !found; h++)
                        if (rp == hits[h]) {
                            *hdr = s->vaddr + o;
                            found = true;
                        }
            }
        }
        lp_region_release(&r);
        if (found)
            return true;
    }
    return false;
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
            if (y->type != 1 || y->size != 2ull * c->ps)
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
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(r->detail);
    r->detail = strdup(buf);
    return r->detail != NULL;
}

/* The verdict once the variable's header address is known and its value read. */
static bool judge_value(ctx *c, lp_xresult *r, uint64_t hdr, bool named)
{
    const char *dot = strrchr(r->name, '.');
    size_t pl = dot ? (size_t)(dot - r->name) : 0;
    bool checked = false;
    char fn[256] = "";
    bool writes = init_writes(c, r->name, pl, hdr, &checked, fn, sizeof fn);
    const char *ga = c->f->info.goarch ? c->f->info.goarch : "this architecture";
    bool holds = r->requested ? strcmp(r->value, r->requested) == 0 : r->value[0] != '\0';
    if (holds && writes) {
        r->verdict = LP_XV_OVERWRITTEN;
        r->confidence = "high";
        return set_detail(r, "the data holds the -X value, but %s computes the variable's address "
                             "(a non-constant initializer or an init assignment): at run time the "
                             "program sees what init stores",
                          fn);
    }
    if (!holds) {
        r->verdict = r->requested ? LP_XV_DIFFERENT : LP_XV_EMPTY;
        r->confidence = "high";
        return set_detail(r, r->requested ? "the variable holds another value (a later -ldflags flag "
                                            "replaced this one, or the build used other flags)"
                                          : "the variable exists but holds the empty string");
    }
    r->verdict = LP_XV_INJECTED;
    /* found by value in a stripped binary: the name itself cannot be confirmed */
    r->confidence = checked && named ? "high" : "medium";
    if (!r->requested) {
        /* a default from the source reads the same as an -X value: say so */
        r->confidence = "medium";
        return set_detail(r, "the variable holds a non-empty value%s; with no expected value "
                             "given, a default from the source cannot be told from an -X value",
                          checked ? " and no init code of its package writes it" : "");
    }
    if (named)
        return checked ? set_detail(r, "the variable holds the value; no init code of its package "
                                       "writes it")
                       : set_detail(r, "the variable holds the value; run-time overwrites are not "
                                       "checked on %s",
                                    ga);
    return checked ? set_detail(r, "stripped: a string header at 0x%llx points at the value "
                                   "(variable name unknown); no init code of the package writes it",
                                (unsigned long long)hdr)
                   : set_detail(r, "stripped: a string header at 0x%llx points at the value "
                                   "(variable name unknown); run-time overwrites are not checked on %s",
                                (unsigned long long)hdr, ga);
}

/* Was NAME the target of an -X in the build's record? (-1: the record cannot tell) */
static int recorded_x(const ctx *c, const char *name)
{
    const lp_buildinfo *bi = c->f->go;
    if (!bi || c->trim)
        return -1;
    for (size_t i = 0; i < c->n_rec; i++)
        if (strcmp(c->rec[i].name, name) == 0)
            return 1;
    return 0;
}

static bool judge(ctx *c, lp_xresult *r)
{
    /* no value asked for: a value in the binary proves nothing unless -X was given for it */
    if (!r->requested && recorded_x(c, r->name) == 0) {
        char *sn = symbol_name(r->name);
        const lp_symbol *y = sn ? find_symbol(c, sn) : NULL;
        free(sn);
        const char *why = "";
        if (y && read_string(c, y->value, &r->value, &why)) {
            r->has_addr = true;
            r->addr = y->value;
        }
        r->verdict = LP_XV_NOT_INJECTED;
        r->confidence = "high";
        return set_detail(r, "the build's record shows no -X for this variable (%s); any value it "
                             "holds comes from the source",
                          lp_buildinfo_setting(c->f->go, "-ldflags") ? "-ldflags has none for it"
                                                                     : "no -ldflags were given");
    }
    /* with a symbol table: the variable by name */
    if (c->nsyms) {
        char *sn = symbol_name(r->name);
        if (!sn)
            return false;
        const lp_symbol *y = find_symbol(c, sn);
        free(sn);
        if (!y) {
            r->verdict = LP_XV_MISSING;
            r->confidence = "high";
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
            r->verdict = LP_XV_UNVERIFIABLE;
            r->confidence = "low";
            return set_detail(r, "the variable exists but %s", why);
        }
        return judge_value(c, r, y->value, true);
    }
    /* stripped: look for the value itself (with none asked for, the one the record asked for) */
    const char *want = r->requested;
    for (size_t i = 0; !want && i < c->n_rec; i++)
        if (strcmp(c->rec[i].name, r->name) == 0)
            want = c->rec[i].value;
    if (!want || !want[0]) {
        r->verdict = LP_XV_UNVERIFIABLE;
        r->confidence = "low";
        return set_detail(r, "stripped binary (no symbol table) and %s: there is nothing to "
                             "look for",
                          want ? "the requested value is empty" : "no value was requested");
    }
    uint64_t hits[XV_MAX_HITS], keep[XV_MAX_HITS];
    size_t nh = find_bytes(c, want, strlen(want), hits, XV_MAX_HITS), nk = 0;
    for (size_t i = 0; i < nh; i++)
        if (!in_buildinfo(c, hits[i]))
            keep[nk++] = hits[i];
    uint64_t hdr = 0;
    if (nk && find_header(c, keep, nk, strlen(want), &hdr)) {
        r->has_addr = true;
        r->addr = hdr;
        r->value = strdup(want);
        return r->value && judge_value(c, r, hdr, false);
    }
    r->verdict = LP_XV_NOT_INJECTED;
    r->confidence = "high";
    suggestions(c, r);
    return set_detail(r, nh ? "stripped: no string header in the data points at the value; its "
                              "bytes occur only inside other strings (the build info's and "
                              "runtime.modinfo's copies of -ldflags)"
                            : "stripped: the value's bytes are nowhere in the data");
}

lp_code lp_xvars_check(lp_obj *obj, const lp_facts *f, const lp_xtarget *user, size_t n_user,
                       lp_xreport *out, lp_err *err)
{
    memset(out, 0, sizeof *out);
    lp_xtarget *rec = NULL;
    size_t n_rec = 0;
    const char *ld = f->go ? lp_buildinfo_setting(f->go, "-ldflags") : NULL;
    out->ldflags_recorded = ld != NULL;
    out->symbols = lp_obj_has_symtab(obj);
    const char *tp = f->go ? lp_buildinfo_setting(f->go, "-trimpath") : NULL;
    out->trimpath = tp && strcmp(tp, "true") == 0;
    lp_err e2;
    if (ld && lp_ldflags_xtargets(ld, &rec, &n_rec, &e2) == LP_ERR_NOMEM)
        return nomem(err);
    size_t total = n_rec + n_user;
    if (!total) {
        lp_xtargets_free(&rec, n_rec);
        return LP_OK;
    }
    ctx c = {.obj = obj, .f = f, .ps = f->info.bits == 64 ? 8 : 4};
    c.trim = f->go && lp_buildinfo_setting(f->go, "-trimpath") &&
             strcmp(lp_buildinfo_setting(f->go, "-trimpath"), "true") == 0;
    c.rec = rec;
    c.n_rec = n_rec;
    lp_code rc = lp_obj_symbols(obj, &c.syms, &c.nsyms, &e2);
    if (rc == LP_ERR_NOMEM) {
        lp_xtargets_free(&rec, n_rec);
        return nomem(err);
    }
    out->r = calloc(total, sizeof *out->r);
    bool ok = out->r != NULL;
    for (size_t i = 0; ok && i < total; i++) {
        const lp_xtarget *t = i < n_rec ? &rec[i] : &user[i - n_rec];
        lp_xresult *r = &out->r[out->n++];
        r->name = strdup(t->name);
        r->requested = t->value ? strdup(t->value) : NULL;
        r->source = t->source;
        ok = r->name && (!t->value || r->requested) && judge(&c, r);
    }
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
    }
    return "unverifiable";
}
