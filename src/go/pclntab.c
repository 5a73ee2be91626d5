/*
 * pclntab.c - the Go function table, every layout from Go 1.2 on.
 *
 * Owns: finding the table (section, symbol, moduledata, or a validated scan), decoding
 * the header of each layout through one table of field positions, and the
 * list of (entry, name) pairs. The table's bytes are read once into a region
 * (mapped when large); function names point into it, so there is one
 * allocation for the function array and none per function.
 *
 * Invariants: the function count is bounded by what the table's size can hold
 * before anything is allocated; every offset is range-checked against the
 * region; every name must end with a NUL inside the name table, or the entry
 * is skipped and counted in n_bad.
 */
#include <stdlib.h>
#include <string.h>

#include "linkproof/go.h"
#include "util/cursor.h"

#define PCLN_MAX_SIZE (512u << 20)
#define PCLN_SCAN_MAX (256u << 20)

struct lp_pclntab {
    lp_pclntab_info info;
    lp_region reg;  /* the table's bytes, from its header to the end of its container */
    lp_func *funcs;
    size_t n;
    size_t names_off, names_end; /* the function-name table (Go 1.16+), else 0, 0 */
};

/* One row per layout: where the header words are, and how functab entries look. */
static const struct layout {
    uint32_t magic;
    lp_pcln_version v;
    const char *go;
    int w_nfunc, w_text, w_names, w_funcdata; /* header word indices; -1 when absent */
    bool entry_is_offset;                       /* functab/_func entry: uint32 offset from text start */
} layouts[] = {
    {0xfffffffbu, LP_PCLN_12, "1.2-1.15", 0, -1, -1, -1, false},
    {0xfffffffau, LP_PCLN_116, "1.16-1.17", 0, -1, 2, 6, false},
    {0xfffffff0u, LP_PCLN_118, "1.18-1.19", 0, 2, 3, 7, true},
    {0xfffffff1u, LP_PCLN_120, "1.20+", 0, 2, 3, 7, true},
};

static const struct layout *layout_for(uint32_t magic)
{
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
        if (layouts[i].magic == magic)
            return &layouts[i];
    return NULL;
}

/* Cheap header test used by the scan: magic, zero pad, quantum, pointer size. */
static const struct layout *header_ok(const uint8_t *p, size_t n, bool *be)
{
    if (n < 16 || p[4] != 0 || p[5] != 0 || (p[6] != 1 && p[6] != 2 && p[6] != 4) ||
        (p[7] != 4 && p[7] != 8))
        return NULL;
    const struct layout *l = layout_for(lp_load32(p, false));
    if (l) {
        *be = false;
        return l;
    }
    l = layout_for(lp_load32(p, true));
    *be = true;
    return l;
}

typedef struct decoded {
    uint64_t nfunc;
    size_t functab;  /* offset of the functab in the region */
    size_t funcdata; /* base of _func offsets */
    size_t names;    /* base of name offsets */
    size_t names_end; /* end of the function-name table (Go 1.16+: the next table's offset) */
    uint64_t text_hdr;
    size_t text_field; /* region offset of the textStart word, for relocation lookup */
} decoded;

/*
 * Decode and validate the header at the start of buf[0..len): every offset in
 * range and the functab (2n+1 fields) inside the table. Returns false when the
 * bytes are not a usable table.
 */
static bool decode(const uint8_t *buf, size_t len, const struct layout *l, bool be, decoded *d)
{
    unsigned ps = buf[7];
    lp_cur c;
    lp_cur_init(&c, buf, len, 0, be, ps);
    lp_cur_seek(&c, 8);
    uint64_t w[8] = {0};
    unsigned nw = l->w_funcdata < 0 ? 1 : (unsigned)l->w_funcdata + 1;
    for (unsigned i = 0; i < nw; i++)
        w[i] = lp_cur_ptr(&c);
    if (!lp_cur_ok(&c))
        return false;
    memset(d, 0, sizeof *d);
    d->nfunc = w[l->w_nfunc];
    size_t fsz = l->entry_is_offset ? 4 : ps;
    if (l->w_funcdata < 0) {
        /* Go 1.2: the functab follows the count; offsets are from the table start */
        d->functab = 8 + ps;
        d->funcdata = 0;
        d->names = 0;
    } else {
        if (w[l->w_funcdata] >= len || w[l->w_names] >= len)
            return false;
        d->functab = (size_t)w[l->w_funcdata];
        d->funcdata = (size_t)w[l->w_funcdata];
        d->names = (size_t)w[l->w_names];
        /* the word after funcnameOffset is cuOffset, where the name table ends */
        uint64_t e = w[l->w_names + 1];
        d->names_end = e > d->names && e <= len ? (size_t)e : d->names;
    }
    if (l->w_text >= 0) {
        d->text_hdr = w[l->w_text];
        d->text_field = 8 + (size_t)l->w_text * ps;
    }
    uint64_t need;
    if (d->nfunc == 0 || !lp_mul_ok(2 * d->nfunc + 1, fsz, &need) || d->nfunc > len ||
        !lp_range_ok(d->functab, need, len))
        return false;
    return true;
}

