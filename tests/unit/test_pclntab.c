/*
 * Unit tests: the function table in every layout (Go 1.2, 1.16, 1.18, 1.20),
 * both byte orders and pointer sizes, built by hand and found by the scan
 * (no section headers), plus package splitting and initializer names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "linkproof/go.h"
#include "linkproof/object.h"
#include "synth_elf.h"

static const char *const NAMES[] = {"runtime.text", "main.init.0", "example.com/x/y.(*T).M[...]"};
#define NF 3

typedef struct tb {
    uint8_t b[1024];
    syn s; /* only for syn_put's byte order */
    unsigned ps;
} tb;

static void w(tb *t, size_t off, uint64_t v, unsigned n) { syn_put(&t->s, off, v, n); }

/* Build a table of layout `magic` at the start of t->b; returns its size. */
static size_t build(tb *t, uint32_t magic, bool be, unsigned ps, uint64_t text)
{
    memset(t->b, 0, sizeof t->b);
    t->s = (syn){t->b, sizeof t->b, ps == 8, be};
    t->ps = ps;
    w(t, 0, magic, 4);
    t->b[6] = 1;
    t->b[7] = (uint8_t)ps;
    bool v118 = magic == 0xfffffff0u || magic == 0xfffffff1u;
    bool v116 = magic == 0xfffffffau;
    size_t names = 600, funcs = 400, functab;
    /* names */
    size_t noff[NF], p = names;
    for (int i = 0; i < NF; i++) {
        noff[i] = p - (magic == 0xfffffffbu ? 0 : names);
        memcpy(t->b + p, NAMES[i], strlen(NAMES[i]) + 1);
        p += strlen(NAMES[i]) + 1;
    }
    if (magic == 0xfffffffbu) {
        w(t, 8, NF, ps);
        functab = 8 + ps;
    } else {
        functab = 200;
        w(t, 8, NF, ps);                                     /* nfunc */
        w(t, 8 + ps, 1, ps);                                 /* nfiles */
        unsigned k = v118 ? 3 : 2;
        if (v118)
            w(t, 8 + 2 * ps, text, ps);                      /* textStart */
        w(t, 8 + k * ps, names, ps);                         /* funcnameOffset */
        w(t, 8 + (k + 4) * ps, functab, ps);                 /* pclnOffset (funcdata) */
    }
    size_t fsz = v118 ? 4 : ps;
    for (int i = 0; i <= NF; i++) {
        uint64_t entry = v118 ? (uint64_t)(0x100 * i) : text + 0x100 * (uint64_t)i;
        w(t, functab + 2 * (size_t)i * fsz, entry, (unsigned)fsz);
        if (i == NF)
            break;
        size_t fo = funcs + 32 * (size_t)i;
        size_t rel = fo - (magic == 0xfffffffbu ? 0 : functab);
        w(t, functab + (2 * (size_t)i + 1) * fsz, rel, (unsigned)fsz);
        w(t, fo, entry, (unsigned)fsz);          /* _func.entry (offset for 1.18+) */
        w(t, fo + fsz, noff[i], 4);              /* _func.nameoff */
    }
    (void)v116;
    return p;
}

