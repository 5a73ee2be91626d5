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

/* What differs per format beyond the tables every format fills in. */
typedef struct lp_obj_ops {
    lp_code (*find_note)(lp_obj *obj, const char *name, uint32_t type, lp_region *desc,
                         lp_err *err);
    lp_code (*dynamic)(lp_obj *obj, lp_dynamic *out, lp_err *err);
} lp_obj_ops;

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
};

lp_code lp_elf_open(lp_obj **out, lp_src *src, lp_err *err);

#endif