/* The pc field alone of functab entry i (i == nfunc: the end-of-text entry, which has no func offset). */
static uint64_t functab_pc(const uint8_t *ft, size_t i, size_t fsz, bool be)
{
    lp_cur c;
    lp_cur_init(&c, ft + 2 * i * fsz, fsz, 0, be, (unsigned)fsz);
    return lp_cur_ptr(&c);
}

/* Entry i of the functab: (entry or entry offset, func offset). */
static void functab_entry(const uint8_t *ft, size_t i, size_t fsz, bool be, uint64_t *pc,
                          uint64_t *foff)
{
    lp_cur c;
    lp_cur_init(&c, ft + 2 * i * fsz, 2 * fsz, 0, be, (unsigned)fsz);
    *pc = lp_cur_ptr(&c);
    *foff = lp_cur_ptr(&c);
}

/* The name of function i, or NULL when any offset is out of range. */
static const char *func_name(const uint8_t *buf, size_t len, const decoded *d, uint64_t foff,
                             const struct layout *l, bool be, unsigned ps)
{
    size_t nameoff_at = l->entry_is_offset ? 4 : ps; /* _func: entry, then int32 nameoff */
    if (foff > len || d->funcdata > len - foff)
        return NULL;
    size_t f = d->funcdata + (size_t)foff;
    if (!lp_range_ok(f + nameoff_at, 4, len))
        return NULL;
    int32_t nameoff = (int32_t)lp_load32(buf + f + nameoff_at, be);
    if (nameoff < 0 || (uint64_t)nameoff >= len - d->names)
        return NULL;
    const char *s = (const char *)buf + d->names + (size_t)nameoff;
    size_t left = len - d->names - (size_t)nameoff;
    if (!memchr(s, '\0', left))
        return NULL;
    return s;
}

/* A scan hit must also name its first function: a non-empty, terminated string. */
static bool plausible_first_name(const char *s) { return s && s[0] != '\0'; }

/* Scan region for a table whose header and first function validate; returns the offset or SIZE_MAX. */
static size_t scan(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i + 16 <= len; i += 4) {
        /* all magics start with 0xf? 0xff 0xff 0xff (little) or 0xff 0xff 0xff 0xf? (big) */
        const uint8_t *p = buf + i;
        if (!((p[1] == 0xff && p[2] == 0xff && p[3] == 0xff) ||
              (p[0] == 0xff && p[1] == 0xff && p[2] == 0xff)))
            continue;
        bool be;
        const struct layout *l = header_ok(p, len - i, &be);
        decoded d;
        if (!l || !decode(p, len - i, l, be, &d))
            continue;
        size_t fsz = l->entry_is_offset ? 4 : p[7];
        uint64_t pc, foff;
        functab_entry(p + d.functab, 0, fsz, be, &pc, &foff);
        if (plausible_first_name(func_name(p, len - i, &d, foff, l, be, p[7])))
            return i;
    }
    return SIZE_MAX;
}

static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

/* Read [off, off+size) of the file as the table's region, capped. */
static lp_code take_region(lp_obj *obj, uint64_t off, uint64_t size, lp_region *reg, lp_err *err)
{
    uint64_t fsize = lp_src_size(lp_obj_source(obj));
    if (off > fsize)
        return lp_err_set_at(err, LP_ERR_FORMAT, off, "'%s': function table lies outside the file at offset 0x%llx",
                             lp_src_name(lp_obj_source(obj)), (unsigned long long)off);
    if (size > fsize - off)
        size = fsize - off; /* a truncated file: read what is there, the header check decides */
    if (size > PCLN_MAX_SIZE)
        size = PCLN_MAX_SIZE;
    return lp_src_region(lp_obj_source(obj), off, (size_t)size, "function table", reg, err);
}

