/*
 * Unit tests: symbol versions (ld.h). readelf is the oracle for the host's
 * libraries and for libraries built here with version scripts (native, -m32,
 * and big-endian ones through clang and lld when those work); hand-made
 * tables in all four class/byte-order combinations; and corrupted copies of
 * libc, each of which must give LP_ERR_FORMAT or LP_ERR_LIMIT with a
 * one-line message, never a crash or a hang.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "linkproof/ld.h"
#include "synth_elf.h"
#include "test_files.h"

#define LIBC "/lib/x86_64-linux-gnu/libc.so.6"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *b = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            b = realloc(b, cap);
            assert_non_null(b);
        }
        size_t got = fread(b + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    *len = n;
    return b;
}

static uint8_t *dup_buf(const uint8_t *b, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    assert_non_null(d);
    memcpy(d, b, n);
    return d;
}

/* Read versions from bytes in memory; the object and source are freed before returning. */
static lp_code versions_of(const uint8_t *b, size_t n, const char *name, lp_versions *v, lp_err *e)
{
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err_clear(e);
    memset(v, 0, sizeof *v);
    assert_int_equal(lp_src_from_mem(&src, b, n, name, e), LP_OK);
    lp_code rc = lp_obj_open(&obj, src, e);
    if (rc == LP_OK)
        rc = lp_versions_read(obj, LP_VERSIONS_REFS, v, e);
    lp_obj_free(&obj);
    lp_src_free(&src);
    return rc;
}

/* The error must be FORMAT or LIMIT, one line, naming the file and containing @needle. */
static void expect_bad(const uint8_t *b, size_t n, const char *needle)
{
    lp_versions v;
    lp_err e;
    lp_code rc = versions_of(b, n, "bad.so", &v, &e);
    if (rc != LP_ERR_FORMAT && rc != LP_ERR_LIMIT)
        fail_msg("expected a format or limit error containing '%s', got %s: '%s'", needle,
                 lp_code_name(rc), e.msg);
    assert_null(strchr(e.msg, '\n'));
    assert_non_null(strstr(e.msg, "'bad.so'"));
    if (needle && !strstr(e.msg, needle))
        fail_msg("message '%s' lacks '%s'", e.msg, needle);
    assert_null(v.needs);
    assert_null(v.defs);
    assert_null(v.refs);
    assert_null(v.priv);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct strs {
    char **s;
    size_t n;
} strs;

static void strs_add(strs *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void strs_add(strs *l, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    l->s = realloc(l->s, (l->n + 1) * sizeof *l->s);
    assert_non_null(l->s);
    l->s[l->n] = strdup(buf);
    assert_non_null(l->s[l->n]);
    l->n++;
}

static void strs_free(strs *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->s[i]);
    free(l->s);
    memset(l, 0, sizeof *l);
}

static void strs_expect_equal(strs *got, strs *want, const char *what, const char *file)
{
    if (got->n > 1)
        qsort(got->s, got->n, sizeof *got->s, cmp_str);
    if (want->n > 1)
        qsort(want->s, want->n, sizeof *want->s, cmp_str);
    size_t n = got->n < want->n ? got->n : want->n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(got->s[i], want->s[i]) != 0)
            fail_msg("%s: %s differ at %zu: got '%s', readelf says '%s'", file, what, i,
                     got->s[i], want->s[i]);
    if (got->n != want->n)
        fail_msg("%s: %zu %s, readelf says %zu", file, got->n, what, want->n);
}

/* What lp_versions says, as the same strings the oracle produces. */
typedef struct view {
    strs needs, defs, refs;
} view;

static void view_free(view *w)
{
    strs_free(&w->needs);
    strs_free(&w->defs);
    strs_free(&w->refs);
}

static const char *need_name(const lp_versions *v, uint16_t index)
{
    for (size_t i = 0; i < v->n_needs; i++)
        for (size_t j = 0; j < v->needs[i].n_vers; j++)
            if (v->needs[i].vers[j].index == index)
                return v->needs[i].vers[j].name;
    return "?";
}

static void view_of(const lp_versions *v, view *w)
{
    memset(w, 0, sizeof *w);
    for (size_t i = 0; i < v->n_needs; i++)
        for (size_t j = 0; j < v->needs[i].n_vers; j++) {
            const lp_vernaux *a = &v->needs[i].vers[j];
            strs_add(&w->needs, "%s|%s|%u|%s", v->needs[i].file, a->name, a->index,
                     a->flags & LP_VER_FLG_WEAK ? "weak" : "");
        }
    for (size_t i = 0; i < v->n_defs; i++)
        strs_add(&w->defs, "%s|%u|%s", v->defs[i].name, v->defs[i].index,
                 v->defs[i].flags & LP_VER_FLG_BASE ? "base" : "");
    for (size_t i = 0; i < v->n_refs; i++)
        strs_add(&w->refs, "%s@%s", v->refs[i].name, need_name(v, v->refs[i].version));
}

static bool have_tool(const char *cmd)
{
    char buf[256];
    snprintf(buf, sizeof buf, "command -v %s >/dev/null 2>&1", cmd);
    return system(buf) == 0;
}