static void layout_case(uint32_t magic, bool be, unsigned ps, const char *versions)
{
    tb t;
    uint64_t text = 0x401000;
    size_t n = build(&t, magic, be, ps, text);
    /* put the table behind some padding so the scan has to find it */
    uint8_t data[2048] = {0};
    memcpy(data + 256, t.b, n);
    syn s = syn_elf(ps == 8, be, ps == 8 ? 62 : 3, data, 256 + n);
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_pclntab *tab = NULL;
    lp_err e;
    assert_int_equal(lp_src_from_mem(&src, s.b, s.len, "syn", &e), LP_OK);
    assert_int_equal(lp_obj_open(&obj, src, &e), LP_OK);
    if (lp_pclntab_read(obj, &tab, &e) != LP_OK)
        fail_msg("magic %08x be=%d ps=%u: %s", magic, be, ps, e.msg);
    const lp_pclntab_info *in = lp_pclntab_get_info(tab);
    assert_string_equal(in->found_by, "scan");
    assert_string_equal(in->go_versions, versions);
    assert_int_equal(in->big_endian, be);
    assert_int_equal(in->ptr_size, ps);
    assert_int_equal(lp_pclntab_count(tab), NF);
    for (size_t i = 0; i < NF; i++) {
        const lp_func *f = lp_pclntab_func(tab, i);
        assert_string_equal(f->name, NAMES[i]);
        assert_true(f->entry == text + 0x100 * i);
    }
    assert_int_equal(in->addr, SYN_VADDR + 256);
    lp_pclntab_free(&tab);
    lp_obj_free(&obj);
    lp_src_free(&src);

    /* a name offset pointing past the table: that entry is skipped, not read */
    syn_put(&s, SYN_DATA_OFF + 256 + 400 + 32 + (magic >= 0xfffffff0u && magic <= 0xfffffff1u ? 4 : ps),
            0x7fff0000, 4);
    assert_int_equal(lp_src_from_mem(&src, s.b, s.len, "syn", &e), LP_OK);
    assert_int_equal(lp_obj_open(&obj, src, &e), LP_OK);
    assert_int_equal(lp_pclntab_read(obj, &tab, &e), LP_OK);
    assert_int_equal(lp_pclntab_count(tab), NF - 1);
    assert_int_equal(lp_pclntab_get_info(tab)->n_bad, 1);
    lp_pclntab_free(&tab);
    lp_obj_free(&obj);
    lp_src_free(&src);
    free(s.b);
}

static void every_layout(void **state)
{
    (void)state;
    static const struct { uint32_t magic; const char *v; } ls[] = {
        {0xfffffffbu, "1.2-1.15"}, {0xfffffffau, "1.16-1.17"},
        {0xfffffff0u, "1.18-1.19"}, {0xfffffff1u, "1.20+"},
    };
    for (size_t i = 0; i < 4; i++)
        for (int be = 0; be < 2; be++)
            for (unsigned ps = 4; ps <= 8; ps += 4)
                layout_case(ls[i].magic, be, ps, ls[i].v);
}

/*
 * Go 1.26: the moduledata sits in a .go.module section whose first word
 * points at the table's header, and the header's textStart is 0 (the base
 * comes from elsewhere: here the .text section).
 */
static void moduledata_section(void **state)
{
    (void)state;
    tb t;
    size_t n = build(&t, 0xfffffff1u, false, 8, 0); /* textStart 0 */
    uint8_t data[4096] = {0};
    memcpy(data + 256, t.b, n);
    /* moduledata at data+2048: first word = the header's address */
    syn tmp = {data, sizeof data, true, false};
    syn_put(&tmp, 2048, SYN_VADDR + 256, 8);
    /* section names and headers after the moduledata */
    static const char names[] = "\0.text\0.go.module\0.shstrtab\0";
    memcpy(data + 2200, names, sizeof names);
    size_t sh = 2304;
    syn_put(&tmp, sh + 64 + 0, 1, 4);       /* [1] .text */
    syn_put(&tmp, sh + 64 + 4, 8, 4);       /* NOBITS */
    syn_put(&tmp, sh + 64 + 16, 0x401000, 8);
    syn_put(&tmp, sh + 128 + 0, 7, 4);      /* [2] .go.module */
    syn_put(&tmp, sh + 128 + 4, 1, 4);
    syn_put(&tmp, sh + 128 + 16, SYN_VADDR + 2048, 8);
    syn_put(&tmp, sh + 128 + 24, SYN_DATA_OFF + 2048, 8);
    syn_put(&tmp, sh + 128 + 32, 64, 8);
    syn_put(&tmp, sh + 192 + 0, 18, 4);     /* [3] .shstrtab */
    syn_put(&tmp, sh + 192 + 4, 3, 4);
    syn_put(&tmp, sh + 192 + 24, SYN_DATA_OFF + 2200, 8);
    syn_put(&tmp, sh + 192 + 32, sizeof names, 8);
    syn s = syn_elf(true, false, 62, data, sizeof data);
    syn_put(&s, 40, SYN_DATA_OFF + sh, 8); /* e_shoff */
    syn_put(&s, 58, 64, 2);
    syn_put(&s, 60, 4, 2);
    syn_put(&s, 62, 3, 2);
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_pclntab *tab = NULL;
    lp_err e;
    assert_int_equal(lp_src_from_mem(&src, s.b, s.len, "syn", &e), LP_OK);
    if (lp_obj_open(&obj, src, &e) != LP_OK)
        fail_msg("%s", e.msg);
    if (lp_pclntab_read(obj, &tab, &e) != LP_OK)
        fail_msg("%s", e.msg);
    const lp_pclntab_info *in = lp_pclntab_get_info(tab);
    assert_string_equal(in->found_by, "moduledata (section .go.module)");
    assert_string_equal(in->text_start_from, "section .text");
    assert_int_equal(lp_pclntab_count(tab), NF);
    assert_true(lp_pclntab_func(tab, 2)->entry == 0x401000 + 0x200);
    lp_pclntab_free(&tab);
    lp_obj_free(&obj);
    lp_src_free(&src);
    free(s.b);
}

