/*
 * arch.c - the one architecture table: a row per ELF machine, class, byte
 * order and ABI (ARM's float ABI picks armhf or armel), with the name
 * `inspect` shows, the GOARCH, the RELATIVE relocation, and the loaders'
 * facts: Debian's multiarch triplet, upstream glibc's library directory (the
 * default directories are /lib/TRIPLET, /usr/lib/TRIPLET, /lib, /usr/lib in
 * the Debian layout, else /LIBDIR and /usr/LIBDIR), AT_PLATFORM, glibc's and
 * musl's loader, and the ld.so.cache ABI id glibc's loader accepts
 * (sysdeps/.../dl-cache.h of each port). Also the platform ("linux/amd64") of
 * a binary and of this machine, for container images.
 *
 * Invariants: lookups return the first matching row, so a row for one class
 * or ABI comes before the row that covers the rest; every row of one machine
 * carries the same RELATIVE type. Nothing else in linkproof branches on a
 * machine number (the PE and Mach-O readers keep their own machine codes,
 * which are those formats' encodings, not architecture facts).
 */
#include "obj/arch.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "linkproof/object.h"
#include "obj/elf_defs.h"

/* ldconfig.h */
#define SPARC_LIB64 0x0100
#define X8664_LIB64 0x0300
#define S390_LIB64 0x0400
#define POWERPC_LIB64 0x0500
#define MIPS64_LIBN32 0x0600
#define MIPS64_LIBN64 0x0700
#define X8664_LIBX32 0x0800
#define ARM_LIBHF 0x0900
#define AARCH64_LIB64 0x0a00
#define ARM_LIBSF 0x0b00
#define MIPS_LIB32_NAN2008 0x0c00
#define MIPS64_LIBN32_NAN2008 0x0d00
#define MIPS64_LIBN64_NAN2008 0x0e00
#define RISCV_SOFT 0x0f00
#define RISCV_DOUBLE 0x1000
#define LARCH_SOFT 0x1100
#define LARCH_DOUBLE 0x1200

#define NONE LP_LDC_NONE
#define GENERIC LP_LDC_GENERIC
#define ARMHF LP_EF_ARM_EABIMASK | LP_EF_ARM_ABI_FLOAT_HARD, LP_EF_ARM_EABI_VER5 | LP_EF_ARM_ABI_FLOAT_HARD
#define ANYF 0, 0
/* the loaders' columns of a row glibc has no layout for */
#define NOLD NULL, NULL, NULL, NULL, NULL

/* e_flags-dependent cache ids (mips: n32 and NaN-2008; RISC-V and LoongArch: the float ABI) */
#define MIPS32_ABI                                                                                 \
    4, {{LP_EF_MIPS_ABI2 | LP_EF_MIPS_NAN2008, LP_EF_MIPS_ABI2 | LP_EF_MIPS_NAN2008, MIPS64_LIBN32_NAN2008}, \
        {LP_EF_MIPS_ABI2, LP_EF_MIPS_ABI2, MIPS64_LIBN32},                                          \
        {LP_EF_MIPS_NAN2008, LP_EF_MIPS_NAN2008, MIPS_LIB32_NAN2008},                               \
        {0, 0, GENERIC}}
#define MIPS64_ABI 2, {{LP_EF_MIPS_NAN2008, LP_EF_MIPS_NAN2008, MIPS64_LIBN64_NAN2008}, {0, 0, MIPS64_LIBN64}}
#define RISCV_ABI                                                                                  \
    2, {{LP_EF_RISCV_FLOAT_ABI, LP_EF_RISCV_FLOAT_ABI_SOFT, RISCV_SOFT},                           \
        {LP_EF_RISCV_FLOAT_ABI, LP_EF_RISCV_FLOAT_ABI_DOUBLE, RISCV_DOUBLE}}
