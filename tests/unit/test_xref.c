/*
 * test_xref.c - the instruction decoders of the -X overwrite scan (src/go/xref.c),
 * on instruction sequences encoded here from each architecture's manual, in the
 * shapes the Go compiler emits for package-level variables: a store into the
 * variable, a load of its length (a read of the value), an address taken, and
 * references that must not count (another variable, a register overwritten
 * before use). The end-to-end oracle is tests/oracle_xmatrix.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "go/xref.h"

#define PC 0x400000u
#define VAR 0x523140u /* a string header: pointer at VAR, length at VAR + 8 (4 on 32-bit) */

typedef struct code {
    uint8_t b[256];
    size_t n;
    bool be;
} code;

static void put32(code *c, uint32_t w)
{
    for (int i = 0; i < 4; i++)
        c->b[c->n + (size_t)i] = c->be ? (uint8_t)(w >> (24 - 8 * i)) : (uint8_t)(w >> (8 * i));
    c->n += 4;
}

static void put8(code *c, uint8_t v) { c->b[c->n++] = v; }

static unsigned scan(const char *arch, const code *c, uint64_t var, unsigned ps)
{
    const lp_xref_arch *a = lp_xref_arch_for(arch);
    assert_non_null(a);
    return lp_xref_scan(a, c->be, c->b, c->n, PC, var, var + 2 * ps, var + ps);
}

static uint64_t here(const code *c) { return PC + c->n; }

/* ---- amd64 ---- */

static void rip(code *c, const uint8_t *op, size_t opn, uint64_t target, size_t imm)
{
    for (size_t i = 0; i < opn; i++)
        put8(c, op[i]);
    uint64_t end = here(c) + 4 + imm;
    int32_t d = (int32_t)(int64_t)(target - end);
    put32(c, (uint32_t)d);
    for (size_t i = 0; i < imm; i++)
        put8(c, 0);
}

static void test_amd64(void **state)
{
    (void)state;
    code c = {0};
    static const uint8_t mov_store[] = {0x48, 0x89, 0x1d}; /* MOVQ BX, var+8(SB) */
    rip(&c, mov_store, 3, VAR + 8, 0);
    assert_int_equal(scan("amd64", &c, VAR, 8), LP_XREF_STORE);

    c = (code){0};
    static const uint8_t cmp_imm8[] = {0x48, 0x83, 0x3d}; /* CMPQ $0, var+8(SB) */
    rip(&c, cmp_imm8, 3, VAR + 8, 1);
    static const uint8_t movq_imm[] = {0x48, 0xc7, 0x05}; /* MOVQ $8, var+8(SB) */
    rip(&c, movq_imm, 3, VAR + 8, 4);
    assert_int_equal(scan("amd64", &c, VAR, 8), LP_XREF_LOAD | LP_XREF_LOAD_LEN | LP_XREF_STORE);

    c = (code){0};
    static const uint8_t load_ptr[] = {0x48, 0x8b, 0x05}; /* MOVQ var(SB), AX: the pointer only */
    rip(&c, load_ptr, 3, VAR, 0);
    assert_int_equal(scan("amd64", &c, VAR, 8), LP_XREF_LOAD);

    c = (code){0};
    static const uint8_t lea[] = {0x48, 0x8d, 0x3d}; /* LEAQ var(SB), DI */
    rip(&c, lea, 3, VAR, 0);
    assert_int_equal(scan("amd64", &c, VAR, 8), LP_XREF_ADDR);

    c = (code){0};
    static const uint8_t movups[] = {0x0f, 0x11, 0x05}; /* MOVUPS X0, var(SB): 16 bytes */
    rip(&c, movups, 3, VAR, 0);
    assert_int_equal(scan("amd64", &c, VAR, 8), LP_XREF_STORE);

    c = (code){0};
    rip(&c, mov_store, 3, VAR + 16, 0); /* the next variable */
    assert_int_equal(scan("amd64", &c, VAR, 8), 0);
}

/* ---- 386: absolute disp32 and moffs forms ---- */