static void absurd_counts_are_rejected(void **state)
{
    (void)state;
    tb t;
    size_t n = build(&t, 0xfffffff0u, false, 8, 0x401000);
    w(&t, 8, 0x7fffffffffffull, 8); /* nfunc far beyond the table */
    syn s = syn_elf(true, false, 62, t.b, n);
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_pclntab *tab = NULL;
    lp_err e;
    assert_int_equal(lp_src_from_mem(&src, s.b, s.len, "syn", &e), LP_OK);
    assert_int_equal(lp_obj_open(&obj, src, &e), LP_OK);
    assert_int_equal(lp_pclntab_read(obj, &tab, &e), LP_ERR_NOTFOUND);
    lp_obj_free(&obj);
    lp_src_free(&src);
    free(s.b);
}

static void package_names(void **state)
{
    (void)state;
    static const struct { const char *name; lp_pcln_version v; const char *pkg; } rows[] = {
        {"main.main", LP_PCLN_118, "main"},
        {"net/http.(*Server).Serve", LP_PCLN_118, "net/http"},
        {"example.com/a/b.F.func1", LP_PCLN_118, "example.com/a/b"},
        {"gopkg.in/yaml%2ev3.Unmarshal", LP_PCLN_120, "gopkg.in/yaml%2ev3"},
        {"example.com/x.G[...]", LP_PCLN_120, "example.com/x"},
        {"slices.Sort[go.shape.[]example.com/p.T]", LP_PCLN_118, "slices"},
        {"go.buildid", LP_PCLN_118, ""},
        {"type..eq.main.T", LP_PCLN_118, ""},
        {"go:buildid", LP_PCLN_120, ""},
        {"type:.eq.main.T", LP_PCLN_120, ""},
        {"runtime", LP_PCLN_118, ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = lp_go_package_len(rows[i].name, rows[i].v);
        if (n != strlen(rows[i].pkg) || strncmp(rows[i].name, rows[i].pkg, n) != 0)
            fail_msg("%s: package length %zu, want \"%s\"", rows[i].name, n, rows[i].pkg);
    }
    assert_true(lp_go_is_init("main.init", 4));
    assert_true(lp_go_is_init("main.init.0", 4));
    assert_true(lp_go_is_init("example.com/a.init.12", 13));
    assert_false(lp_go_is_init("main.init.0.func1", 4));
    assert_false(lp_go_is_init("main.initialize", 4));
    assert_false(lp_go_is_init("main.init.", 4));
    char *p = lp_go_path_to_prefix("gopkg.in/yaml.v3", 16);
    assert_string_equal(p, "gopkg.in/yaml%2ev3");
    char *q = lp_go_prefix_to_path(p, strlen(p));
    assert_string_equal(q, "gopkg.in/yaml.v3");
    free(p);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_layout),
        cmocka_unit_test(moduledata_section),
        cmocka_unit_test(absurd_counts_are_rejected),
        cmocka_unit_test(package_names),
    };
    return cmocka_run_group_tests_name("pclntab", tests, NULL, NULL);
}