/* readelf -V and --dyn-syms of @path, in view form. */
static bool oracle_of(const char *path, view *w)
{
    memset(w, 0, sizeof *w);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "LC_ALL=C readelf -V --wide '%s' 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return false;
    char line[2048], file[512] = "";
    int state = 0;
    while (fgets(line, sizeof line, p)) {
        if (strstr(line, "Version needs section"))
            state = 1;
        else if (strstr(line, "Version definition section"))
            state = 2;
        else if (strstr(line, "Version symbols section"))
            state = 3;
        const char *s;
        char name[512], flags[64];
        unsigned idx;
        if (state == 1 && (s = strstr(line, "File: ")) && !strstr(line, "Name: ")) {
            assert_int_equal(sscanf(s + 6, "%511s", file), 1);
        } else if (state == 1 && (s = strstr(line, "Name: "))) {
            assert_int_equal(sscanf(s + 6, "%511s", name), 1);
            assert_non_null(s = strstr(line, "Flags: "));
            assert_int_equal(sscanf(s + 7, "%63[^V]", flags), 1);
            assert_non_null(s = strstr(s, "Version: "));
            assert_int_equal(sscanf(s + 9, "%u", &idx), 1);
            strs_add(&w->needs, "%s|%s|%u|%s", file, name, idx, strstr(flags, "WEAK") ? "weak" : "");
        } else if (state == 2 && strstr(line, "Rev: ")) {
            assert_non_null(s = strstr(line, "Name: "));
            assert_int_equal(sscanf(s + 6, "%511s", name), 1);
            assert_non_null(s = strstr(line, "Index: "));
            assert_int_equal(sscanf(s + 7, "%u", &idx), 1);
            assert_non_null(s = strstr(line, "Flags: "));
            strs_add(&w->defs, "%s|%u|%s", name, idx, strncmp(s + 7, "BASE", 4) == 0 ? "base" : "");
        }
    }
    if (pclose(p) != 0)
        return false;
    snprintf(cmd, sizeof cmd, "LC_ALL=C readelf --dyn-syms --wide '%s' 2>/dev/null", path);
    p = popen(cmd, "r");
    if (!p)
        return false;
    while (fgets(line, sizeof line, p)) {
        char num[64], val[64], size[64], type[64], bind[64], vis[64], ndx[64], name[1024];
        if (sscanf(line, "%63s %63s %63s %63s %63s %63s %63s %1023s", num, val, size, type, bind,
                   vis, ndx, name) != 8)
            continue;
        if (strcmp(ndx, "UND") == 0 && strchr(name, '@') && !strstr(name, "@@"))
            strs_add(&w->refs, "%s", name);
    }
    return pclose(p) == 0;
}

static void expect_matches_oracle(const lp_versions *v, view *want, const char *file)
{
    view got;
    view_of(v, &got);
    strs_expect_equal(&got.needs, &want->needs, "needed versions", file);
    strs_expect_equal(&got.defs, &want->defs, "defined versions", file);
    strs_expect_equal(&got.refs, &want->refs, "versioned undefined symbols", file);
    view_free(&got);
}

/* 64-bit little-endian file helpers for making variants of host files. */
static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static bool is_elf64le(const uint8_t *b, size_t n)
{
    return n >= 64 && memcmp(b, "\x7f" "ELF", 4) == 0 && b[4] == 2 && b[5] == 1;
}

/* Drop the section header table: the versions must come from the dynamic section. */
static void strip_sections(uint8_t *b)
{
    put_le(b + 40, 0, 8);
    put_le(b + 60, 0, 2);
    put_le(b + 62, 0, 2);
}

/* Turn PT_DYNAMIC into PT_NULL: the versions must come from the sections. */
static void drop_dynamic(uint8_t *b)
{
    uint64_t phoff = le(b + 32, 8), phent = le(b + 54, 2), phnum = le(b + 56, 2);
    for (uint64_t i = 0; i < phnum; i++)
        if (le(b + phoff + i * phent, 4) == 2)
            put_le(b + phoff + i * phent, 0, 4);
}

/* File offset of the dynamic entry with @tag's value, or 0. */
static size_t dyn_value_at(const uint8_t *b, int64_t tag)
{
    uint64_t phoff = le(b + 32, 8), phent = le(b + 54, 2), phnum = le(b + 56, 2);
    for (uint64_t i = 0; i < phnum; i++) {
        const uint8_t *ph = b + phoff + i * phent;
        if (le(ph, 4) != 2)
            continue;
        uint64_t off = le(ph + 8, 8), sz = le(ph + 32, 8);
        for (uint64_t k = 0; k + 16 <= sz; k += 16) {
            int64_t t = (int64_t)le(b + off + k, 8);
            if (t == 0)
                break;
            if (t == tag)
                return (size_t)(off + k + 8);
        }
    }
    return 0;
}

/* The section header of the first section named @name (from the object view). */
static lp_section section_of(const uint8_t *b, size_t n, const char *name)
{
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err e;
    assert_int_equal(lp_src_from_mem(&src, b, n, "x", &e), LP_OK);
    assert_int_equal(lp_obj_open(&obj, src, &e), LP_OK);
    const lp_section *s = lp_obj_section_by_name(obj, name);
    assert_non_null(s);
    lp_section out = *s;
    out.name = "";
    lp_obj_free(&obj);
    lp_src_free(&src);
    return out;
}

/* ------------------------------------------------------------------ */
/* Version names                                                       */

static void version_cmp_orders(void **state)
{
    (void)state;
    static const char *const ascending[] = {
        "GLIBC_2.0", "GLIBC_2.1", "GLIBC_2.1.3", "GLIBC_2.2", "GLIBC_2.2.5", "GLIBC_2.9",
        "GLIBC_2.10", "GLIBC_2.10.1", "GLIBC_2.17", "GLIBC_2.34", "GLIBC_2.100", "GLIBC_3",
    };
    size_t n = sizeof ascending / sizeof ascending[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int c = lp_version_cmp(ascending[i], ascending[j]);
            int want = i < j ? -1 : i > j;
            if ((c > 0) - (c < 0) != want)
                fail_msg("cmp('%s', '%s') = %d", ascending[i], ascending[j], c);
        }
    assert_true(lp_version_cmp("GLIBCXX_3.4", "GLIBC_2.34") < 0); /* families bytewise: 'X' < '_' */
    assert_true(lp_version_cmp("CXXABI_1.3", "GLIBC_2.34") < 0);
    assert_true(lp_version_cmp("GLIBC_2.09", "GLIBC_2.10") < 0);
    assert_true(lp_version_cmp("GLIBC_2.09", "GLIBC_2.9") != 0); /* only equal strings are equal */
    assert_true(lp_version_cmp("GLIBC_2.3", "GLIBC_2.3") == 0);
    assert_true(lp_version_cmp("GLIBC_2.3", "GLIBC_PRIVATE") != 0);
    assert_true(lp_version_cmp("V_99999999999999999999999", "V_100000000000000000000000") < 0);
    assert_true(lp_version_cmp("V_1.2.", "V_1.2") > 0);
    assert_true(lp_version_cmp("", "A") < 0);
    assert_true(lp_version_cmp(NULL, "A") < 0);
    assert_true(lp_version_cmp("A", NULL) > 0);
    assert_int_equal(lp_version_cmp(NULL, NULL), 0);
}

static int sgn(int v) { return (v > 0) - (v < 0); }

