/*
 * arch.h - the one architecture table (arch.c): a row per ELF machine, class,
 * byte order and ABI, with what every part of linkproof needs to know about
 * it: the name `inspect` shows, the GOARCH, the RELATIVE relocation type, and
 * what the dynamic loaders expect (Debian multiarch triplet, upstream
 * glibc's library directory, AT_PLATFORM, glibc's and musl's loader names,
 * the ld.so.cache ABI id). No other file branches on a machine number.
 */
#ifndef LP_OBJ_ARCH_H
#define LP_OBJ_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ld.so.cache ABI ids (ldconfig.h's FLAG_*, the high byte of an entry's flags). */
#define LP_LDC_ELF 0x0001u
#define LP_LDC_ELF_LIBC6 0x0003u
#define LP_LDC_TYPE_MASK 0x00ffu
#define LP_LDC_ARM_LIBHF 0x0900u
#define LP_LDC_ARM_LIBSF 0x0b00u

typedef struct lp_arch_abi {
    uint32_t mask, value; /* e_flags & mask == value picks this cache id */
    int32_t ldcache;      /* LP_LDC_NONE, LP_LDC_GENERIC or an ABI id */
} lp_arch_abi;

#define LP_LDC_NONE (-1)   /* glibc has no loader for it: no cache entry fits */
#define LP_LDC_GENERIC 0   /* the generic rule: any libc6 (or plain ELF) entry */

typedef struct lp_arch {
    unsigned em;          /* e_machine */
    unsigned bits;        /* 32 or 64; 0: either class */
    int big;              /* 1 big-endian, 0 little-endian, -1 either */
    uint32_t flags_mask;  /* e_flags & flags_mask == flags_value picks the row (ARM's float ABI) */
    uint32_t flags_value;
    const char *name;     /* machine name as shown ("x86-64", "aarch64"); NULL: "unknown(N)" */
    const char *goarch;   /* the GOARCH, NULL when Go has none */
    unsigned relative;    /* R_*_RELATIVE (RELA); 0 when not applied */
    unsigned hash_word;   /* bytes per DT_HASH word: 8 on 64-bit s390 and alpha, else 4 (0) */
    /* the loaders; triplet NULL: no glibc layout is known for the row */
    const char *triplet;  /* Debian multiarch directory ("x86_64-linux-gnu") */
    const char *libdir;   /* upstream glibc's slibdir below / ("lib64") */
    const char *at_platform; /* the kernel's AT_PLATFORM, $PLATFORM's default */
    const char *glibc_ld; /* glibc's PT_INTERP */
    const char *musl_arch; /* ld-musl-ARCH.so.1 */
    int32_t ldcache;      /* the ld.so.cache ABI id, LP_LDC_GENERIC, or LP_LDC_NONE */
    size_t n_abi;         /* when not 0: the id is the first abi[] whose e_flags match (none: LP_LDC_NONE) */
    lp_arch_abi abi[4];
} lp_arch;

/* The row of an ELF object (class 32/64, byte order, e_flags), or NULL. */
const lp_arch *lp_arch_elf(unsigned em, unsigned bits, bool big, uint32_t e_flags);

/* The row with the loaders' facts for an ELF object (triplet set), or NULL. */
const lp_arch *lp_arch_loader(unsigned em, unsigned bits, bool big, uint32_t e_flags);

/* The ld.so.cache flags an entry must carry for an object (glibc's
 * _dl_cache_check_flags: LP_LDC_ELF_LIBC6 | the ABI id), 0 when any libc6
 * entry is accepted (an architecture not in the table), whatever the byte order. */
uint32_t lp_arch_ldcache_flags(unsigned em, unsigned bits, uint32_t e_flags);

/* The R_*_RELATIVE type of machine @p em (RELA), 0 when none is applied. */
unsigned lp_arch_relative_reloc(unsigned em);

/* Bytes per word of the SysV hash table (DT_HASH) of an object: 4, or 8 on 64-bit s390 and alpha. */
unsigned lp_arch_hash_word(unsigned em, unsigned bits);

#endif
