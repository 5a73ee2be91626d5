/*
 * cpu.c - the CPU as glibc's dynamic loader reads it, and what the loader of
 * a given glibc version derives from it.
 *
 * Facts, from glibc's sources (sysdeps/x86/cpu-features.c, get-isa-level.h,
 * elf/dl-hwcaps.c, elf/dl-cache.c, sysdeps/.../dl-procinfo.h):
 *  - x86: a feature is usable when CPUID has it and, for AVX and AVX-512
 *    state, XCR0 enables it; Zhaoxin models 6/0xf, 6/0x19, 7/0x1b, 7/0x3b
 *    get AVX and AVX2 switched off.
 *  - x86-64, from 2.26: dl_hwcap is HWCAP_X86_64, plus HWCAP_X86_AVX512_1 on
 *    Intel with usable AVX512CD (not ER) and BW, DQ, VL; dl_platform is
 *    "xeon_phi" on Intel with AVX512CD, ER and PF, else "haswell" on Intel
 *    with AVX2, FMA, BMI1, BMI2, LZCNT, MOVBE and POPCNT, else the kernel's
 *    AT_PLATFORM. That platform is still what $PLATFORM expands to after
 *    2.37 (the code is in every release since). Before 2.26 no hwcap bit
 *    counts and dl_platform is AT_PLATFORM.
 *  - i386: dl_hwcap HWCAP_X86_SSE2, dl_platform "i686" (CMOV) or "i586"
 *    (CX8); any x86-64 CPU gives "i686" and SSE2.
 *  - aarch64: AT_HWCAP filtered by HWCAP_IMPORTANT: "atomics" from 2.28,
 *    "cpuid" in 2.26 and 2.27; dl_platform is AT_PLATFORM.
 *  - glibc-hwcaps (2.33 and later, x86-64 only here): x86-64-v2 needs
 *    CMPXCHG16B, LAHF, POPCNT, SSE3, SSSE3, SSE4.1, SSE4.2; v3 also AVX,
 *    AVX2, F16C, FMA, LZCNT, MOVBE (and BMI1, BMI2 from 2.37); v4 also
 *    AVX512F, BW, CD, DQ, VL.
 *  - legacy subdirectories (up to 2.36): the names of the hwcap bits kept by
 *    HWCAP_IMPORTANT in bit order, then dl_platform, then "tls"; every
 *    subset of them, the last name outermost, the full set first and the
 *    search directory itself last (dl-hwcaps.c's power set).
 *  - ld.so.cache: an entry with legacy hwcap bits is used when it has no
 *    bit outside dl_hwcap & HWCAP_IMPORTANT, the platform bits and the TLS
 *    bit, and its platform bits, if any, are dl_platform's.
 * What is not modelled: GLIBC_TUNABLES (the program's environment), other
 * architectures' hardware capabilities and glibc-hwcaps (powerpc64le,
 * s390x), which the caller treats as an unknown CPU with no capability.
 */
#include "ld/cpu.h"
#include "obj/elf_defs.h"

#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#define F(x) (1u << (x))
#define V2 (F(X86_CX16) | F(X86_LAHF) | F(X86_POPCNT) | F(X86_SSE3) | F(X86_SSSE3) | F(X86_SSE4_1) | F(X86_SSE4_2))
#define V3 (V2 | F(X86_AVX) | F(X86_AVX2) | F(X86_F16C) | F(X86_FMA) | F(X86_LZCNT) | F(X86_MOVBE) | F(X86_BMI1) | F(X86_BMI2))
#define V4 (V3 | F(X86_AVX512F) | F(X86_AVX512BW) | F(X86_AVX512CD) | F(X86_AVX512DQ) | F(X86_AVX512VL))
#define BASE (F(X86_SSE2) | F(X86_CMOV) | F(X86_CX8))