/* Garbage in: still a total order (antisymmetric, transitive), so sorting is sound. */
static void version_cmp_is_a_total_order(void **state)
{
    (void)state;
    static const char alphabet[] = "A_.019xZ-";
    enum { N = 90 };
    char s[N][8];
    unsigned seed = 12345;
    for (int i = 0; i < N; i++) {
        int len = (int)(seed % 7);
        for (int k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            s[i][k] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        s[i][len] = '\0';
        seed = seed * 1103515245u + 12345u;
    }
    for (int i = 0; i < N; i++) {
        assert_int_equal(lp_version_cmp(s[i], s[i]), 0);
        for (int j = 0; j < N; j++) {
            int ij = sgn(lp_version_cmp(s[i], s[j]));
            if (ij != -sgn(lp_version_cmp(s[j], s[i])))
                fail_msg("not antisymmetric: '%s' '%s'", s[i], s[j]);
            if (ij == 0 && strcmp(s[i], s[j]) != 0)
                fail_msg("'%s' and '%s' compare equal", s[i], s[j]);
            for (int k = 0; k < N; k++) {
                if (ij <= 0 && sgn(lp_version_cmp(s[j], s[k])) <= 0 &&
                    sgn(lp_version_cmp(s[i], s[k])) > 0)
                    fail_msg("not transitive: '%s' <= '%s' <= '%s'", s[i], s[j], s[k]);
            }
        }
    }
}

/* ------------------------------------------------------------------ */
/* Host files against readelf                                          */

static const char *const host_files[] = {
    LIBC,
    "/lib/x86_64-linux-gnu/libm.so.6",
    "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
    "/lib64/ld-linux-x86-64.so.2",
    "/usr/bin/ls",
    "/bin/bash",
    "/usr/bin/readelf",
};

static void host_files_match_readelf(void **state)
{
    (void)state;
    if (!have_tool("readelf"))
        skip();
    size_t checked = 0;
    for (size_t i = 0; i < sizeof host_files / sizeof host_files[0]; i++) {
        size_t n;
        uint8_t *b = slurp(host_files[i], &n);
        if (!b)
            continue;
        view want;
        if (!oracle_of(host_files[i], &want)) {
            free(b);
            continue;
        }
        lp_versions v;
        lp_err e;
        if (versions_of(b, n, host_files[i], &v, &e) != LP_OK)
            fail_msg("%s: %s", host_files[i], e.msg);
        expect_matches_oracle(&v, &want, host_files[i]);
        lp_versions_release(&v);
        if (is_elf64le(b, n)) {
            /* the same answers with only the dynamic section, and with only the sections */
            uint8_t *c = dup_buf(b, n);
            strip_sections(c);
            if (versions_of(c, n, host_files[i], &v, &e) != LP_OK)
                fail_msg("%s without sections: %s", host_files[i], e.msg);
            expect_matches_oracle(&v, &want, host_files[i]);
            lp_versions_release(&v);
            memcpy(c, b, n);
            drop_dynamic(c);
            if (versions_of(c, n, host_files[i], &v, &e) != LP_OK)
                fail_msg("%s without PT_DYNAMIC: %s", host_files[i], e.msg);
            expect_matches_oracle(&v, &want, host_files[i]);
            lp_versions_release(&v);
            free(c);
        }
        print_message("  %s: %zu needed, %zu defined, %zu references as readelf\n", host_files[i],
                      want.needs.n, want.defs.n, want.refs.n);
        view_free(&want);
        free(b);
        checked++;
    }
    if (checked == 0)
        skip();
}

/* An independent maximum: parse the numbers with strtoul. */
static bool older(const char *a, const char *b)
{
    while (*a && *b) {
        char *ea, *eb;
        unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
        if (x != y)
            return x < y;
        a = *ea == '.' ? ea + 1 : ea;
        b = *eb == '.' ? eb + 1 : eb;
    }
    return !*a && *b;
}

static void libc_highest_and_defines(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = slurp(LIBC, &n);
    if (!b)
        skip();
    lp_versions v;
    lp_err e;
    if (versions_of(b, n, LIBC, &v, &e) != LP_OK)
        fail_msg("%s", e.msg);
    const char *want = NULL;
    for (size_t i = 0; i < v.n_defs; i++) {
        const char *d = v.defs[i].name;
        if (strncmp(d, "GLIBC_", 6) == 0 && d[6] >= '0' && d[6] <= '9' &&
            (!want || older(want + 6, d + 6)))
            want = d;
    }
    assert_non_null(want);
    const char *got = lp_versions_highest(&v, "GLIBC_2.34");
    assert_non_null(got);
    assert_string_equal(got, want);
    print_message("  highest GLIBC_ version in libc: %s\n", got);
    assert_true(lp_version_cmp(got, "GLIBC_2.34") >= 0);
    assert_true(lp_versions_defines(&v, "GLIBC_2.2.5"));
    assert_true(lp_versions_defines(&v, "GLIBC_PRIVATE"));
    assert_false(lp_versions_defines(&v, "GLIBC_9.99"));
    assert_false(lp_versions_defines(&v, "GLIBC_2.2"));
    assert_null(lp_versions_highest(&v, "NOSUCH_1.0"));
    assert_null(lp_versions_highest(&v, "libc.so.")); /* the base version is not a version */
    assert_null(lp_versions_highest(NULL, "GLIBC_2.34"));
    /* the stored hashes are the ELF hashes of the names (as ld writes them) */
    for (size_t i = 0; i < v.n_defs; i++)
        assert_int_equal(v.defs[i].hash, lp_elf_hash(v.defs[i].name));
    for (size_t i = 0; i < v.n_needs; i++)
        for (size_t k = 0; k < v.needs[i].n_vers; k++)
            assert_int_equal(v.needs[i].vers[k].hash, lp_elf_hash(v.needs[i].vers[k].name));
    /* glibc's match: hash and name */
    lp_vernaux need = {"GLIBC_2.2.5", 2, 0, lp_elf_hash("GLIBC_2.2.5")};
    assert_true(lp_versions_provides(&v, &need));
    need.hash ^= 1; /* a corrupted vna_hash: the loader does not match it */
    assert_false(lp_versions_provides(&v, &need));
    lp_vernaux none = {"GLIBC_9.99", 2, 0, lp_elf_hash("GLIBC_9.99")};
    assert_false(lp_versions_provides(&v, &none));
    assert_false(lp_versions_provides(NULL, &none));
    assert_int_equal(lp_elf_hash(""), 0);
    assert_int_equal(lp_elf_hash("GLIBC_2.2.5"), 0x09691a75u); /* readelf -V shows this hash */
    lp_versions_release(&v);
    lp_versions_release(&v); /* twice is harmless */
    free(b);
}

/* ------------------------------------------------------------------ */
/* Libraries built here                                                */

static const char lib_c[] = "void f1(void) {}\nvoid f2(void) {}\nvoid f3(void) {}\n"
                            "void f4(void) {}\nvoid g(void) {}\nvoid p(void) {}\n";
static const char lib_map[] = "VERS_1.0 { global: f1; local: *; };\n"
                              "VERS_1.1 { global: f2; } VERS_1.0;\n"
                              "VERS_1.9 { global: f3; } VERS_1.1;\n"
                              "VERS_1.10 { global: f4; } VERS_1.9;\n"
                              "OTHER_3.0 { global: g; };\n"
                              "VERS_PRIVATE { global: p; };\n";
static const char user_c[] = "extern void f1(void);\nextern void f4(void);\nextern void g(void);\n"
                             "__attribute__((weak)) extern void f2(void);\n"
                             "void use(void);\nvoid use(void) { f1(); f4(); g(); if (f2) f2(); }\n";

static bool run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd) == 0;
}

