/*
 * Unit tests: what glibc's loader derives from a CPU for each glibc branch
 * (src/ld/cpu.c), against lists written from glibc's sources and the host
 * loader's own LD_DEBUG output on an AMD x86-64 machine with glibc 2.36.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ld/cpu.h"

#define EM_386 3u
#define EM_X86_64 62u
#define EM_AARCH64 183u

static void expect_legacy(const lp_glibc_rules *r, const char *const *want, size_t n)
{
    assert_int_equal(r->n_legacy, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(r->legacy[i], want[i]);
}

static lp_glibc_rules rules(const char *cpu, unsigned machine, unsigned version, const char *force)
{
    lp_cpu c;
    assert_true(lp_cpu_preset(cpu, machine, 64, &c));
    lp_glibc_rules r;
    lp_glibc_rules_for(&c, machine, 64, version, machine == EM_386 ? "i686" : "x86_64", force, &r);
    return r;
}

static void x86_64_branches(void **state)
{
    (void)state;
    /* LD_DEBUG=libs of glibc 2.36 on an AMD EPYC: the same list */
    lp_glibc_rules r = rules("x86-64-v3", EM_X86_64, 2036, NULL);
    static const char *const amd[] = {"tls/x86_64/x86_64/", "tls/x86_64/", "tls/x86_64/", "tls/",
                                      "x86_64/x86_64/", "x86_64/", "x86_64/", ""};
    expect_legacy(&r, amd, 8);
    assert_string_equal(r.platform, "x86_64");
    assert_int_equal(r.n_hwcaps, 2);
    assert_string_equal(r.hwcaps[0], "x86-64-v3");
    assert_int_equal(r.cache_hwcap, 2); /* HWCAP_X86_64 */
    assert_int_equal(r.cache_platform, 0);
    /* Intel with AVX-512: four names, sixteen subdirectories, the full set first */
    r = rules("skylake-avx512", EM_X86_64, 2036, NULL);
    assert_string_equal(r.platform, "haswell");
    assert_int_equal(r.n_legacy, 16);
    assert_string_equal(r.legacy[0], "tls/haswell/avx512_1/x86_64/");
    assert_string_equal(r.legacy[1], "tls/haswell/avx512_1/");
    assert_string_equal(r.legacy[8], "haswell/avx512_1/x86_64/");
    assert_string_equal(r.legacy[15], "");
    assert_int_equal(r.cache_hwcap, 6);
    assert_true(r.cache_platform == (uint64_t)1 << 50);
    assert_int_equal(r.n_hwcaps, 3);
    /* Xeon Phi: its own platform, no avx512_1 */
    r = rules("xeon_phi", EM_X86_64, 2036, NULL);
    assert_string_equal(r.platform, "xeon_phi");
    assert_string_equal(r.legacy[0], "tls/xeon_phi/x86_64/");
    assert_true(r.cache_platform == (uint64_t)1 << 51);
    /* 2.37: no legacy subdirectory, the platform still the CPU's */
    r = rules("haswell", EM_X86_64, 2037, NULL);
    static const char *const none[] = {""};
    expect_legacy(&r, none, 1);
    assert_string_equal(r.platform, "haswell");
    /* 2.32: no glibc-hwcaps yet */
    r = rules("haswell", EM_X86_64, 2032, NULL);
    assert_int_equal(r.n_hwcaps, 0);
    assert_int_equal(r.n_legacy, 8);
    /* 2.25: no hwcap name, AT_PLATFORM whatever the CPU */
    r = rules("skylake-avx512", EM_X86_64, 2025, NULL);
    static const char *const old[] = {"tls/x86_64/", "tls/", "x86_64/", ""};
    expect_legacy(&r, old, 4);
    /* version not known: the newest rules */
    r = rules("x86-64", EM_X86_64, 0, NULL);
    expect_legacy(&r, none, 1);
    assert_int_equal(r.n_hwcaps, 0);
    /* x86-64-v3 in 2.36 needs no BMI1/BMI2 (get-isa-level.h); from 2.37 it does */
    lp_cpu c;
    assert_true(lp_cpu_preset("x86-64-v3", EM_X86_64, 64, &c));
    c.feat &= ~((1u << X86_BMI1) | (1u << X86_BMI2));
    lp_glibc_rules_for(&c, EM_X86_64, 64, 2036, "x86_64", NULL, &r);
    assert_string_equal(r.hwcaps[0], "x86-64-v3");
    lp_glibc_rules_for(&c, EM_X86_64, 64, 2037, "x86_64", NULL, &r);
    assert_string_equal(r.hwcaps[0], "x86-64-v2");
    /* a forced platform (--dst-platform) for $PLATFORM, the subdirectory and the cache bit */
    r = rules("haswell", EM_X86_64, 2036, "x86_64");
    assert_string_equal(r.platform, "x86_64");
    assert_string_equal(r.legacy[0], "tls/x86_64/x86_64/");
    assert_int_equal(r.cache_platform, 0);
}

static void other_machines(void **state)
{
    (void)state;
    lp_glibc_rules r = rules("haswell", EM_386, 2036, NULL);
    assert_string_equal(r.platform, "i686");
    assert_string_equal(r.legacy[0], "tls/i686/sse2/");
    assert_int_equal(r.n_hwcaps, 0);
    lp_cpu c;
    assert_true(lp_cpu_preset("armv8.1-a", EM_AARCH64, 64, &c));
    lp_glibc_rules_for(&c, EM_AARCH64, 64, 2036, "aarch64", NULL, &r);
    assert_string_equal(r.legacy[0], "tls/aarch64/atomics/");
    lp_glibc_rules_for(&c, EM_AARCH64, 64, 2027, "aarch64", NULL, &r);
    assert_string_equal(r.legacy[0], "tls/aarch64/cpuid/");
    assert_true(lp_cpu_preset("armv8.0-a", EM_AARCH64, 64, &c));
    lp_glibc_rules_for(&c, EM_AARCH64, 64, 2036, "aarch64", NULL, &r);
    assert_string_equal(r.legacy[0], "tls/aarch64/");
    /* a machine without a model: its AT_PLATFORM and "tls" */
    lp_glibc_rules_for(NULL, 21 /* EM_PPC64 */, 64, 2036, "ppc64le", NULL, &r);
    assert_string_equal(r.legacy[0], "tls/ppc64le/");
    assert_int_equal(r.n_legacy, 4);
    /* presets fit their machine only */
    assert_false(lp_cpu_preset("haswell", EM_AARCH64, 64, &c));
    assert_false(lp_cpu_preset("armv8.1-a", EM_X86_64, 64, &c));
    assert_true(lp_cpu_name_known("host"));
    assert_false(lp_cpu_name_known("pentium"));
    lp_cpu all[16];
    assert_int_equal(lp_cpu_presets(EM_X86_64, 64, all, 16), 7);
    assert_string_equal(all[0].name, "x86-64");
}

static void host_cpu(void **state)
{
    (void)state;
#if defined(__x86_64__) || defined(__i386__)
    lp_cpu c;
    assert_true(lp_cpu_host(EM_X86_64, 64, &c));
    assert_string_equal(c.name, "host");
    /* every x86-64 CPU has SSE2, CMOV and CX8 */
    uint32_t base = (1u << X86_SSE2) | (1u << X86_CMOV) | (1u << X86_CX8);
    assert_true((c.feat & base) == base);
    assert_false(lp_cpu_host(EM_AARCH64, 64, &c));
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(x86_64_branches),
        cmocka_unit_test(other_machines),
        cmocka_unit_test(host_cpu),
    };
    return cmocka_run_group_tests_name("cpu", tests, NULL, NULL);
}