static void test_386(void **state)
{
    (void)state;
    code c = {0};
    put8(&c, 0x89), put8(&c, 0x0d), put32(&c, VAR + 4); /* MOVL CX, var+4(SB) */
    assert_int_equal(scan("386", &c, VAR, 4), LP_XREF_STORE);
    c = (code){0};
    put8(&c, 0xa1), put32(&c, VAR + 4); /* MOVL var+4(SB), AX */
    assert_int_equal(scan("386", &c, VAR, 4), LP_XREF_LOAD | LP_XREF_LOAD_LEN);
    c = (code){0};
    put8(&c, 0xa3), put32(&c, VAR); /* MOVL AX, var(SB) */
    assert_int_equal(scan("386", &c, VAR, 4), LP_XREF_STORE);
}

/* ---- arm64 ---- */

static uint32_t a64_adrp(unsigned rd, uint64_t pc, uint64_t target)
{
    int64_t pages = (int64_t)((target & ~0xFFFull) - (pc & ~0xFFFull)) >> 12;
    uint32_t imm = (uint32_t)pages & 0x1FFFFF;
    return 0x90000000u | (imm & 3) << 29 | (imm >> 2) << 5 | rd;
}

static uint32_t a64_add(unsigned rd, unsigned rn, unsigned imm) { return 0x91000000u | imm << 10 | rn << 5 | rd; }
static uint32_t a64_str(unsigned rt, unsigned rn, unsigned off) { return 0xF9000000u | (off / 8) << 10 | rn << 5 | rt; }
static uint32_t a64_ldr(unsigned rt, unsigned rn, unsigned off) { return 0xF9400000u | (off / 8) << 10 | rn << 5 | rt; }
static uint32_t a64_mov(unsigned rd, unsigned rm) { return 0xAA0003E0u | rm << 16 | rd; } /* ORR */

static void test_arm64(void **state)
{
    (void)state;
    code c = {0};
    put32(&c, a64_adrp(27, here(&c), VAR));
    put32(&c, a64_add(27, 27, VAR & 0xFFF));
    put32(&c, a64_str(1, 27, 8)); /* MOVD R1, 8(R27) */
    assert_int_equal(scan("arm64", &c, VAR, 8), LP_XREF_STORE);

    c = (code){0};
    put32(&c, a64_adrp(27, here(&c), VAR));
    put32(&c, a64_ldr(0, 27, (VAR & 0xFFF) + 8)); /* ADRP + LDR with the offset: the length */
    assert_int_equal(scan("arm64", &c, VAR, 8), LP_XREF_LOAD | LP_XREF_LOAD_LEN);

    c = (code){0};
    put32(&c, a64_adrp(2, here(&c), VAR));
    put32(&c, a64_add(2, 2, VAR & 0xFFF)); /* the address, passed on in R2 */
    put32(&c, 0x94000000u);                /* BL */
    assert_int_equal(scan("arm64", &c, VAR, 8), LP_XREF_ADDR);

    c = (code){0};
    put32(&c, a64_adrp(27, here(&c), VAR));
    put32(&c, a64_add(27, 27, VAR & 0xFFF));
    put32(&c, a64_mov(27, 5));    /* R27 overwritten */
    put32(&c, a64_str(1, 27, 8)); /* ... so this store is elsewhere */
    assert_int_equal(scan("arm64", &c, VAR, 8) & LP_XREF_STORE, 0);
}

/* ---- arm: literal pool ---- */

static void test_arm(void **state)
{
    (void)state;
    code c = {0};
    put32(&c, 0xE59FB000u | 4u);  /* LDR R11, [PC, #4]: the word at pc+12 */
    put32(&c, 0xE58B0000u | 4u);  /* STR R0, [R11, #4] */
    put32(&c, 0xEAFFFFFEu);       /* B . */
    put32(&c, VAR);               /* the pool */
    assert_int_equal(scan("arm", &c, VAR, 4), LP_XREF_STORE);
    c = (code){0};
    put32(&c, 0xE59FB000u | 4u);
    put32(&c, 0xE59B0004u);       /* LDR R0, [R11, #4] */
    put32(&c, 0xEAFFFFFEu);
    put32(&c, VAR);
    assert_int_equal(scan("arm", &c, VAR, 4), LP_XREF_LOAD | LP_XREF_LOAD_LEN);
}