static void check_built(const char *dir, const char *label)
{
    char lib[512], user[512];
    snprintf(lib, sizeof lib, "%s/libv.so", dir);
    snprintf(user, sizeof user, "%s/user.so", dir);
    size_t n;
    uint8_t *b = slurp(lib, &n);
    assert_non_null(b);
    lp_versions v;
    lp_err e;
    if (versions_of(b, n, lib, &v, &e) != LP_OK)
        fail_msg("%s: %s", label, e.msg);
    assert_int_equal(v.n_needs, 0);
    assert_int_equal(v.n_defs, 7);
    assert_string_equal(v.defs[0].name, "libv.so.1");
    assert_true(v.defs[0].flags & LP_VER_FLG_BASE);
    assert_int_equal(v.defs[0].index, 1);
    assert_true(lp_versions_defines(&v, "VERS_1.10"));
    assert_true(lp_versions_defines(&v, "OTHER_3.0"));
    assert_false(lp_versions_defines(&v, "VERS_2.0"));
    assert_string_equal(lp_versions_highest(&v, "VERS_1.0"), "VERS_1.10");
    assert_string_equal(lp_versions_highest(&v, "VERS_9"), "VERS_1.10");
    assert_string_equal(lp_versions_highest(&v, "OTHER_1"), "OTHER_3.0");
    assert_string_equal(lp_versions_highest(&v, "VERS_PRIVATE"), "VERS_PRIVATE");
    assert_null(lp_versions_highest(&v, "libv.so.1"));
    view want;
    if (have_tool("readelf") && oracle_of(lib, &want)) {
        expect_matches_oracle(&v, &want, lib);
        view_free(&want);
    }
    lp_versions_release(&v);
    free(b);

    b = slurp(user, &n);
    assert_non_null(b);
    if (versions_of(b, n, user, &v, &e) != LP_OK)
        fail_msg("%s: %s", label, e.msg);
    assert_int_equal(v.n_defs, 0);
    assert_int_equal(v.n_needs, 1);
    assert_string_equal(v.needs[0].file, "libv.so.1");
    assert_int_equal(v.needs[0].n_vers, 4);
    view got;
    view_of(&v, &got);
    strs want_refs = {0};
    strs_add(&want_refs, "f1@VERS_1.0");
    strs_add(&want_refs, "f2@VERS_1.1");
    strs_add(&want_refs, "f4@VERS_1.10");
    strs_add(&want_refs, "g@OTHER_3.0");
    strs_expect_equal(&got.refs, &want_refs, "references", label);
    strs_free(&want_refs);
    view_free(&got);
    for (size_t j = 0; j < v.needs[0].n_vers; j++)
        assert_true(v.needs[0].vers[j].index >= 2);
    if (have_tool("readelf") && oracle_of(user, &want)) {
        expect_matches_oracle(&v, &want, user);
        view_free(&want);
    }
    lp_versions_release(&v);
    free(b);
}

static void built_libraries(void **state)
{
    (void)state;
    static const struct {
        const char *label, *cc, *flags;
        bool required;
    } variants[] = {
        {"native", "cc", "", true},
        {"i386", "cc", "-m32", false},
        {"ppc64 big-endian (lld)", "clang", "--target=powerpc64-linux-gnu -fuse-ld=lld", false},
        {"mips big-endian 32-bit (lld)", "clang", "--target=mips-linux-gnu -fuse-ld=lld", false},
        {"aarch64 (lld, sysv hash)", "clang",
         "--target=aarch64-linux-gnu -fuse-ld=lld -Wl,--hash-style=sysv", false},
    };
    if (!have_tool("cc"))
        skip();
    char dir[] = "/tmp/lp-versions-XXXXXX";
    assert_non_null(mkdtemp(dir));
    test_write_file(dir, "v.c", lib_c);
    test_write_file(dir, "v.map", lib_map);
    test_write_file(dir, "u.c", user_c);
    size_t built = 0;
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        bool ok = run("cd %s && rm -f libv.so user.so && "
                      "%s %s -shared -nostdlib -fPIC -o libv.so v.c -Wl,--version-script=v.map "
                      "-Wl,-soname,libv.so.1 >/dev/null 2>&1 && "
                      "%s %s -shared -nostdlib -fPIC -o user.so u.c libv.so >/dev/null 2>&1",
                      dir, variants[i].cc, variants[i].flags, variants[i].cc, variants[i].flags);
        if (!ok) {
            if (variants[i].required)
                fail_msg("could not build the %s test libraries in %s", variants[i].label, dir);
            print_message("  %s: toolchain not available, skipped\n", variants[i].label);
            continue;
        }
        check_built(dir, variants[i].label);
        print_message("  %s: as expected\n", variants[i].label);
        built++;
    }
    run("rm -rf %s", dir);
    assert_true(built > 0);
}

/* ------------------------------------------------------------------ */
/* Hand-made tables                                                    */

typedef struct wb {
    uint8_t *b;
    size_t len;
    bool wide, be;
    size_t cap; /* 0: b was not allocated here (the writer never grows it past len) */
} wb;