/* The named CPUs: what each makes glibc's loader derive is in docs/deps.md. */
static const struct preset {
    const char *name;
    unsigned machine; /* LP_EM_X86_64 also stands for LP_EM_386 */
    bool intel;
    uint32_t feat;
    uint64_t hwcap;   /* aarch64: AT_HWCAP */
} presets[] = {
    {"x86-64", LP_EM_X86_64, false, BASE, 0},
    {"x86-64-v2", LP_EM_X86_64, false, BASE | V2, 0},
    {"x86-64-v3", LP_EM_X86_64, false, BASE | V3, 0},
    {"x86-64-v4", LP_EM_X86_64, false, BASE | V4, 0},
    {"haswell", LP_EM_X86_64, true, BASE | V3, 0},
    {"skylake-avx512", LP_EM_X86_64, true, BASE | V4, 0},
    /* Knights Landing: AVX-512 F, CD, ER, PF; no BW, DQ, VL */
    {"xeon_phi", LP_EM_X86_64, true,
     BASE | V3 | F(X86_AVX512F) | F(X86_AVX512CD) | F(X86_AVX512ER) | F(X86_AVX512PF), 0},
    /* HWCAP_CPUID is bit 11, HWCAP_ATOMICS bit 8 */
    {"armv8.0-a", LP_EM_AARCH64, false, 0, 1u << 11},
    {"armv8.1-a", LP_EM_AARCH64, false, 0, (1u << 11) | (1u << 8)},
};
#define N_PRESETS (sizeof presets / sizeof presets[0])

static bool is_x86(unsigned machine) { return machine == LP_EM_X86_64 || machine == LP_EM_386; }

static bool preset_fits(const struct preset *p, unsigned machine)
{
    return p->machine == machine || (p->machine == LP_EM_X86_64 && machine == LP_EM_386);
}

static void from_preset(const struct preset *p, lp_cpu *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", p->name);
    out->x86 = p->machine == LP_EM_X86_64;
    out->intel = p->intel;
    out->feat = p->feat;
    out->aux = p->machine == LP_EM_AARCH64;
    out->at_hwcap = p->hwcap;
    if (out->aux)
        snprintf(out->at_platform, sizeof out->at_platform, "aarch64");
}

bool lp_cpu_preset(const char *name, unsigned machine, unsigned bits, lp_cpu *out)
{
    (void)bits;
    for (size_t i = 0; i < N_PRESETS; i++)
        if (strcmp(presets[i].name, name) == 0 && preset_fits(&presets[i], machine)) {
            from_preset(&presets[i], out);
            return true;
        }
    return false;
}

size_t lp_cpu_presets(unsigned machine, unsigned bits, lp_cpu *out, size_t max)
{
    (void)bits;
    size_t n = 0;
    for (size_t i = 0; i < N_PRESETS && n < max; i++)
        if (preset_fits(&presets[i], machine))
            from_preset(&presets[i], &out[n++]);
    return n;
}

bool lp_cpu_name_known(const char *name)
{
    if (strcmp(name, "host") == 0)
        return true;
    for (size_t i = 0; i < N_PRESETS; i++)
        if (strcmp(presets[i].name, name) == 0)
            return true;
    return false;
}

const char *lp_cpu_preset_list(void)
{
    return "host, x86-64, x86-64-v2, x86-64-v3, x86-64-v4, haswell, skylake-avx512, xeon_phi, "
           "armv8.0-a, armv8.1-a";
}