/* The segment (PT_LOAD) holding file offset off, to turn it into an address. */
static uint64_t addr_of_off(const lp_obj *obj, uint64_t off)
{
    for (size_t i = 0; i < lp_obj_segment_count(obj); i++) {
        const lp_segment *s = lp_obj_segment_at(obj, i);
        if (s->type == LP_PT_LOAD && off >= s->off && off - s->off < s->filesz)
            return s->vaddr + (off - s->off);
    }
    return 0;
}

static bool off_of_addr(const lp_obj *obj, uint64_t addr, uint64_t *off, uint64_t *avail)
{
    for (size_t i = 0; i < lp_obj_segment_count(obj); i++) {
        const lp_segment *s = lp_obj_segment_at(obj, i);
        if (s->type == LP_PT_LOAD && addr >= s->vaddr && addr - s->vaddr < s->filesz) {
            *off = s->off + (addr - s->vaddr);
            *avail = s->filesz - (addr - s->vaddr);
            return true;
        }
    }
    return false;
}

/* Locate the table: returns its region (header first) and how it was found. */
static lp_code locate(lp_obj *obj, lp_region *reg, const char **how, lp_err *err)
{
    static const char *const names[] = {".gopclntab", ".data.rel.ro.gopclntab", "__gopclntab"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const lp_section *s = lp_obj_section_by_name(obj, names[i]);
        if (s && s->type != LP_SHT_NOBITS && s->size >= 16) {
            *how = i == 0 ? "section .gopclntab" : i == 1 ? "section .data.rel.ro.gopclntab"
                                                          : "section __gopclntab";
            return take_region(obj, s->off, s->size, reg, err);
        }
    }
    /* the symbols, in unstripped externally linked binaries */
    lp_symbol *syms = NULL;
    size_t n = 0;
    lp_code rc = lp_obj_symbols(obj, &syms, &n, err);
    if (rc)
        return rc;
    uint64_t at = 0, md = 0;
    for (size_t i = 0; i < n; i++) {
        if (!at && strcmp(syms[i].name, "runtime.pclntab") == 0)
            at = syms[i].value;
        if (!md && strcmp(syms[i].name, "runtime.firstmoduledata") == 0)
            md = syms[i].value;
    }
    lp_obj_symbols_free(&syms);
    uint64_t off, avail;
    if (at && off_of_addr(obj, at, &off, &avail)) {
        *how = "symbol runtime.pclntab";
        return take_region(obj, off, avail, reg, err);
    }
    /*
     * The moduledata: its first word points at the table's header (Go 1.16 on).
     * Go 1.26 puts it in a section of its own, .go.module, which survives stripping.
     */
    const lp_section *gm = lp_obj_section_by_name(obj, ".go.module");
    const char *md_how = "symbol runtime.firstmoduledata";
    if (gm && gm->type != LP_SHT_NOBITS) {
        md = gm->addr;
        md_how = "moduledata (section .go.module)";
    }
    uint64_t hdr = 0;
    lp_err e2;
    if (md && lp_obj_read_ptr(obj, md, &hdr, &e2) == LP_OK && hdr && off_of_addr(obj, hdr, &off, &avail)) {
        lp_region h;
        if (take_region(obj, off, avail < 16 ? avail : 16, &h, &e2) == LP_OK) {
            bool be;
            bool ok = header_ok(h.data, h.len, &be) != NULL;
            lp_region_release(&h);
            if (ok) {
                *how = md_how;
                return take_region(obj, off, avail, reg, err);
            }
        }
    }
    /* a scan of every non-executable loaded segment */
    for (size_t i = 0; i < lp_obj_segment_count(obj); i++) {
        const lp_segment *s = lp_obj_segment_at(obj, i);
        if (s->type != LP_PT_LOAD || (s->flags & LP_SEG_X) || s->filesz < 16 || s->filesz > PCLN_SCAN_MAX)
            continue;
        lp_region r;
        if ((rc = take_region(obj, s->off, s->filesz, &r, err)))
            return rc;
        size_t k = scan(r.data, r.len);
        if (k != SIZE_MAX) {
            uint64_t hoff = s->off + k, size = s->filesz - k;
            lp_region_release(&r);
            *how = "scan";
            return take_region(obj, hoff, size, reg, err);
        }
        lp_region_release(&r);
    }
    /* stripped of program headers too (objects, odd files): the whole file, if it is small enough */
    return lp_err_set(err, LP_ERR_NOTFOUND, "'%s': no Go function table",
                      lp_src_name(lp_obj_source(obj)));
}