static void wb_put(wb *w, size_t off, uint64_t v, unsigned n)
{
    if (off + n > w->len) {
        if (off + n > w->cap) {
            size_t cap = w->cap ? w->cap : 256;
            while (cap < off + n)
                cap *= 2;
            w->b = realloc(w->b, cap);
            assert_non_null(w->b);
            w->cap = cap;
        }
        memset(w->b + w->len, 0, off + n - w->len);
        w->len = off + n;
    }
    for (unsigned i = 0; i < n; i++)
        w->b[off + i] = (uint8_t)(v >> (w->be ? 8 * (n - 1 - i) : 8 * i));
}

static void wb_add(wb *w, uint64_t v, unsigned n) { wb_put(w, w->len, v, n); }
static void wb_word(wb *w, uint64_t v) { wb_add(w, v, w->wide ? 8 : 4); }

static void wb_bytes(wb *w, const void *p, size_t n)
{
    size_t at = w->len;
    if (n)
        wb_put(w, at + n - 1, 0, 1);
    memcpy(w->b + at, p, n);
}

static void wb_align(wb *w, size_t a)
{
    while (w->len % a)
        wb_add(w, 0, 1);
}

/* Where things went in a crafted file. */
typedef struct crafted {
    uint8_t *b;
    size_t len;
    size_t need_off, def_off, sym_off, shdr_off, shentsize;
} crafted;

static const char cr_strs[] = "\0libx.so.1\0VX_1.0\0VX_1.10\0libc.so.6\0GLIBC_2.3\0libme.so.1\0"
                              "ME_1.0\0ME_1.1\0foo\0bar\0baz\0qux";
static size_t cr_str(const char *s)
{
    for (size_t i = 1; i < sizeof cr_strs; i++)
        if (strcmp(cr_strs + i, s) == 0 && cr_strs[i - 1] == '\0')
            return i;
    fail_msg("no string %s", s);
    return 0;
}

static void vn(wb *w, uint16_t cnt, const char *file, uint32_t aux, uint32_t next)
{
    wb_add(w, 1, 2);
    wb_add(w, cnt, 2);
    wb_add(w, cr_str(file), 4);
    wb_add(w, aux, 4);
    wb_add(w, next, 4);
}

static void vna(wb *w, uint16_t flags, uint16_t other, const char *name, uint32_t next)
{
    wb_add(w, 0, 4); /* hash: not checked */
    wb_add(w, flags, 2);
    wb_add(w, other, 2);
    wb_add(w, cr_str(name), 4);
    wb_add(w, next, 4);
}

static void vd(wb *w, uint16_t flags, uint16_t ndx, uint16_t cnt, uint32_t next)
{
    wb_add(w, 1, 2);
    wb_add(w, flags, 2);
    wb_add(w, ndx, 2);
    wb_add(w, cnt, 2);
    wb_add(w, 0, 4);
    wb_add(w, 20, 4);
    wb_add(w, next, 4);
}

static void sym(wb *w, const char *name, uint16_t shndx)
{
    wb_add(w, name ? cr_str(name) : 0, 4);
    if (w->wide) {
        wb_add(w, 0x12, 1);
        wb_add(w, 0, 1);
        wb_add(w, shndx, 2);
        wb_add(w, 0, 8);
        wb_add(w, 0, 8);
    } else {
        wb_add(w, 0, 4);
        wb_add(w, 0, 4);
        wb_add(w, 0x12, 1);
        wb_add(w, 0, 1);
        wb_add(w, shndx, 2);
    }
}

static void shdr(wb *w, uint32_t name, uint32_t type, uint64_t off, uint64_t size, uint32_t link,
                 uint32_t info, uint64_t entsize)
{
    wb_add(w, name, 4);
    wb_add(w, type, 4);
    wb_word(w, 2); /* SHF_ALLOC */
    wb_word(w, 0x1000 + off);
    wb_word(w, off);
    wb_word(w, size);
    wb_add(w, link, 4);
    wb_add(w, info, 4);
    wb_word(w, 4);
    wb_word(w, entsize);
}

/*
 * A file with only section headers: .dynstr, .gnu.version_r (libx.so.1:
 * VX_1.0 = 2, VX_1.10 = 3 weak; libc.so.6: GLIBC_2.3 = 4), .gnu.version_d
 * (libme.so.1 base, ME_1.0, ME_1.1 with a parent), .dynsym (foo and bar
 * undefined, baz defined, qux unversioned), .gnu.version.
 * @big_need: instead, a version needs table of that many empty entries.
 */
