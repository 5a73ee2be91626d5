/*
 * cpu.h - private to src/ld: a CPU as glibc's dynamic loader reads it, and
 * what the loader of one glibc version derives from it ($PLATFORM, the
 * glibc-hwcaps subdirectories, the legacy hardware-capability
 * subdirectories, the ld.so.cache entries it accepts).
 */
#ifndef LP_LD_CPU_H
#define LP_LD_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* x86 features, as glibc's cpu-features.c calls them usable (CPU and, for AVX state, the OS). */
enum {
    X86_SSE2, X86_CMOV, X86_CX8, X86_CX16, X86_LAHF, X86_POPCNT, X86_SSE3, X86_SSSE3, X86_SSE4_1,
    X86_SSE4_2, X86_AVX, X86_AVX2, X86_F16C, X86_FMA, X86_LZCNT, X86_MOVBE, X86_BMI1, X86_BMI2,
    X86_AVX512F, X86_AVX512CD, X86_AVX512ER, X86_AVX512PF, X86_AVX512BW, X86_AVX512DQ, X86_AVX512VL,
    X86_NFEATURES
};

typedef struct lp_cpu {
    char name[32];        /* "host", or a preset's name */
    bool x86;             /* the x86 fields below hold */
    bool intel;           /* x86: GenuineIntel, the vendor glibc gives platform names to */
    uint32_t feat;        /* x86: usable features, 1u << X86_* */
    bool aux;             /* other machines: AT_HWCAP and AT_PLATFORM below are known (the host) */
    uint64_t at_hwcap;
    char at_platform[32];
} lp_cpu;

/* This machine's CPU, when it runs programs of (machine, bits) natively: false otherwise. */
bool lp_cpu_host(unsigned machine, unsigned bits, lp_cpu *out);
/* A named CPU (preset) for (machine, bits): false when there is none of that name for it. */
bool lp_cpu_preset(const char *name, unsigned machine, unsigned bits, lp_cpu *out);
/* Every preset for (machine, bits), at most max: the CPUs an unknown one may be. */
size_t lp_cpu_presets(unsigned machine, unsigned bits, lp_cpu *out, size_t max);
/* Whether @p name is "host" or a preset of some machine. */
bool lp_cpu_name_known(const char *name);
/* The preset names, ", "-separated, for messages and --help. */
const char *lp_cpu_preset_list(void);

#define LP_LEGACY_MAX 32

typedef struct lp_glibc_rules {
    char platform[32];              /* dl_platform: $PLATFORM, and a legacy subdirectory name */
    const char *hwcaps[4];          /* glibc-hwcaps subdirectories, best first (2.33 and later) */
    size_t n_hwcaps;
    char legacy[LP_LEGACY_MAX][48]; /* legacy subdirectory prefixes (up to 2.36), most specific
                                       first, each ending in '/', the search directory ("") last */
    size_t n_legacy;
    uint64_t cache_hwcap;           /* ld.so.cache legacy entries: hwcap bits the loader accepts */
    uint64_t cache_platform;        /* the platform bit it accepts (0: none) */
    uint64_t cache_platform_mask;   /* the bits that name platforms */
} lp_glibc_rules;

/*
 * The rules of glibc @p version (major * 1000 + minor, 0 when unknown: the
 * newest rules) for @p cpu (NULL: one with no optional capability) running
 * programs of (machine, bits), whose kernel AT_PLATFORM is @p at_platform
 * (the CPU's own when it knows it); @p force_platform, when not NULL, is the
 * loader's platform whatever the CPU (--dst-platform).
 */
void lp_glibc_rules_for(const lp_cpu *cpu, unsigned machine, unsigned bits, unsigned version,
                        const char *at_platform, const char *force_platform, lp_glibc_rules *out);

#endif