#if defined(__x86_64__) || defined(__i386__)
/* The usable x86 features, read as glibc reads them. */
static void x86_host(lp_cpu *out)
{
    unsigned a = 0, b = 0, c = 0, d = 0, max = 0;
    if (!__get_cpuid(0, &max, &b, &c, &d))
        return;
    char vendor[13];
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = '\0';
    out->intel = strcmp(vendor, "GenuineIntel") == 0;
    bool zhaoxin = strcmp(vendor, "CentaurHauls") == 0 || strcmp(vendor, "  Shanghai  ") == 0;
    uint32_t f = 0;
    __get_cpuid(1, &a, &b, &c, &d);
    unsigned family = (a >> 8) & 0xf, model = (a >> 4) & 0xf, ext_model = (a >> 12) & 0xf0;
    if (family == 0xf)
        family += (a >> 20) & 0xff;
    model += ext_model;
    bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12), f16c = c & (1u << 29);
    static const struct {
        int reg, bit, feat;
    } leaf1[] = {{2, 0, X86_SSE3},    {2, 9, X86_SSSE3},   {2, 13, X86_CX16},  {2, 19, X86_SSE4_1},
                 {2, 20, X86_SSE4_2}, {2, 22, X86_MOVBE},  {2, 23, X86_POPCNT}, {3, 8, X86_CX8},
                 {3, 15, X86_CMOV},   {3, 26, X86_SSE2}};
    for (size_t i = 0; i < sizeof leaf1 / sizeof leaf1[0]; i++)
        if ((leaf1[i].reg == 2 ? c : d) & (1u << leaf1[i].bit))
            f |= F(leaf1[i].feat);
    unsigned b7 = 0;
    if (max >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        b7 = b;
    }
    if (b7 & (1u << 3))
        f |= F(X86_BMI1);
    if (b7 & (1u << 8))
        f |= F(X86_BMI2);
    unsigned emax = __get_cpuid_max(0x80000000u, NULL);
    if (emax >= 0x80000001u) {
        __get_cpuid(0x80000001u, &a, &b, &c, &d);
        if (c & 1u)
            f |= F(X86_LAHF);
        if (c & (1u << 5))
            f |= F(X86_LZCNT);
    }
    unsigned xcr0 = 0;
    if (osxsave) {
        unsigned hi;
        __asm__ volatile("xgetbv" : "=a"(xcr0), "=d"(hi) : "c"(0));
        (void)hi;
    }
    if (osxsave && (xcr0 & 6u) == 6u && avx) {
        f |= F(X86_AVX);
        if (b7 & (1u << 5))
            f |= F(X86_AVX2);
        if (fma)
            f |= F(X86_FMA);
        if (f16c)
            f |= F(X86_F16C);
    }
    if (osxsave && (xcr0 & 0xe0u) == 0xe0u && (b7 & (1u << 16))) {
        static const struct {
            int bit, feat;
        } avx512[] = {{17, X86_AVX512DQ}, {26, X86_AVX512PF}, {27, X86_AVX512ER},
                      {28, X86_AVX512CD}, {30, X86_AVX512BW}, {31, X86_AVX512VL}};
        f |= F(X86_AVX512F);
        for (size_t i = 0; i < sizeof avx512 / sizeof avx512[0]; i++)
            if (b7 & (1u << avx512[i].bit))
                f |= F(avx512[i].feat);
    }
    if (zhaoxin && ((family == 6 && (model == 0xf || model == 0x19)) ||
                    (family == 7 && (model == 0x1b || model == 0x3b))))
        f &= ~(F(X86_AVX) | F(X86_AVX2));
    out->feat = f;
}
#endif

bool lp_cpu_host(unsigned machine, unsigned bits, lp_cpu *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "host");
    struct utsname u;
    if (uname(&u) != 0)
        return false;
    if (is_x86(machine)) {
#if defined(__x86_64__) || defined(__i386__)
        /* an x86-64 host runs x86-64, x32 and i386 programs */
        (void)bits;
        out->x86 = true;
        x86_host(out);
        return true;
#else
        return false;
#endif
    }
    /* another machine: the kernel's auxiliary vector, when the host is that machine */
    const char *plat = (const char *)getauxval(AT_PLATFORM);
    bool same = (machine == LP_EM_AARCH64 && strcmp(u.machine, "aarch64") == 0);
    if (!same || !plat)
        return false;
    out->aux = true;
    out->at_hwcap = getauxval(AT_HWCAP);
    snprintf(out->at_platform, sizeof out->at_platform, "%s", plat);
    return true;
}

/* dl-hwcaps.c's power set of names[0..n): most specific first, the last name outermost. */
static void power_set(const char *const *names, size_t n, lp_glibc_rules *out)
{
    if (n > 5)
        n = 5; /* 32 entries: more names than any modelled machine has */
    for (size_t m = ((size_t)1 << n); m-- > 0;) {
        char *p = out->legacy[out->n_legacy++];
        p[0] = '\0';
        for (size_t k = n; k-- > 0;)
            if (m & ((size_t)1 << k)) {
                size_t l = strlen(p);
                snprintf(p + l, sizeof out->legacy[0] - l, "%s/", names[k]);
            }
    }
}