#define LARCH_ABI                                                                                  \
    2, {{LP_EF_LARCH_ABI_MODIFIER_MASK, LP_EF_LARCH_ABI_SOFT_FLOAT, LARCH_SOFT},                   \
        {LP_EF_LARCH_ABI_MODIFIER_MASK, LP_EF_LARCH_ABI_DOUBLE_FLOAT, LARCH_DOUBLE}}

/* clang-format off */
static const lp_arch arches[] = {
    /* em, bits, big, e_flags, name, goarch, RELATIVE, DT_HASH word size,
       triplet, libdir, AT_PLATFORM, glibc loader, musl arch, ld.so.cache id */

    {LP_EM_X86_64, 64, 0, ANYF, "x86-64", "amd64", 8, 0,
     "x86_64-linux-gnu", "lib64", "x86_64", "/lib64/ld-linux-x86-64.so.2", "x86_64", X8664_LIB64, 0, {{0}}},
    {LP_EM_X86_64, 32, 0, ANYF, "x86-64", "amd64p32", 8, 0,
     "x86_64-linux-gnux32", "libx32", "x86_64", "/libx32/ld-linux-x32.so.2", "x32", X8664_LIBX32, 0, {{0}}},
    {LP_EM_386, 32, 0, ANYF, "i386", "386", 8, 0,
     "i386-linux-gnu", "lib", "i686", "/lib/ld-linux.so.2", "i386", GENERIC, 0, {{0}}},
    {LP_EM_386, 0, -1, ANYF, "i386", "386", 8, 0, NOLD, NONE, 0, {{0}}},
    {LP_EM_ARM, 32, 0, ARMHF, "arm", "arm", 23, 0,
     "arm-linux-gnueabihf", "lib", "v7l", "/lib/ld-linux-armhf.so.3", "armhf", ARM_LIBHF, 0, {{0}}},
    {LP_EM_ARM, 32, 0, ANYF, "arm", "arm", 23, 0,
     "arm-linux-gnueabi", "lib", "v7l", "/lib/ld-linux.so.3", "arm", ARM_LIBSF, 0, {{0}}},
    {LP_EM_ARM, 32, 1, ANYF, "arm", "arm", 23, 0, NOLD, ARM_LIBSF, 0, {{0}}},
    {LP_EM_ARM, 0, -1, ANYF, "arm", "arm", 23, 0, NOLD, NONE, 0, {{0}}},
    {LP_EM_AARCH64, 64, 0, ANYF, "aarch64", "arm64", 1027, 0,
     "aarch64-linux-gnu", "lib64", "aarch64", "/lib/ld-linux-aarch64.so.1", "aarch64", AARCH64_LIB64, 0, {{0}}},
    {LP_EM_AARCH64, 64, 1, ANYF, "aarch64", "arm64", 1027, 0,
     "aarch64_be-linux-gnu", "lib64", "aarch64_be", "/lib/ld-linux-aarch64_be.so.1", "aarch64_be", AARCH64_LIB64, 0, {{0}}},
    {LP_EM_AARCH64, 0, -1, ANYF, "aarch64", "arm64", 1027, 0, NOLD, NONE, 0, {{0}}},
    {LP_EM_S390, 64, 1, ANYF, "s390", "s390x", 12, 8,
     "s390x-linux-gnu", "lib64", "z900", "/lib/ld64.so.1", "s390x", S390_LIB64, 0, {{0}}},
    {LP_EM_S390, 64, 0, ANYF, "s390", "s390x", 12, 8, NOLD, S390_LIB64, 0, {{0}}},
    {LP_EM_S390, 32, -1, ANYF, "s390", NULL, 12, 0, NOLD, GENERIC, 0, {{0}}},
    {LP_EM_PPC64, 64, 0, ANYF, "ppc64", "ppc64le", 22, 0,
     "powerpc64le-linux-gnu", "lib64", "ppc64le", "/lib64/ld64.so.2", "powerpc64le", POWERPC_LIB64, 0, {{0}}},
    {LP_EM_PPC64, 64, 1, ANYF, "ppc64", "ppc64", 22, 0,
     "powerpc64-linux-gnu", "lib64", "ppc64", "/lib64/ld64.so.1", "powerpc64", POWERPC_LIB64, 0, {{0}}},
    {LP_EM_PPC, 32, -1, ANYF, "ppc", NULL, 22, 0, NOLD, GENERIC, 0, {{0}}},
    {LP_EM_PPC, 0, -1, ANYF, "ppc", NULL, 22, 0, NOLD, NONE, 0, {{0}}},
    {LP_EM_MIPS, 32, 1, ANYF, "mips", "mips", 0, 0,
     "mips-linux-gnu", "lib", "mips", "/lib/ld.so.1", "mips", GENERIC, MIPS32_ABI},
    {LP_EM_MIPS, 32, 0, ANYF, "mips", "mipsle", 0, 0,
     "mipsel-linux-gnu", "lib", "mips", "/lib/ld.so.1", "mipsel", GENERIC, MIPS32_ABI},
    {LP_EM_MIPS, 64, 1, ANYF, "mips", "mips64", 0, 0,
     "mips64-linux-gnuabi64", "lib64", "mips64", "/lib64/ld.so.1", "mips64", GENERIC, MIPS64_ABI},
    {LP_EM_MIPS, 64, 0, ANYF, "mips", "mips64le", 0, 0,
     "mips64el-linux-gnuabi64", "lib64", "mips64", "/lib64/ld.so.1", "mips64el", GENERIC, MIPS64_ABI},
    {LP_EM_RISCV, 64, 0, ANYF, "riscv", "riscv64", 3, 0,
     "riscv64-linux-gnu", "lib64/lp64d", "riscv64", "/lib/ld-linux-riscv64-lp64d.so.1", "riscv64", GENERIC, RISCV_ABI},
    {LP_EM_RISCV, 64, 1, ANYF, "riscv", "riscv64", 3, 0, NOLD, GENERIC, RISCV_ABI},
    {LP_EM_RISCV, 32, -1, ANYF, "riscv", NULL, 3, 0, NOLD, GENERIC, RISCV_ABI},
    {LP_EM_LOONGARCH, 64, 0, ANYF, "loongarch", "loong64", 3, 0,
     "loongarch64-linux-gnu", "lib64", "loongarch64", "/lib64/ld-linux-loongarch-lp64d.so.1", "loongarch64", GENERIC, LARCH_ABI},
    {LP_EM_LOONGARCH, 64, 1, ANYF, "loongarch", "loong64", 3, 0, NOLD, GENERIC, LARCH_ABI},
    {LP_EM_LOONGARCH, 32, -1, ANYF, "loongarch", NULL, 3, 0, NOLD, NONE, 0, {{0}}},
    {LP_EM_SPARCV9, 64, -1, ANYF, "sparcv9", NULL, 0, 0, NOLD, SPARC_LIB64, 0, {{0}}},
    {LP_EM_SPARCV9, 0, -1, ANYF, "sparcv9", NULL, 0, 0, NOLD, NONE, 0, {{0}}},
    {LP_EM_SPARC, 32, -1, ANYF, "sparc", NULL, 0, 0, NOLD, GENERIC, 0, {{0}}},
    {LP_EM_SPARC, 0, -1, ANYF, "sparc", NULL, 0, 0, NOLD, NONE, 0, {{0}}},
    {LP_EM_SPARC32PLUS, 32, -1, ANYF, NULL, NULL, 0, 0, NOLD, GENERIC, 0, {{0}}},
    {LP_EM_IA_64, 0, -1, ANYF, "ia64", NULL, 0, 0, NOLD, NONE, 0, {{0}}},
    {LP_EM_ALPHA, 64, -1, ANYF, NULL, NULL, 0, 8, NOLD, NONE, 0, {{0}}},
    {LP_EM_BPF, 0, -1, ANYF, "bpf", NULL, 0, 0, NOLD, NONE, 0, {{0}}},
    {LP_EM_NONE, 0, -1, ANYF, "none", NULL, 0, 0, NOLD, NONE, 0, {{0}}},
};

