/**
 * @file object.h
 * @brief One view of an object file, whatever its format.
 *
 * Go-specific code never looks at ELF structures: it asks this view for a
 * section by name, the segments, the bytes at a virtual address, a note, or
 * the dynamic-linking facts. Only ELF is read today; PE and Mach-O are
 * further readers behind the same functions.
 *
 * Everything is parsed from untrusted bytes through the bounds-checked
 * cursor. Header tables are read with one pread(2) each; section contents,
 * notes and the dynamic section are read only when asked for.
 */
#ifndef LINKPROOF_OBJECT_H
#define LINKPROOF_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkproof/error.h"
#include "linkproof/source.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lp_obj lp_obj;

typedef enum lp_format { LP_FMT_UNKNOWN = 0, LP_FMT_ELF, LP_FMT_PE, LP_FMT_MACHO } lp_format;

/** Header facts. Strings are static or owned by the object. */
typedef struct lp_obj_info {
    lp_format format;
    const char *format_name; /**< "elf" */
    unsigned bits;           /**< 32 or 64 */
    bool big_endian;
    unsigned machine;         /**< e_machine */
    const char *machine_name; /**< "x86-64", "aarch64", ...; "unknown(N)" otherwise */
    const char *goarch;       /**< the GOARCH this machine corresponds to, or NULL */
    unsigned type;            /**< e_type */
    const char *type_name;    /**< "exec", "dyn", "rel", "core", "unknown" */
    uint64_t entry;
    unsigned flags;          /**< e_flags */
} lp_obj_info;

enum { LP_SEG_X = 1, LP_SEG_W = 2, LP_SEG_R = 4 };

/** A program header (ELF segment). */
typedef struct lp_segment {
    uint32_t type;      /**< PT_* (PE sections and Mach-O segments are reported as PT_LOAD) */
    uint32_t flags;     /**< LP_SEG_* (same bits as ELF PF_*) */
    uint32_t raw_flags; /**< the format's own: ELF p_flags, PE characteristics, Mach-O initprot | maxprot << 8 */
    const char *name;   /**< Mach-O segment name, PE section name, else "" */
    uint64_t off, vaddr, filesz, memsz, align;
    /**
     * The format's plain writable data, as Go's debug/buildinfo looks for it: ELF, a
     * PT_LOAD writable and not executable; PE, a section at a non-zero RVA with file
     * data whose characteristics, alignment aside, are exactly initialized data, read,
     * write; Mach-O, a segment at a non-zero address with file data whose initial and
     * maximum protections are both read-write.
     */
    bool data;
} lp_segment;

/** A section header, with its name resolved. */
typedef struct lp_section {
    const char *name; /**< never NULL; "" when the name cannot be read */
    uint32_t type;    /**< SHT_* */
    uint64_t flags;   /**< SHF_* */
    uint64_t addr, off, size;
    uint32_t link, info;
    uint64_t entsize;
} lp_section;

#define LP_SHT_NOBITS 8u
#define LP_SHT_NOTE 7u
#define LP_SHF_COMPRESSED 0x800u

/** Dynamic-linking facts (ELF: PT_INTERP and PT_DYNAMIC). */
typedef struct lp_dynamic {
    bool has_dynamic;   /**< a PT_DYNAMIC segment exists */
    char *interp;       /**< PT_INTERP, or NULL */
    char **needed;      /**< DT_NEEDED in order */
    size_t n_needed;
    char *rpath;        /**< DT_RPATH, or NULL */
    char *runpath;      /**< DT_RUNPATH, or NULL */
    char *soname;       /**< DT_SONAME, or NULL */
    uint64_t flags;     /**< DT_FLAGS */
    uint64_t flags_1;   /**< DT_FLAGS_1 */
    bool has_flags_1;
    bool bind_now;      /**< DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW */
    bool textrel;       /**< DT_TEXTREL or DF_TEXTREL */
    bool has_debug;     /**< DT_DEBUG */
    size_t n_entries;   /**< dynamic entries before DT_NULL */
} lp_dynamic;

/* The ELF numbers the structures above carry (the rest: src/obj/elf_defs.h). */
#define LP_DF_1_PIE 0x08000000u
#define LP_PT_LOAD 1u
#define LP_PT_GNU_STACK 0x6474e551u
#define LP_PT_GNU_RELRO 0x6474e552u
#define LP_ET_REL 1u   /**< lp_obj_info.type of ELF: e_type */
#define LP_ET_EXEC 2u
#define LP_ET_DYN 3u
#define LP_ET_CORE 4u
#define LP_STT_NOTYPE 0u /**< lp_symbol.type */
#define LP_STT_OBJECT 1u
#define LP_STT_FUNC 2u

/**
 * Recognise and open an object from @p src. Reads the file header, the
 * program header table, the section header table and the section-name
 * string table (one read each). Fails with LP_ERR_UNSUPPORTED when @p src is
 * not a recognised object, LP_ERR_FORMAT when it is malformed. @p src must
 * outlive the object; it is not freed with it.
 */
LP_API lp_code lp_obj_open(lp_obj **out, lp_src *src, lp_err *err);

/** lp_obj_open() flags. */
#define LP_OBJ_NO_SECTIONS 0x1u /**< ELF: do not read the section headers (a loader never does) */

/**
 * lp_obj_open() with @p flags. With LP_OBJ_NO_SECTIONS an ELF object has
 * its segments only (as the dynamic loader sees it): two reads fewer per
 * file, which is most of the cost when thousands of libraries are resolved.
 */
LP_API lp_code lp_obj_open_flags(lp_obj **out, lp_src *src, unsigned flags, lp_err *err);