void lp_glibc_rules_for(const lp_cpu *cpu, unsigned machine, unsigned bits, unsigned version,
                        const char *at_platform, const char *force_platform, lp_glibc_rules *out)
{
    memset(out, 0, sizeof *out);
    bool newest = version == 0;
    bool v226 = newest || version >= 2026, v233 = newest || version >= 2033;
    bool legacy = !newest && version <= 2036, v237 = newest || version >= 2037;
    const char *plat = cpu && cpu->aux && cpu->at_platform[0] ? cpu->at_platform : at_platform;
    const char *names[8];
    size_t nn = 0;
    uint32_t f = cpu && cpu->x86 ? cpu->feat : 0;
#define HAS(m) ((f & (m)) == (m))
    if (machine == LP_EM_X86_64 && cpu && cpu->x86) {
        bool avx512_1 = false;
        if (v226) {
            out->cache_hwcap = 1u << 1; /* HWCAP_X86_64 */
            names[nn++] = "x86_64";
            const char *p = NULL;
            if (cpu->intel) {
                if (HAS(F(X86_AVX512CD))) {
                    if (HAS(F(X86_AVX512ER))) {
                        if (HAS(F(X86_AVX512PF)))
                            p = "xeon_phi";
                    } else if (HAS(F(X86_AVX512BW) | F(X86_AVX512DQ) | F(X86_AVX512VL))) {
                        avx512_1 = true;
                    }
                }
                if (!p && HAS(F(X86_AVX2) | F(X86_FMA) | F(X86_BMI1) | F(X86_BMI2) | F(X86_LZCNT) |
                              F(X86_MOVBE) | F(X86_POPCNT)))
                    p = "haswell";
            }
            if (avx512_1) {
                out->cache_hwcap |= 1u << 2; /* HWCAP_X86_AVX512_1 */
                names[nn++] = "avx512_1";
            }
            if (p) {
                plat = p;
                out->cache_platform = (uint64_t)1 << (48 + (strcmp(p, "haswell") == 0 ? 2 : 3));
            }
            out->cache_platform_mask = (uint64_t)0xf << 48;
        }
        if (v233) {
            uint32_t v3 = v237 ? V3 : (V3 & ~(F(X86_BMI1) | F(X86_BMI2)));
            uint32_t v4 = v3 | F(X86_AVX512F) | F(X86_AVX512BW) | F(X86_AVX512CD) | F(X86_AVX512DQ) |
                          F(X86_AVX512VL);
            if (HAS(v4 | BASE))
                out->hwcaps[out->n_hwcaps++] = "x86-64-v4";
            if (HAS(v3 | BASE))
                out->hwcaps[out->n_hwcaps++] = "x86-64-v3";
            if (HAS(V2 | BASE))
                out->hwcaps[out->n_hwcaps++] = "x86-64-v2";
        }
    } else if (machine == LP_EM_386 && cpu && cpu->x86) {
        if (HAS(F(X86_SSE2))) {
            out->cache_hwcap = 1u; /* HWCAP_X86_SSE2 */
            names[nn++] = "sse2";
        }
        plat = HAS(F(X86_CMOV)) ? "i686" : HAS(F(X86_CX8)) ? "i586" : plat;
        out->cache_platform = (uint64_t)1 << (48 + (strcmp(plat ? plat : "", "i686") == 0 ? 1 : 0));
        out->cache_platform_mask = (uint64_t)0x3 << 48;
    } else if (machine == LP_EM_AARCH64 && cpu && cpu->aux) {
        int bit = !v226 ? -1 : (newest || version >= 2028) ? 8 : 11;
        if (bit >= 0 && (cpu->at_hwcap & ((uint64_t)1 << bit))) {
            out->cache_hwcap = (uint64_t)1 << bit;
            names[nn++] = bit == 8 ? "atomics" : "cpuid";
        }
    }
#undef HAS
    (void)bits;
    if (force_platform) {
        /* one value for $PLATFORM, the platform subdirectory and the cache's platform bit */
        plat = force_platform;
        static const char *const x86[] = {"i586", "i686", "haswell", "xeon_phi"};
        out->cache_platform = 0;
        for (size_t i = 0; i < 4 && out->cache_platform_mask; i++)
            if (strcmp(plat, x86[i]) == 0 && (((uint64_t)1 << (48 + i)) & out->cache_platform_mask))
                out->cache_platform = (uint64_t)1 << (48 + i);
    }
    snprintf(out->platform, sizeof out->platform, "%s", plat ? plat : "");
    if (legacy) {
        if (plat && *plat)
            names[nn++] = out->platform;
        names[nn++] = "tls";
        power_set(names, nn, out);
    } else {
        out->legacy[0][0] = '\0';
        out->n_legacy = 1;
    }
    if (!v233)
        out->n_hwcaps = 0;
}