static crafted craft(bool wide, bool be, uint16_t machine, size_t big_need, uint32_t need_info)
{
    wb w = {NULL, 0, wide, be, 0};
    size_t eh = wide ? 64 : 52;
    wb_put(&w, eh - 1, 0, 1);
    memcpy(w.b, "\x7f" "ELF", 4);
    w.b[4] = wide ? 2 : 1;
    w.b[5] = be ? 2 : 1;
    w.b[6] = 1;
    wb_align(&w, 8);
    size_t str_off = w.len;
    wb_bytes(&w, cr_strs, sizeof cr_strs);
    wb_align(&w, 8);
    size_t need_off = w.len;
    if (big_need) {
        for (size_t i = 0; i < big_need; i++)
            vn(&w, 0, "libx.so.1", 0, i + 1 < big_need ? 16 : 0);
    } else {
        vn(&w, 2, "libx.so.1", 16, 48);
        vna(&w, 0, 2, "VX_1.0", 16);
        vna(&w, 2, 3, "VX_1.10", 0);
        vn(&w, 1, "libc.so.6", 16, 0);
        vna(&w, 0, 4, "GLIBC_2.3", 0);
    }
    size_t need_len = w.len - need_off;
    wb_align(&w, 8);
    size_t def_off = w.len;
    vd(&w, 1, 1, 1, 28);
    wb_add(&w, cr_str("libme.so.1"), 4);
    wb_add(&w, 0, 4);
    vd(&w, 0, 2, 1, 28);
    wb_add(&w, cr_str("ME_1.0"), 4);
    wb_add(&w, 0, 4);
    vd(&w, 0, 3, 2, 0);
    wb_add(&w, cr_str("ME_1.1"), 4);
    wb_add(&w, 8, 4);
    wb_add(&w, cr_str("ME_1.0"), 4);
    wb_add(&w, 0, 4);
    size_t def_len = w.len - def_off;
    wb_align(&w, 8);
    size_t sym_off = w.len;
    sym(&w, NULL, 0);
    sym(&w, "foo", 0);
    sym(&w, "bar", 0);
    sym(&w, "baz", 5);
    sym(&w, "qux", 0);
    size_t sym_len = w.len - sym_off;
    size_t vs_off = w.len;
    static const uint16_t vs[] = {0, 2, 0x8004, 2, 1};
    for (size_t i = 0; i < 5; i++)
        wb_add(&w, vs[i], 2);
    static const char shstr[] = "\0.dynstr\0.gnu.version_r\0.gnu.version_d\0.dynsym\0.gnu.version\0"
                                ".shstrtab";
    size_t shstr_off = w.len;
    wb_bytes(&w, shstr, sizeof shstr);
    wb_align(&w, 8);
    size_t shoff = w.len;
    shdr(&w, 0, 0, 0, 0, 0, 0, 0);
    shdr(&w, 1, 3, str_off, sizeof cr_strs, 0, 0, 0);
    shdr(&w, 9, 0x6ffffffe, need_off, need_len, 1, need_info, 0);
    shdr(&w, 24, 0x6ffffffd, def_off, def_len, 1, 3, 0);
    shdr(&w, 39, 11, sym_off, sym_len, 1, 1, wide ? 24 : 16);
    shdr(&w, 47, 0x6fffffff, vs_off, 10, 4, 0, 2);
    shdr(&w, 60, 3, shstr_off, sizeof shstr, 0, 0, 0);
    wb_put(&w, 16, 3, 2); /* ET_DYN */
    wb_put(&w, 18, machine, 2);
    wb_put(&w, 20, 1, 4);
    size_t shent = wide ? 64 : 40;
    if (wide) {
        wb_put(&w, 40, shoff, 8);
        wb_put(&w, 52, 64, 2);
        wb_put(&w, 58, shent, 2);
        wb_put(&w, 60, 7, 2);
        wb_put(&w, 62, 6, 2);
    } else {
        wb_put(&w, 32, shoff, 4);
        wb_put(&w, 40, 52, 2);
        wb_put(&w, 46, shent, 2);
        wb_put(&w, 48, 7, 2);
        wb_put(&w, 50, 6, 2);
    }
    return (crafted){w.b, w.len, need_off, def_off, sym_off, shoff, shent};
}

static void crafted_all_layouts(void **state)
{
    (void)state;
    static const struct { bool wide, be; uint16_t em; } rows[] = {
        {true, false, 62}, {false, false, 3}, {true, true, 21}, {false, true, 8},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        crafted c = craft(rows[r].wide, rows[r].be, rows[r].em, 0, 2);
        lp_versions v;
        lp_err e;
        if (versions_of(c.b, c.len, "crafted.so", &v, &e) != LP_OK)
            fail_msg("row %zu: %s", r, e.msg);
        assert_int_equal(v.n_needs, 2);
        assert_string_equal(v.needs[0].file, "libx.so.1");
        assert_int_equal(v.needs[0].n_vers, 2);
        assert_string_equal(v.needs[0].vers[0].name, "VX_1.0");
        assert_int_equal(v.needs[0].vers[0].index, 2);
        assert_int_equal(v.needs[0].vers[0].flags, 0);
        assert_string_equal(v.needs[0].vers[1].name, "VX_1.10");
        assert_int_equal(v.needs[0].vers[1].index, 3);
        assert_int_equal(v.needs[0].vers[1].flags, LP_VER_FLG_WEAK);
        assert_string_equal(v.needs[1].file, "libc.so.6");
        assert_int_equal(v.needs[1].n_vers, 1);
        assert_string_equal(v.needs[1].vers[0].name, "GLIBC_2.3");
        assert_int_equal(v.needs[1].vers[0].index, 4);
        assert_int_equal(v.n_defs, 3);
        assert_string_equal(v.defs[0].name, "libme.so.1");
        assert_int_equal(v.defs[0].flags, LP_VER_FLG_BASE);
        assert_string_equal(v.defs[2].name, "ME_1.1");
        assert_int_equal(v.defs[2].index, 3);
        assert_string_equal(lp_versions_highest(&v, "ME_0"), "ME_1.1");
        assert_int_equal(v.n_refs, 2); /* baz is defined, qux unversioned */
        assert_string_equal(v.refs[0].name, "foo");
        assert_int_equal(v.refs[0].version, 2);
        assert_string_equal(v.refs[1].name, "bar");
        assert_int_equal(v.refs[1].version, 4); /* the hidden bit is not part of the index */
        lp_versions_release(&v);
        free(c.b);
    }
}