/* ---- riscv64 ---- */

static void rv_hi_lo(uint64_t pc, uint64_t target, uint32_t *hi, int32_t *lo)
{
    int64_t off = (int64_t)(target - pc);
    int64_t h = (off + 0x800) >> 12;
    *hi = (uint32_t)h & 0xFFFFF;
    *lo = (int32_t)(off - h * 4096);
}

static void test_riscv64(void **state)
{
    (void)state;
    code c = {0};
    uint32_t hi;
    int32_t lo;
    rv_hi_lo(here(&c), VAR + 8, &hi, &lo);
    put32(&c, hi << 12 | 31u << 7 | 0x17); /* AUIPC X31 */
    uint32_t im = (uint32_t)lo & 0xFFF;
    put32(&c, (im >> 5) << 25 | 10u << 20 | 31u << 15 | 3u << 12 | (im & 31) << 7 | 0x23); /* SD X10 */
    assert_int_equal(scan("riscv64", &c, VAR, 8), LP_XREF_STORE);
    c = (code){0};
    rv_hi_lo(here(&c), VAR, &hi, &lo);
    put32(&c, hi << 12 | 31u << 7 | 0x17);
    put32(&c, ((uint32_t)lo & 0xFFF) << 20 | 31u << 15 | 31u << 7 | 0x13); /* ADDI X31, X31, lo */
    put32(&c, 8u << 20 | 31u << 15 | 3u << 12 | 10u << 7 | 0x03);         /* LD X10, 8(X31) */
    assert_int_equal(scan("riscv64", &c, VAR, 8), LP_XREF_LOAD | LP_XREF_LOAD_LEN);
}

/* ---- mips (big-endian) and mips64le with the static base R28 ---- */

static void test_mips(void **state)
{
    (void)state;
    code c = {.be = true};
    uint32_t hi = (VAR + 4 + 0x8000) >> 16, lo = (VAR + 4) & 0xFFFF;
    put32(&c, 15u << 26 | 23u << 16 | hi);              /* LUI R23, hi */
    put32(&c, 43u << 26 | 23u << 21 | 2u << 16 | lo);   /* SW R2, lo(R23) */
    assert_int_equal(scan("mips", &c, VAR, 4), LP_XREF_STORE);

    code d = {.be = false};
    hi = (VAR + 8 + 0x8000) >> 16, lo = (VAR + 8) & 0xFFFF;
    put32(&d, 15u << 26 | 23u << 16 | hi);                    /* LUI R23, hi */
    put32(&d, 0u << 26 | 23u << 21 | 28u << 16 | 23u << 11 | 0x2D); /* DADDU R23, R23, R28 */
    put32(&d, 63u << 26 | 23u << 21 | 1u << 16 | lo);         /* SD R1, lo(R23) */
    assert_int_equal(scan("mips64le", &d, VAR, 8), LP_XREF_STORE);
}

/* ---- ppc64: absolute, and a PIE through the TOC pointer set up at entry ---- */