/* The base for entry offsets when the header's own is 0 (Go 1.26, or a PIE whose word was left to the loader). */
static uint64_t text_start(lp_obj *obj, const lp_pclntab *t, const decoded *d, const char **from)
{
    if (d->text_hdr) {
        *from = "header";
        return d->text_hdr;
    }
    uint64_t v = 0;
    lp_err e;
    if (t->info.addr && lp_obj_read_ptr(obj, t->info.addr + d->text_field, &v, &e) == LP_OK && v) {
        *from = "relocation";
        return v;
    }
    lp_symbol *syms = NULL;
    size_t n = 0;
    if (lp_obj_symbols(obj, &syms, &n, &e) == LP_OK) {
        for (size_t i = 0; i < n; i++)
            if (strcmp(syms[i].name, "runtime.text") == 0) {
                v = syms[i].value;
                break;
            }
        lp_obj_symbols_free(&syms);
        if (v) {
            *from = "symbol runtime.text";
            return v;
        }
    }
    const lp_section *s = lp_obj_section_by_name(obj, ".text");
    if (!s)
        s = lp_obj_section_by_name(obj, "__text");
    if (s) {
        *from = "section .text";
        return s->addr;
    }
    *from = "unknown";
    return 0;
}

lp_code lp_pclntab_read(lp_obj *obj, lp_pclntab **out, lp_err *err)
{
    *out = NULL;
    lp_pclntab *t = calloc(1, sizeof *t);
    if (!t)
        return nomem(err);
    const char *name = lp_src_name(lp_obj_source(obj));
    lp_code rc = locate(obj, &t->reg, &t->info.found_by, err);
    if (rc) {
        free(t);
        return rc;
    }
    const uint8_t *buf = t->reg.data;
    size_t len = t->reg.len;
    bool be = false;
    const struct layout *l = header_ok(buf, len, &be);
    decoded d;
    if (!l || !decode(buf, len, l, be, &d)) {
        rc = lp_err_set_at(err, LP_ERR_FORMAT, t->reg.off,
                           "'%s': function table header is not valid at offset 0x%llx", name,
                           (unsigned long long)t->reg.off);
        lp_pclntab_free(&t);
        return rc;
    }
    unsigned ps = buf[7];
    t->info.version = l->v;
    t->info.magic = l->magic;
    t->info.go_versions = l->go;
    t->info.ptr_size = (uint8_t)ps;
    t->info.quantum = buf[6];
    t->info.big_endian = be;
    t->info.off = t->reg.off;
    t->info.addr = addr_of_off(obj, t->reg.off);
    uint64_t base = 0;
    if (l->entry_is_offset)
        t->info.text_start = base = text_start(obj, t, &d, &t->info.text_start_from);

    /* d.nfunc <= len was checked, so this allocation is bounded by the table's size */
    t->funcs = malloc((size_t)d.nfunc * sizeof *t->funcs);
    if (!t->funcs) {
        lp_pclntab_free(&t);
        return nomem(err);
    }
    size_t fsz = l->entry_is_offset ? 4 : ps;
    const uint8_t *ft = buf + d.functab;
    for (uint64_t i = 0; i < d.nfunc; i++) {
        uint64_t pc, foff;
        functab_entry(ft, (size_t)i, fsz, be, &pc, &foff);
        /* entry i+1's pc ends function i; the table's last entry (nfunc) is the end of text */
        uint64_t next = functab_pc(ft, (size_t)i + 1, fsz, be);
        const char *nm = func_name(buf, len, &d, foff, l, be, ps);
        if (!nm) {
            t->info.n_bad++;
            continue;
        }
        uint64_t entry = l->entry_is_offset ? base + pc : pc;
        uint64_t end = l->entry_is_offset ? base + next : next;
        t->funcs[t->n++] = (lp_func){entry, nm, end > entry ? end : entry};
    }
    t->names_off = d.names;
    t->names_end = d.names_end;
    t->info.text_end = l->entry_is_offset ? base + functab_pc(ft, (size_t)d.nfunc, fsz, be)
                                          : functab_pc(ft, (size_t)d.nfunc, fsz, be);
    *out = t;
    return LP_OK;
}