static void crafted_hostile(void **state)
{
    (void)state;
    /* a chain longer than the limit, with no count to stop it */
    crafted c = craft(true, false, 62, LP_VERSIONS_MAX + 1, 0);
    expect_bad(c.b, c.len, "more than 65536 verneed entries");
    free(c.b);
    /* exactly the limit is fine */
    c = craft(true, false, 62, LP_VERSIONS_MAX, 0);
    lp_versions v;
    lp_err e;
    assert_int_equal(versions_of(c.b, c.len, "ok.so", &v, &e), LP_OK);
    assert_int_equal(v.n_needs, LP_VERSIONS_MAX);
    lp_versions_release(&v);
    free(c.b);
    /* a huge count in sh_info */
    c = craft(false, true, 8, 0, 0xffffffffu);
    expect_bad(c.b, c.len, "over the limit");
    free(c.b);

    c = craft(false, true, 8, 0, 2);
    uint8_t *b = dup_buf(c.b, c.len);
    wb w = {b, c.len, false, true, 0};
    /* vn_next wraps around (a loop in 32-bit arithmetic) */
    wb_put(&w, c.need_off + 12, 0xfffffff0u, 4);
    expect_bad(b, c.len, "verneed entry at offset 0x");
    /* vn_next inside the entry itself */
    memcpy(b, c.b, c.len);
    wb_put(&w, c.need_off + 12, 4, 4);
    expect_bad(b, c.len, "inside itself");
    /* vna_next back onto itself */
    memcpy(b, c.b, c.len);
    wb_put(&w, c.need_off + 16 + 12, 0xfffffff0u, 4);
    expect_bad(b, c.len, "points outside .gnu.version_r");
    memcpy(b, c.b, c.len);
    wb_put(&w, c.need_off + 16 + 12, 8, 4);
    expect_bad(b, c.len, "vernaux entry");
    /* vn_file outside the string table */
    memcpy(b, c.b, c.len);
    wb_put(&w, c.need_off + 4, 0x7fffffffu, 4);
    expect_bad(b, c.len, "outside .dynstr");
    /* vna_name is the last string, and the string table's size leaves out its NUL */
    memcpy(b, c.b, c.len);
    wb_put(&w, c.need_off + 16 + 8, cr_str("qux"), 4);
    wb_put(&w, c.shdr_off + 1 * c.shentsize + 20, sizeof cr_strs - 1, 4);
    expect_bad(b, c.len, "runs off the end of .dynstr");
    /* vn_aux outside */
    memcpy(b, c.b, c.len);
    wb_put(&w, c.need_off + 8, 0x100000u, 4);
    expect_bad(b, c.len, "verneed entry at offset");
    /* a verneed version other than 1 */
    memcpy(b, c.b, c.len);
    wb_put(&w, c.need_off, 2, 2);
    expect_bad(b, c.len, "has version 2");
    /* vd_next loops back, vd_aux outside, vd_next inside itself */
    memcpy(b, c.b, c.len);
    wb_put(&w, c.def_off + 16, 0xffffffe4u, 4);
    expect_bad(b, c.len, "verdef entry");
    memcpy(b, c.b, c.len);
    wb_put(&w, c.def_off + 12, 0xffffu, 4);
    expect_bad(b, c.len, "points outside .gnu.version_d");
    memcpy(b, c.b, c.len);
    wb_put(&w, c.def_off + 16, 3, 4);
    expect_bad(b, c.len, "inside itself");
    /* the version needs section links to a section that does not exist, or to the null one */
    memcpy(b, c.b, c.len);
    wb_put(&w, c.shdr_off + 2 * c.shentsize + 24, 99, 4);
    expect_bad(b, c.len, "links to section 99");
    memcpy(b, c.b, c.len);
    wb_put(&w, c.shdr_off + 5 * c.shentsize + 24, 3, 4); /* .gnu.version -> .gnu.version_d */
    expect_bad(b, c.len, "not the dynamic symbol table");
    /* a table that lies past the end of the file */
    memcpy(b, c.b, c.len);
    wb_put(&w, c.shdr_off + 2 * c.shentsize + 16, 0x10000000u, 4);
    expect_bad(b, c.len, "truncated");
    /* a referencing symbol whose name is outside the string table */
    memcpy(b, c.b, c.len);
    wb_put(&w, c.sym_off + 16, 0xffffffu, 4);
    expect_bad(b, c.len, "dynamic symbol at offset");
    /* a short version symbol table only shortens the list */
    memcpy(b, c.b, c.len);
    wb_put(&w, c.shdr_off + 5 * c.shentsize + 20, 4, 4);
    assert_int_equal(versions_of(b, c.len, "ok.so", &v, &e), LP_OK);
    assert_int_equal(v.n_refs, 1);
    lp_versions_release(&v);
    free(b);
    free(c.b);
}

/* ------------------------------------------------------------------ */
/* Corrupted copies of libm                                            */

#define LIBM "/lib/x86_64-linux-gnu/libm.so.6"