static void test_ppc64(void **state)
{
    (void)state;
    code c = {.be = true};
    uint32_t hi = (VAR + 0x8000) >> 16, lo = VAR & 0xFFFF;
    put32(&c, 15u << 26 | 20u << 21 | hi);               /* ADDIS R20, 0, hi */
    put32(&c, 14u << 26 | 20u << 21 | 20u << 16 | lo);   /* ADDI R20, R20, lo */
    put32(&c, 62u << 26 | 4u << 21 | 20u << 16 | 8);     /* STD R4, 8(R20) */
    assert_int_equal(scan("ppc64", &c, VAR, 8), LP_XREF_STORE);

    code p = {.be = false};
    uint64_t toc = PC + 0x18000;
    uint32_t th = (uint32_t)((toc - PC + 0x8000) >> 16), tl = (uint32_t)((toc - PC) & 0xFFFF);
    put32(&p, 0x3C4C0000u | th); /* addis r2, r12, th */
    put32(&p, 0x38420000u | tl); /* addi r2, r2, tl */
    uint64_t off = VAR - toc;
    hi = (uint32_t)((off + 0x8000) >> 16) & 0xFFFF, lo = (uint32_t)off & 0xFFFF;
    put32(&p, 15u << 26 | 8u << 21 | 2u << 16 | hi);   /* ADDIS R8, R2, hi */
    put32(&p, 14u << 26 | 8u << 21 | 8u << 16 | lo);   /* ADDI R8, R8, lo */
    put32(&p, 58u << 26 | 5u << 21 | 8u << 16 | 8);    /* LD R5, 8(R8) */
    assert_int_equal(scan("ppc64le", &p, VAR, 8), LP_XREF_LOAD | LP_XREF_LOAD_LEN);
}

/* ---- s390x: relative-long loads and stores, LARL ---- */

static void rel(code *c, uint8_t op, uint8_t r1op, uint64_t target)
{
    int64_t half = (int64_t)(target - here(c)) / 2;
    put8(c, op), put8(c, r1op);
    put32(c, (uint32_t)half);
}

static void test_s390x(void **state)
{
    (void)state;
    code c = {.be = true};
    rel(&c, 0xC4, 0x0B, VAR + 8); /* STGRL R0, var+8 */
    assert_int_equal(scan("s390x", &c, VAR, 8), LP_XREF_STORE);
    c = (code){.be = true};
    rel(&c, 0xC4, 0x08, VAR + 8); /* LGRL R0, var+8 */
    assert_int_equal(scan("s390x", &c, VAR, 8), LP_XREF_LOAD | LP_XREF_LOAD_LEN);
    c = (code){.be = true};
    rel(&c, 0xC0, 0x20, VAR); /* LARL R2, var: passed to the write barrier */
    assert_int_equal(scan("s390x", &c, VAR, 8), LP_XREF_ADDR);
}

/* ---- loong64 ---- */

static void test_loong64(void **state)
{
    (void)state;
    code c = {0};
    int64_t pages = (int64_t)((VAR & ~0xFFFull) - (PC & ~0xFFFull)) >> 12;
    put32(&c, 0x0Du << 25 | ((uint32_t)pages & 0xFFFFF) << 5 | 19u);  /* PCALAU12I R19 */
    put32(&c, 0x00Bu << 22 | (VAR & 0xFFFu) << 10 | 19u << 5 | 19u);  /* ADDI.D R19, R19, lo */
    put32(&c, 0x0A7u << 22 | 8u << 10 | 19u << 5 | 4u);              /* ST.D R4, R19, 8 */
    assert_int_equal(scan("loong64", &c, VAR, 8), LP_XREF_STORE);
}

static void test_unknown_arch(void **state)
{
    (void)state;
    assert_null(lp_xref_arch_for("wasm"));
    assert_null(lp_xref_arch_for(NULL));
    /* every decoder stays inside its buffer on a truncated instruction */
    static const char *const all[] = {"amd64", "386", "arm64", "arm", "riscv64", "mips",
                                      "mips64le", "loong64", "ppc64", "ppc64le", "s390x"};
    code c = {0};
    put8(&c, 0xC4), put8(&c, 0x0B), put8(&c, 0x48);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        (void)scan(all[i], &c, VAR, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amd64),   cmocka_unit_test(test_386),     cmocka_unit_test(test_arm64),
        cmocka_unit_test(test_arm),     cmocka_unit_test(test_riscv64), cmocka_unit_test(test_mips),
        cmocka_unit_test(test_ppc64),   cmocka_unit_test(test_s390x),   cmocka_unit_test(test_loong64),
        cmocka_unit_test(test_unknown_arch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
