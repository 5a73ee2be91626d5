/*
 * obj_internal.h - the object struct shared by the format readers in src/obj.
 * Not installed; nothing outside src/obj includes it.
 */
#ifndef LP_OBJ_INTERNAL_H
#define LP_OBJ_INTERNAL_H

#include "linkproof/object.h"
#include "obj/elf_defs.h"

/* What differs per format beyond the tables every format fills in. NULL
 * find_note / dynamic / load_relocs / dynamic_tag mean the format has none
 * of those. */
typedef struct lp_obj_ops {
    lp_code (*find_note)(lp_obj *obj, const char *name, uint32_t type, lp_region *desc,
                         lp_err *err);
    lp_code (*dynamic)(lp_obj *obj, lp_dynamic *out, lp_err *err);
    lp_code (*symbols)(lp_obj *obj, lp_symbol **syms, size_t *n, lp_err *err);
    /* RELATIVE relocations, sorted by target address, loaded once */
    lp_code (*load_relocs)(lp_obj *obj, lp_err *err);
    /* where DT_STRTAB is: sets obj->dynstr's off and size, dynstr_state 1 or -1 */
    lp_code (*dynstr_locate)(lp_obj *obj, lp_err *err);
    /* the first dynamic entry with this tag; *present and *val are preset to false and 0 */
    lp_code (*dynamic_tag)(lp_obj *obj, int64_t tag, uint64_t *val, bool *present, lp_err *err);
} lp_obj_ops;

/*
 * A string table read in blocks as strings are asked for (strtab.c): a big
 * library's dynamic string table holds megabytes of symbol names, and the
 * loader rules want a few dozen strings from it.
 */
#define LP_STRTAB_BLOCK 4096u
#define LP_STRTAB_CACHED 16u
typedef struct lp_strtab {
    uint64_t off, size;       /* where the table is in the source */
    struct {
        uint64_t index;       /* block number within the table */
        size_t len;
        uint8_t *data;        /* NULL: slot unused */
    } blk[LP_STRTAB_CACHED];
    size_t next;              /* the slot to reuse next (round robin) */
    char *scratch;            /* a string that spans blocks */
    size_t scratch_cap;
} lp_strtab;

/* Outcome of lp_strtab_get besides LP_OK and I/O errors. */
typedef enum { LP_STR_OK = 0, LP_STR_RANGE, LP_STR_UNTERMINATED } lp_str_status;

/* The string at @at of @t: *s is valid until the next call on @t. */
lp_code lp_strtab_get(lp_src *src, lp_strtab *t, uint64_t at, const char **s, size_t *len,
                      lp_str_status *status, lp_err *err);
void lp_strtab_release(lp_strtab *t);

/* One dynamic entry, as read (tag sign-extended for ELF32). */
typedef struct lp_dynent {
    int64_t tag;
    uint64_t val;
} lp_dynent;

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
    bool dyn_loaded;   /* ELF: the dynamic entries before DT_NULL, read once */
    lp_dynent *dynents;
    size_t ndynents;
    const lp_segment *dynseg; /* PT_DYNAMIC, or NULL */
    int dynstr_state;         /* 0 not looked for, 1 present, -1 none, -2 unusable (dynstr_err) */
    lp_err dynstr_err;        /* why DT_STRTAB could not be located: given again on every call */
    lp_strtab dynstr;         /* DT_STRTAB, read in blocks */
};

lp_code lp_elf_open(lp_obj **out, lp_src *src, unsigned flags, lp_err *err);
lp_code lp_pe_open(lp_obj **out, lp_src *src, lp_err *err);
lp_code lp_macho_open(lp_obj **out, lp_src *src, lp_err *err);

#endif