/* libm: two needed files (the second with four versions) and fifteen definitions */
static void corrupted_libm(void **state)
{
    (void)state;
    size_t n;
    uint8_t *orig = slurp(LIBM, &n);
    if (!orig || !is_elf64le(orig, n)) {
        free(orig);
        skip();
    }
    lp_section vr = section_of(orig, n, ".gnu.version_r");
    lp_section vdef = section_of(orig, n, ".gnu.version_d");
    size_t r = (size_t)vr.off, d = (size_t)vdef.off;
    uint8_t *b = malloc(n);
    assert_non_null(b);
    size_t r2 = r + le(orig + r + 12, 4);
    assert_true(r2 > r && r2 + 16 <= r + vr.size);
    size_t aux = r2 + le(orig + r2 + 8, 4);
    assert_true(le(orig + r2 + 2, 2) >= 2);

    /* each through the dynamic section (as is) and through the sections (no PT_DYNAMIC) */
    for (int pass = 0; pass < 2; pass++) {
#define RESET() (memcpy(b, orig, n), pass ? drop_dynamic(b) : (void)0)
        RESET();
        put_le(b + r + 12, 0xfffffff0u, 4); /* vn_next: a loop in 32-bit arithmetic */
        expect_bad(b, n, "points outside");
        RESET();
        put_le(b + r + 12, 1, 4); /* vn_next that does not get past the entry */
        expect_bad(b, n, "inside itself");
        RESET();
        put_le(b + aux + 12, 0xfffffff0u, 4); /* vna_next loop */
        expect_bad(b, n, "points outside");
        RESET();
        put_le(b + aux + 12, 0, 4); /* vna_next ends early: fine, fewer versions */
        put_le(b + r2 + 2, 0xffff, 2);
        {
            lp_versions v;
            lp_err e;
            assert_int_equal(versions_of(b, n, "ok.so", &v, &e), LP_OK);
            lp_versions_release(&v);
        }
        RESET();
        put_le(b + aux + 12, 16, 4); /* vn_cnt huge, vna_next walks on through the table */
        put_le(b + r2 + 2, 0xffff, 2);
        for (size_t k = aux + 16; k + 16 <= r + vr.size; k += 16)
            put_le(b + k + 12, 16, 4);
        expect_bad(b, n, NULL);
        RESET();
        put_le(b + r2 + 4, 0xffffff00u, 4); /* vn_file outside .dynstr */
        expect_bad(b, n, "outside");
        RESET();
        put_le(b + aux + 8, 0xffffff00u, 4); /* vna_name outside .dynstr */
        expect_bad(b, n, "names string 0xffffff00");
        RESET();
        put_le(b + d + 16, 0xffffffecu, 4); /* vd_next loop */
        expect_bad(b, n, "verdef entry");
        RESET();
        put_le(b + d + 12, 0xfffffff8u, 4); /* vd_aux outside */
        expect_bad(b, n, "points outside");
        RESET();
        put_le(b + d, 0, 2); /* vd_version 0 */
        expect_bad(b, n, "has version 0");
#undef RESET
    }

    /* huge counts in the dynamic section */
    memcpy(b, orig, n);
    size_t at = dyn_value_at(b, 0x6fffffff); /* DT_VERNEEDNUM */
    assert_true(at != 0);
    put_le(b + at, 0x7fffffffu, 8);
    expect_bad(b, n, "over the limit");
    memcpy(b, orig, n);
    at = dyn_value_at(b, 0x6ffffffd); /* DT_VERDEFNUM */
    assert_true(at != 0);
    put_le(b + at, UINT64_MAX, 8);
    expect_bad(b, n, "over the limit");
    /* DT_VERNEED pointing nowhere */
    memcpy(b, orig, n);
    at = dyn_value_at(b, 0x6ffffffe);
    put_le(b + at, 0x7fff00000000u, 8);
    expect_bad(b, n, "not in any loaded segment");
    /* a GNU hash table with a bucket past the end */
    memcpy(b, orig, n);
    strip_sections(b);
    at = dyn_value_at(b, 0x6ffffef5);
    assert_true(at != 0);
    {
        lp_src *src = NULL;
        lp_obj *obj = NULL;
        lp_err e;
        assert_int_equal(lp_src_from_mem(&src, b, n, "x", &e), LP_OK);
        assert_int_equal(lp_obj_open(&obj, src, &e), LP_OK);
        uint64_t hash = le(b + at, 8);
        /* the hash table is in the first segment */
        const lp_segment *s0 = lp_obj_segment_at(obj, 0);
        assert_true(hash >= s0->vaddr && hash - s0->vaddr < s0->filesz);
        size_t h = (size_t)(s0->off + (hash - s0->vaddr));
        lp_obj_free(&obj);
        lp_src_free(&src);
        put_le(b + h, 0xffffffffu, 4); /* nbuckets */
        expect_bad(b, n, "GNU hash table");
    }
    /* truncated: no section headers, the file cut in the middle of the needs */
    memcpy(b, orig, n);
    strip_sections(b);
    expect_bad(b, r + 8, NULL);
    expect_bad(b, r + 40, NULL);

    /* random damage to the version tables: any answer but a crash */
    unsigned seed = 7;
    size_t okays = 0;
    for (int i = 0; i < 3000; i++) {
        memcpy(b, orig, n);
        if (i & 1)
            drop_dynamic(b);
        for (int k = 0; k < 4; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t base = (seed >> 20) & 1 ? r : d;
            size_t span = (size_t)((seed >> 20) & 1 ? vr.size : vdef.size);
            seed = seed * 1103515245u + 12345u;
            b[base + (seed >> 8) % span] = (uint8_t)(seed >> 3);
        }
        lp_versions v;
        lp_err e;
        lp_code rc = versions_of(b, n, "fuzzed.so", &v, &e);
        if (rc == LP_OK)
            okays++;
        else if (rc != LP_ERR_FORMAT && rc != LP_ERR_LIMIT)
            fail_msg("unexpected %s: %s", lp_code_name(rc), e.msg);
        else
            assert_null(strchr(e.msg, '\n'));
        lp_versions_release(&v);
    }
    print_message("  random damage: %zu of 3000 still readable\n", okays);
    free(b);
    free(orig);
}

/* ------------------------------------------------------------------ */
/* Objects without versions                                            */

static void no_versions(void **state)
{
    (void)state;
    uint8_t d[32] = {0};
    syn s = syn_elf(true, false, 62, d, sizeof d);
    lp_versions v;
    lp_err e;
    assert_int_equal(versions_of(s.b, s.len, "plain", &v, &e), LP_OK);
    assert_int_equal(v.n_needs + v.n_defs + v.n_refs, 0);
    assert_false(lp_versions_defines(&v, "GLIBC_2.2.5"));
    assert_null(lp_versions_highest(&v, "GLIBC_2.2.5"));
    lp_versions_release(&v);
    lp_versions_release(NULL);
    /* the object view's dynamic tag lookup: no PT_DYNAMIC, no tags */
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    assert_int_equal(lp_src_from_mem(&src, s.b, s.len, "plain", &e), LP_OK);
    assert_int_equal(lp_obj_open(&obj, src, &e), LP_OK);
    uint64_t val = 1;
    bool present = true;
    assert_int_equal(lp_obj_dynamic_tag(obj, 5, &val, &present, &e), LP_OK);
    assert_false(present);
    assert_int_equal(val, 0);
    lp_obj_free(&obj);
    lp_src_free(&src);
    free(s.b);
}

static void dynamic_tag_lookup(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = slurp(LIBC, &n);
    if (!b || !is_elf64le(b, n)) {
        free(b);
        skip();
    }
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err e;
    assert_int_equal(lp_src_from_mem(&src, b, n, "libc", &e), LP_OK);
    assert_int_equal(lp_obj_open(&obj, src, &e), LP_OK);
    static const int64_t tags[] = {5, 10, 0x6ffffffe, 0x6fffffff, 0x6ffffffc, 0x6ffffffd, 0x6ffffff0};
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        size_t at = dyn_value_at(b, tags[i]);
        uint64_t val = 0;
        bool present = false;
        assert_int_equal(lp_obj_dynamic_tag(obj, tags[i], &val, &present, &e), LP_OK);
        assert_int_equal(present, at != 0);
        if (at)
            assert_int_equal(val, le(b + at, 8));
    }
    uint64_t val = 1;
    bool present = true;
    assert_int_equal(lp_obj_dynamic_tag(obj, 0x12345, &val, &present, &e), LP_OK);
    assert_false(present);
    lp_obj_free(&obj);
    lp_src_free(&src);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(version_cmp_orders),
        cmocka_unit_test(version_cmp_is_a_total_order),
        cmocka_unit_test(host_files_match_readelf),
        cmocka_unit_test(libc_highest_and_defines),
        cmocka_unit_test(built_libraries),
        cmocka_unit_test(crafted_all_layouts),
        cmocka_unit_test(crafted_hostile),
        cmocka_unit_test(corrupted_libm),
        cmocka_unit_test(no_versions),
        cmocka_unit_test(dynamic_tag_lookup),
    };
    const char *filter = getenv("LP_TEST_FILTER"); /* run one test: LP_TEST_FILTER=no_versions */
    if (filter)
        cmocka_set_test_filter(filter);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