/* uname's machine of a kernel that runs these natively: the platform images are asked for */
static const struct {
    const char *uname, *platform;
} hosts[] = {
    {"x86_64", "linux/amd64"},    {"aarch64", "linux/arm64"},   {"i686", "linux/386"},
    {"i386", "linux/386"},        {"armv7l", "linux/arm/v7"},   {"armv6l", "linux/arm/v6"},
    {"ppc64le", "linux/ppc64le"}, {"s390x", "linux/s390x"},     {"riscv64", "linux/riscv64"},
    {"mips64", "linux/mips64le"}, {"loongarch64", "linux/loong64"},
};
/* clang-format on */

#define N_ARCHES (sizeof arches / sizeof arches[0])

static bool row_matches(const lp_arch *a, unsigned em, unsigned bits, int big, uint32_t e_flags)
{
    return a->em == em && (!a->bits || a->bits == bits) && (big < 0 || a->big < 0 || (a->big != 0) == (big != 0)) &&
           (e_flags & a->flags_mask) == a->flags_value;
}

const lp_arch *lp_arch_elf(unsigned em, unsigned bits, bool big, uint32_t e_flags)
{
    for (size_t i = 0; i < N_ARCHES; i++)
        if (row_matches(&arches[i], em, bits, big, e_flags))
            return &arches[i];
    return NULL;
}

