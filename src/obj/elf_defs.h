/*
 * elf_defs.h - every ELF number the library uses, written once (the values of
 * the ELF gABI and glibc's <elf.h>; names prefixed LP_ so that a file that
 * also includes <elf.h>, as <sys/auxv.h> does, sees no clash). The few that
 * the public structures carry (segment types, e_type, symbol types, section
 * types and flags, DF_1_PIE) are public in linkproof/object.h; the rest are internal.
 * Architecture facts (machines, loaders, ld.so.cache ABI ids) live in
 * src/obj/arch.c, not here.
 */
#ifndef LP_ELF_DEFS_H
#define LP_ELF_DEFS_H

#include "linkproof/object.h" /* LP_PT_LOAD, LP_PT_GNU_STACK, LP_PT_GNU_RELRO, LP_SHT_NOTE, ... */

/* e_type (LP_ET_REL, LP_ET_EXEC, LP_ET_DYN, LP_ET_CORE are in object.h) */
#define LP_ET_NONE 0u

/* e_machine */
#define LP_EM_NONE 0u
#define LP_EM_SPARC 2u
#define LP_EM_386 3u
#define LP_EM_MIPS 8u
#define LP_EM_SPARC32PLUS 18u
#define LP_EM_PPC 20u
#define LP_EM_PPC64 21u
#define LP_EM_S390 22u
#define LP_EM_ARM 40u
#define LP_EM_SPARCV9 43u
#define LP_EM_IA_64 50u
#define LP_EM_X86_64 62u
#define LP_EM_AARCH64 183u
#define LP_EM_RISCV 243u
#define LP_EM_BPF 247u
#define LP_EM_LOONGARCH 258u
#define LP_EM_ALPHA 0x9026u /* the unofficial number Linux uses */

/* e_flags */
#define LP_EF_ARM_EABIMASK 0xff000000u
#define LP_EF_ARM_EABI_VER5 0x05000000u
#define LP_EF_ARM_ABI_FLOAT_HARD 0x400u
#define LP_EF_MIPS_ABI2 0x20u    /* n32 */
#define LP_EF_MIPS_NAN2008 0x400u
#define LP_EF_RISCV_FLOAT_ABI 0x6u
#define LP_EF_RISCV_FLOAT_ABI_SOFT 0x0u
#define LP_EF_RISCV_FLOAT_ABI_DOUBLE 0x4u
#define LP_EF_LARCH_ABI_MODIFIER_MASK 0x7u
#define LP_EF_LARCH_ABI_SOFT_FLOAT 0x1u
#define LP_EF_LARCH_ABI_DOUBLE_FLOAT 0x3u

/* program headers: p_type (LP_PT_LOAD and the GNU ones are in object.h), p_flags */
#define LP_PT_NULL 0u
#define LP_PT_DYNAMIC 2u
#define LP_PT_INTERP 3u
#define LP_PT_NOTE 4u
#define LP_PT_PHDR 6u
#define LP_PN_XNUM 0xffffu
#define LP_PF_X 0x1u
#define LP_PF_W 0x2u
#define LP_PF_R 0x4u

/* sections: sh_type (LP_SHT_NOTE and LP_SHT_NOBITS are in object.h), sh_flags, indexes */
#define LP_SHT_PROGBITS 1u
#define LP_SHT_SYMTAB 2u
#define LP_SHT_STRTAB 3u
#define LP_SHT_RELA 4u
#define LP_SHT_DYNAMIC 6u
#define LP_SHT_DYNSYM 11u
#define LP_SHT_GNU_VERDEF 0x6ffffffdu
#define LP_SHT_GNU_VERNEED 0x6ffffffeu
#define LP_SHT_GNU_VERSYM 0x6fffffffu
#define LP_SHF_WRITE 0x1u
#define LP_SHF_ALLOC 0x2u
#define LP_SHF_EXECINSTR 0x4u
#define LP_SHN_UNDEF 0u
#define LP_SHN_LORESERVE 0xff00u
#define LP_SHN_ABS 0xfff1u
#define LP_SHN_XINDEX 0xffffu

/* the dynamic section: d_tag, DT_FLAGS and DT_FLAGS_1 bits (LP_DF_1_PIE is in object.h) */
#define LP_DT_NULL 0
#define LP_DT_NEEDED 1
#define LP_DT_HASH 4
#define LP_DT_STRTAB 5
#define LP_DT_SYMTAB 6
#define LP_DT_RELA 7
#define LP_DT_RELASZ 8
#define LP_DT_RELAENT 9
#define LP_DT_STRSZ 10
#define LP_DT_SYMENT 11
#define LP_DT_SONAME 14
#define LP_DT_RPATH 15
#define LP_DT_DEBUG 21
#define LP_DT_TEXTREL 22
#define LP_DT_BIND_NOW 24
#define LP_DT_RUNPATH 29
#define LP_DT_FLAGS 30
#define LP_DT_GNU_HASH 0x6ffffef5
#define LP_DT_VERSYM 0x6ffffff0
#define LP_DT_FLAGS_1 0x6ffffffb
#define LP_DT_VERDEF 0x6ffffffc
#define LP_DT_VERDEFNUM 0x6ffffffd
#define LP_DT_VERNEED 0x6ffffffe
#define LP_DT_VERNEEDNUM 0x6fffffff
#define LP_DF_TEXTREL 0x4u
#define LP_DF_BIND_NOW 0x8u
#define LP_DF_1_NOW 0x1u
#define LP_DF_1_NODEFLIB 0x800u

/* notes */
#define LP_NT_GNU_BUILD_ID 3u

#endif