void lp_pclntab_free(lp_pclntab **pt)
{
    if (!pt || !*pt)
        return;
    lp_region_release(&(*pt)->reg);
    free((*pt)->funcs);
    free(*pt);
    *pt = NULL;
}

const lp_pclntab_info *lp_pclntab_get_info(const lp_pclntab *t) { return &t->info; }
size_t lp_pclntab_count(const lp_pclntab *t) { return t->n; }
const lp_func *lp_pclntab_func(const lp_pclntab *t, size_t i) { return i < t->n ? &t->funcs[i] : NULL; }

lp_code lp_pclntab_names(const lp_pclntab *t, const char ***out, size_t *n_out, lp_err *err)
{
    *out = NULL;
    *n_out = 0;
    const char *b = (const char *)t->reg.data + t->names_off, *e = (const char *)t->reg.data + t->names_end;
    size_t n = 0;
    /* every NUL-terminated string of the name table; a count bounded by its size */
    for (const char *p = b; p < e;) {
        const char *z = memchr(p, '\0', (size_t)(e - p));
        if (!z)
            break;
        if (z > p)
            n++;
        p = z + 1;
    }
    const char **v = malloc((n + t->n + 1) * sizeof *v);
    if (!v)
        return nomem(err);
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        v[k++] = t->funcs[i].name;
    for (const char *p = b; p < e && k < n + t->n;) {
        const char *z = memchr(p, '\0', (size_t)(e - p));
        if (!z)
            break;
        if (z > p)
            v[k++] = p;
        p = z + 1;
    }
    *out = v;
    *n_out = k;
    return LP_OK;
}

size_t lp_go_package_len(const char *name, lp_pcln_version v)
{
    size_t n = strlen(name);
    /* look only at the part before any generic instantiation "[...]" */
    const char *br = memchr(name, '[', n);
    size_t head = br && strrchr(name, ']') ? (size_t)(br - name) : n;
    bool new_prefixes = v >= LP_PCLN_120;
    if (new_prefixes ? (strncmp(name, "go:", 3) == 0 || strncmp(name, "type:", 5) == 0)
                     : (strncmp(name, "go.", 3) == 0 || strncmp(name, "type.", 5) == 0))
        return 0;
    size_t slash = 0;
    for (size_t i = 0; i < head; i++)
        if (name[i] == '/')
            slash = i;
    const char *dot = memchr(name + slash, '.', head - slash);
    return dot ? (size_t)(dot - name) : 0;
}

bool lp_go_is_init(const char *name, size_t pkg_len)
{
    if (pkg_len == 0 || strncmp(name + pkg_len, ".init", 5) != 0)
        return false;
    const char *rest = name + pkg_len + 5;
    if (*rest == '\0')
        return true;
    if (*rest != '.' || !rest[1])
        return false;
    for (rest++; *rest; rest++)
        if (*rest < '0' || *rest > '9')
            return false;
    return true;
}

char *lp_go_path_to_prefix(const char *path, size_t len)
{
    const char *slash = memrchr(path, '/', len);
    size_t last = slash ? (size_t)(slash - path) + 1 : 0;
    char *out = malloc(3 * len + 1), *w = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c <= ' ' || c == '%' || c == '"' || c >= 0x7f || (c == '.' && i >= last)) {
            static const char hex[] = "0123456789abcdef";
            *w++ = '%';
            *w++ = hex[c >> 4];
            *w++ = hex[c & 15];
        } else {
            *w++ = (char)c;
        }
    }
    *w = '\0';
    return out;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

char *lp_go_prefix_to_path(const char *prefix, size_t len)
{
    char *out = malloc(len + 1), *w = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        int h, l;
        if (prefix[i] == '%' && i + 2 < len && (h = hexval(prefix[i + 1])) >= 0 &&
            (l = hexval(prefix[i + 2])) >= 0) {
            *w++ = (char)(h << 4 | l);
            i += 2;
        } else {
            *w++ = prefix[i];
        }
    }
    *w = '\0';
    return out;
}