const lp_arch *lp_arch_loader(unsigned em, unsigned bits, bool big, uint32_t e_flags)
{
    const lp_arch *a = lp_arch_elf(em, bits, big, e_flags);
    return a && a->triplet && a->bits == bits ? a : NULL;
}

uint32_t lp_arch_ldcache_flags(unsigned em, unsigned bits, uint32_t e_flags)
{
    /* glibc's loader of a port takes its id whatever the byte order of the object asking */
    const lp_arch *a = NULL;
    for (size_t i = 0; i < N_ARCHES && !a; i++)
        if (arches[i].bits == bits && row_matches(&arches[i], em, bits, -1, e_flags))
            a = &arches[i];
    if (!a)
        return 0;
    int32_t id = a->ldcache;
    if (a->n_abi) {
        id = NONE;
        for (size_t k = 0; k < a->n_abi && id == NONE; k++)
            if ((e_flags & a->abi[k].mask) == a->abi[k].value)
                id = a->abi[k].ldcache;
    }
    return id == NONE ? 0 : (uint32_t)id | LP_LDC_ELF_LIBC6;
}

unsigned lp_arch_hash_word(unsigned em, unsigned bits)
{
    for (size_t i = 0; i < N_ARCHES; i++)
        if (arches[i].em == em && (!arches[i].bits || arches[i].bits == bits))
            return arches[i].hash_word ? arches[i].hash_word : 4;
    return 4;
}

unsigned lp_arch_relative_reloc(unsigned em)
{
    for (size_t i = 0; i < N_ARCHES; i++)
        if (arches[i].em == em)
            return arches[i].relative;
    return 0;
}

bool lp_obj_platform(const lp_obj_info *in, char *buf, size_t n)
{
    /* an ELF binary runs on Linux; its GOARCH is the image platform's architecture */
    if (!in || in->format != LP_FMT_ELF || !in->goarch)
        return false;
    return (size_t)snprintf(buf, n, "linux/%s", in->goarch) < n;
}

bool lp_file_platform(const char *path, char *buf, size_t n)
{
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_err e;
    bool ok = lp_src_open(&src, path, &e) == LP_OK &&
              lp_obj_open_flags(&obj, src, LP_OBJ_NO_SECTIONS, &e) == LP_OK && /* the header says it */
              lp_obj_platform(lp_obj_info_get(obj), buf, n);
    lp_obj_free(&obj);
    lp_src_free(&src);
    return ok;
}

const char *lp_host_platform(void)
{
    struct utsname u;
    if (uname(&u) == 0)
        for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
            if (strcmp(u.machine, hosts[i].uname) == 0)
                return hosts[i].platform;
    return "linux/amd64";
}