/** Free; sets *obj to NULL. Safe on NULL. */
LP_API void lp_obj_free(lp_obj **obj);

LP_API const lp_obj_info *lp_obj_info_get(const lp_obj *obj);
LP_API lp_src *lp_obj_source(const lp_obj *obj);

LP_API size_t lp_obj_segment_count(const lp_obj *obj);
LP_API const lp_segment *lp_obj_segment_at(const lp_obj *obj, size_t i);

LP_API size_t lp_obj_section_count(const lp_obj *obj);
LP_API const lp_section *lp_obj_section_at(const lp_obj *obj, size_t i);
/** First section named @p name, or NULL. */
LP_API const lp_section *lp_obj_section_by_name(const lp_obj *obj, const char *name);

/**
 * Read exactly @p n bytes at virtual address @p addr from the file-backed part
 * of the loadable segment that holds it. Fails with LP_ERR_NOTFOUND when no
 * segment maps the whole range.
 */
LP_API lp_code lp_obj_read_vaddr(lp_obj *obj, uint64_t addr, void *dst, size_t n, lp_err *err);

/**
 * Read up to @p max bytes at @p addr from the first program header whose
 * file-backed range holds @p addr, stopping at that segment's end, exactly as
 * Go's debug/buildinfo does (any segment type, in table order). *got
 * receives the count. LP_ERR_NOTFOUND when no segment holds @p addr.
 */
LP_API lp_code lp_obj_read_vaddr_upto(lp_obj *obj, uint64_t addr, void *dst, size_t max, size_t *got,
                               lp_err *err);

/** The contents of @p sec (empty for SHT_NOBITS). */
LP_API lp_code lp_obj_section_data(lp_obj *obj, const lp_section *sec, lp_region *out, lp_err *err);

/**
 * Find the first note named @p name with type @p type, in the PT_NOTE
 * segments, else (no program headers) in SHT_NOTE sections. On success
 * @p desc holds the descriptor bytes. LP_ERR_NOTFOUND when absent.
 */
LP_API lp_code lp_obj_find_note(lp_obj *obj, const char *name, uint32_t type, lp_region *desc,
                         lp_err *err);

/** Read PT_INTERP and PT_DYNAMIC. Release with lp_dynamic_release(); on failure *out holds nothing. */
LP_API lp_code lp_obj_dynamic(lp_obj *obj, lp_dynamic *out, lp_err *err);
LP_API void lp_dynamic_release(lp_dynamic *d);

/**
 * The value of the first entry with tag @p tag (ELF DT_*) in PT_DYNAMIC,
 * before DT_NULL, for tables lp_dynamic does not decode (DT_VERNEED,
 * DT_GNU_HASH, ...). *present tells whether there was one; an object without
 * a dynamic section (or of a format without one) gives false and LP_OK.
 */
LP_API lp_code lp_obj_dynamic_tag(lp_obj *obj, int64_t tag, uint64_t *val, bool *present, lp_err *err);

/**
 * The NUL-terminated string at offset @p at of the dynamic string table
 * (ELF DT_STRTAB, DT_STRSZ bytes). The table is read in 4 KiB blocks as
 * strings are asked for and cached by the object, so a library whose table
 * holds megabytes of symbol names is not read whole for a few names. *s
 * (and *len, its length) stay valid until the next call on this object.
 * LP_ERR_NOTFOUND: the object has no dynamic string table; LP_ERR_FORMAT:
 * @p at is outside it, or the string runs off its end.
 */
LP_API lp_code lp_obj_dynstr(lp_obj *obj, uint64_t at, const char **s, size_t *len, lp_err *err);

/** Whether the object has a symbol table (ELF: SHT_SYMTAB). */
LP_API bool lp_obj_has_symtab(const lp_obj *obj);

/** A symbol from the static symbol table. */
typedef struct lp_symbol {
    const char *name;  /**< points into the table's own copy of the string table */
    uint64_t value;
    uint64_t size;
    uint8_t type;      /**< STT_* (ELF): 0 notype, 1 object, 2 func, ... */
    uint8_t bind;      /**< STB_*: 0 local, 1 global, 2 weak */
    uint16_t shndx;    /**< section index; 0 undefined */
} lp_symbol;

/**
 * Read the static symbol table (.symtab with its .strtab); *syms stays NULL
 * and *n 0 when there is none. Release with lp_obj_symbols_free(). The names
 * live as long as the returned array.
 */
LP_API lp_code lp_obj_symbols(lp_obj *obj, lp_symbol **syms, size_t *n, lp_err *err);
LP_API void lp_obj_symbols_free(lp_symbol **syms);

/**
 * The pointer-sized value at virtual address @p addr as the loader would
 * leave it: where a dynamic RELATIVE relocation targets @p addr (RELA, with
 * its addend), its value; otherwise the bytes in the file. Some linkers leave
 * the in-file word zero in PIE binaries, so readers of pointers use this.
 */
LP_API lp_code lp_obj_read_ptr(lp_obj *obj, uint64_t addr, uint64_t *val, lp_err *err);

/**
 * The container-image platform an object runs as ("linux/amd64"): ELF objects
 * whose machine has a GOARCH (PE and Mach-O binaries do not run in Linux
 * images). False, and @p buf untouched, otherwise.
 */
LP_API bool lp_obj_platform(const lp_obj_info *info, char *buf, size_t n);

/** lp_obj_platform() of the file at @p path, reading only its headers. */
LP_API bool lp_file_platform(const char *path, char *buf, size_t n);

/** The platform of this machine ("linux/arm64"), from uname; "linux/amd64" when unknown. */
LP_API const char *lp_host_platform(void);

#ifdef __cplusplus
}
#endif
#endif
