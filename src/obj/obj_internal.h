/*
 * obj_internal.h - the object struct shared by the format readers in src/obj.
 * Not installed; nothing outside src/obj includes it.
 */
#ifndef LP_OBJ_INTERNAL_H
#define LP_OBJ_INTERNAL_H

#include "linkproof/object.h"

#define LP_PT_LOAD 1u
#define LP_PT_DYNAMIC 2u
#define LP_PT_INTERP 3u
#define LP_PT_NOTE 4u

/* What differs per format beyond the tables every format fills in. NULL
 * find_note / dynamic / load_relocs mean the format has none of those. */
typedef struct lp_obj_ops {
    lp_code (*find_note)(lp_obj *obj, const char *name, uint32_t type, lp_region *desc,
                         lp_err *err);
    lp_code (*dynamic)(lp_obj *obj, lp_dynamic *out, lp_err *err);
    lp_code (*symbols)(lp_obj *obj, lp_symbol **syms, size_t *n, lp_err *err);
    /* RELATIVE relocations, sorted by target address, loaded once */
    lp_code (*load_relocs)(lp_obj *obj, lp_err *err);
} lp_obj_ops;

typedef struct lp_reloc {
    uint64_t where;
    uint64_t value;
} lp_reloc;

struct lp_obj {
    const lp_obj_ops *ops;
    lp_src *src;
    lp_obj_info info;
    lp_segment *segs;
    size_t nsegs;
    lp_section *secs;
    size_t nsecs;
    char *shstrtab; /* section names point into this */
    bool has_symtab;
    char machbuf[24]; /* "unknown(N)" machine names */
    void *fmt_priv; /* a format reader's own record for later calls (PE, Mach-O); freed with the object */
    bool relocs_loaded;
    lp_reloc *relocs;
    size_t nrelocs;
};

lp_code lp_elf_open(lp_obj **out, lp_src *src, lp_err *err);
lp_code lp_pe_open(lp_obj **out, lp_src *src, lp_err *err);
lp_code lp_macho_open(lp_obj **out, lp_src *src, lp_err *err);

#endif
