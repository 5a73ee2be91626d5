/*
 * resolve.c - which file the dynamic loader would map for each DT_NEEDED
 * name, in a root view, without running the loader.
 *
 * The rules are glibc's elf/dl-load.c (_dl_map_object) and musl's
 * ldso/dynlink.c (load_library), applied breadth-first as both loaders map
 * dependencies; the loader of a library is the object whose DT_NEEDED first
 * named it, which is what RPATH inheritance and $ORIGIN depend on.
 *
 * Invariants: every file is read through the root view; each library is
 * read once per resolver (cached by its link-free path), and each object
 * appears once per result (later requests for the same name, soname or
 * file are "loaded"). Results are bounded by LP_DEPS_MAX_OBJS objects.
 */
#include "linkproof/ld.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ld/cpu.h"
#include "obj/arch.h"
#include "obj/elf_defs.h"
#include "linkproof/limits.h"
#include "util/smap.h"
#include "util/strbuf.h"

/* Architectures: the rows of the one architecture table (obj/arch.c); no
 * per-architecture branches here. */
typedef lp_arch arch_row;

static const arch_row *arch_find(unsigned machine, unsigned bits, bool big, uint32_t e_flags)
{
    return lp_arch_loader(machine, bits, big, e_flags);
}

/* ------------------------------------------------------------------ */
/* What is read from each object, once. */

typedef struct libinfo {
    lp_code rc;          /* LP_OK, or why it could not be read as ELF */
    char *why;           /* the error message */
    unsigned bits, machine, type;
    bool big;
    uint32_t e_flags;
    const char *machine_name; /* static */
    char *interp, *soname, *rpath, *runpath;
    char **needed;
    size_t n_needed;
    uint64_t flags_1;
    bool versions_read;       /* needs and definitions */
    bool refs_read;           /* and which symbols need which version (read when one is missing) */
    const struct libinfo **need_ok; /* per needs entry: the provider that was seen to define all of it */
    lp_code ver_rc;
    char *ver_why;
    lp_versions ver;
} libinfo;

static void libinfo_free(void *p)
{
    libinfo *li = p;
    if (!li)
        return;
    free(li->why);
    free(li->interp);
    free(li->soname);
    free(li->rpath);
    free(li->runpath);
    for (size_t i = 0; i < li->n_needed; i++)
        free(li->needed[i]);
    free(li->needed);
    free(li->ver_why);
    free(li->need_ok);
    lp_versions_release(&li->ver);
    free(li);
}

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

/* Fill li from an open source; versions are read now too when want_versions. */
static void libinfo_fill(libinfo *li, lp_src *src, bool want_versions)
{
    lp_err e;
    lp_err_clear(&e);
    lp_obj *obj = NULL;
    li->rc = lp_obj_open_flags(&obj, src, LP_OBJ_NO_SECTIONS, &e);
    if (li->rc == LP_OK && lp_obj_info_get(obj)->format != LP_FMT_ELF)
        li->rc = lp_err_set(&e, LP_ERR_UNSUPPORTED, "'%s': not an ELF file", lp_src_name(src));
    if (li->rc != LP_OK) {
        li->why = strdup(e.msg);
        lp_obj_free(&obj);
        return;
    }
    const lp_obj_info *in = lp_obj_info_get(obj);
    li->bits = in->bits;
    li->machine = in->machine;
    li->type = in->type;
    li->big = in->big_endian;
    li->e_flags = in->flags;
    li->machine_name = in->machine_name;
    lp_dynamic d;
    li->rc = lp_obj_dynamic(obj, &d, &e);
    if (li->rc != LP_OK) {
        li->why = strdup(e.msg);
        lp_obj_free(&obj);
        return;
    }
    li->interp = xstrdup(d.interp);
    li->soname = xstrdup(d.soname);
    li->rpath = xstrdup(d.rpath);
    li->runpath = xstrdup(d.runpath);
    li->flags_1 = d.flags_1;
    if (d.n_needed) {
        li->needed = calloc(d.n_needed, sizeof *li->needed);
        if (li->needed) {
            for (size_t i = 0; i < d.n_needed; i++)
                if ((li->needed[i] = strdup(d.needed[i])) != NULL)
                    li->n_needed++;
        }
    }
    lp_dynamic_release(&d);
    if (want_versions) {
        li->versions_read = true;
        li->ver_rc = lp_versions_read(obj, 0, &li->ver, &e);
        if (li->ver_rc != LP_OK)
            li->ver_why = strdup(e.msg);
    }
    lp_obj_free(&obj);
}

/* ------------------------------------------------------------------ */
/* The resolver: one root, its configuration, its caches. */

struct lp_ld {
    lp_root *root;
    lp_deps_opts opts;
    char *llp;                /* copy of opts.ld_library_path */
    char *platform;           /* copy of opts.platform */
    char **hwcaps_given;
    size_t n_hwcaps_given;
    smap libs;                /* realpath -> libinfo* */
    smap paths;               /* path -> pathinfo* */
    /* configuration, read once */
    bool cache_read;
    lp_ldcache *cache;
    char *cache_problem;      /* why the cache was unusable */
    bool conf_read;
    lp_dirlist conf;
    smap musl_paths;          /* musl arch -> lp_dirlist* (n == SIZE_MAX when absent) */
    char *cpu;                /* copy of opts.cpu */
    smap glibc_vers;          /* the interpreter (or "") -> glibc_ver*, read once */
    /* where the files given live: the host, seen through a root view of "/" */
    lp_root *host;            /* ld->root when that is the host, else opened when first needed */
    bool host_owned;
    char *cwd;                /* for relative FILE names, once */
    bool root_real_done;
    char *root_real;          /* the directory root's own link-free host path, once */
};

typedef struct pathinfo {
    lp_ftype type;
    bool looped;   /* a link loop or an over-long path (ELOOP, ENAMETOOLONG) */
    char *canon;
} pathinfo;

static void pathinfo_free(void *p)
{
    pathinfo *pi = p;
    if (pi) {
        free(pi->canon);
        free(pi);
    }
}

/* The root's glibc version, as read for one interpreter. */
typedef struct glibc_ver {
    unsigned version; /* major * 1000 + minor; 0 when not known */
    bool exact;       /* from a release banner, not a lower bound from version definitions */
    char *from;       /* the file it was read from */
} glibc_ver;

static void glibc_ver_free(void *p)
{
    glibc_ver *g = p;
    if (g) {
        free(g->from);
        free(g);
    }
}

bool lp_cpu_name_ok(const char *name) { return name && lp_cpu_name_known(name); }
const char *lp_cpu_names(void) { return lp_cpu_preset_list(); }

typedef struct muslpath {
    bool present;
    lp_dirlist dirs;
} muslpath;

static void muslpath_free(void *p)
{
    muslpath *m = p;
    if (m) {
        lp_dirlist_release(&m->dirs);
        free(m);
    }
}

lp_code lp_ld_new(lp_ld **out, lp_root *root, const lp_deps_opts *opts, lp_err *err)
{
    *out = NULL;
    lp_ld *ld = calloc(1, sizeof *ld);
    if (!ld)
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    ld->root = root;
    if (opts) {
        ld->opts = *opts;
        if (opts->ld_library_path && !(ld->llp = strdup(opts->ld_library_path)))
            goto oom;
        ld->opts.ld_library_path = ld->llp;
        if (opts->n_hwcaps) {
            if (!(ld->hwcaps_given = calloc(opts->n_hwcaps, sizeof(char *))))
                goto oom;
            for (size_t i = 0; i < opts->n_hwcaps; i++) {
                if (!(ld->hwcaps_given[i] = strdup(opts->hwcaps[i])))
                    goto oom;
                ld->n_hwcaps_given++;
            }
        }
        ld->opts.hwcaps = NULL;
        if (opts->platform && !(ld->platform = strdup(opts->platform)))
            goto oom;
        ld->opts.platform = ld->platform;
        if (opts->cpu && !(ld->cpu = strdup(opts->cpu)))
            goto oom;
        ld->opts.cpu = ld->cpu;
    }
    *out = ld;
    return LP_OK;
oom:
    lp_ld_free(&ld);
    return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
}

void lp_ld_free(lp_ld **pld)
{
    if (!pld || !*pld)
        return;
    lp_ld *ld = *pld;
    free(ld->llp);
    free(ld->platform);
    for (size_t i = 0; i < ld->n_hwcaps_given; i++)
        free(ld->hwcaps_given[i]);
    free(ld->hwcaps_given);
    smap_release(&ld->libs, libinfo_free);
    smap_release(&ld->paths, pathinfo_free);
    smap_release(&ld->musl_paths, muslpath_free);
    smap_release(&ld->glibc_vers, glibc_ver_free);
    free(ld->cpu);
    lp_ldcache_free(&ld->cache);
    free(ld->cache_problem);
    lp_dirlist_release(&ld->conf);
    if (ld->host_owned)
        lp_root_free(&ld->host);
    free(ld->cwd);
    free(ld->root_real);
    free(ld);
    *pld = NULL;
}

/*
 * FILE's link-free absolute path on the host, as realpath(3) gives it, but
 * through a root view of "/" whose lookups are remembered: resolving many
 * programs in one run stats their shared directories once.
 */
static char *host_realpath(lp_ld *ld, const char *file)
{
    if (!ld->host) {
        if (lp_root_is_host(ld->root)) {
            ld->host = ld->root;
        } else {
            lp_err e;
            lp_err_clear(&e);
            if (lp_root_open_dir(&ld->host, "/", &e) == LP_OK)
                ld->host_owned = true;
        }
    }
    char *abs = NULL;
    if (file[0] == '/') {
        abs = strdup(file);
    } else {
        if (!ld->cwd)
            ld->cwd = getcwd(NULL, 0);
        if (ld->cwd && asprintf(&abs, "%s/%s", ld->cwd, file) < 0)
            abs = NULL;
    }
    char *canon = NULL;
    lp_err e;
    lp_err_clear(&e);
    if (!abs || !ld->host || lp_root_realpath(ld->host, abs, &canon, NULL, &e) != LP_OK)
        canon = realpath(file, NULL); /* the view's limits are not the kernel's: ask it */
    free(abs);
    return canon;
}

/* Type and link-free path of @p path in the root, cached; NULL only when out of memory. */
static pathinfo *path_lookup(lp_ld *ld, const char *path)
{
    pathinfo *pi = smap_get(&ld->paths, path);
    if (pi)
        return pi;
    pi = calloc(1, sizeof *pi);
    if (!pi)
        return NULL;
    lp_err e;
    lp_err_clear(&e);
    lp_code rc = lp_root_realpath(ld->root, path, &pi->canon, &pi->type, &e);
    if (rc != LP_OK) {
        pi->type = LP_FT_NONE;
        pi->looped = rc == LP_ERR_LIMIT;
        pi->canon = NULL;
    }
    if (!smap_put(&ld->paths, path, pi)) {
        pathinfo_free(pi);
        return NULL;
    }
    return pi;
}

/* The library at link-free path canon, read once; NULL only when out of memory. */
static libinfo *lib_get(lp_ld *ld, const char *canon, bool want_versions)
{
    libinfo *li = smap_get(&ld->libs, canon);
    if (li && (!want_versions || li->versions_read || li->rc != LP_OK))
        return li;
    bool fresh = !li;
    if (fresh && !(li = calloc(1, sizeof *li)))
        return NULL;
    lp_err e;
    lp_err_clear(&e);
    lp_src *src = NULL;
    lp_code rc = lp_root_open(ld->root, canon, &src, &e);
    if (rc != LP_OK) {
        li->rc = rc;
        free(li->why);
        li->why = strdup(e.msg);
    } else if (fresh) {
        libinfo_fill(li, src, want_versions);
    } else {
        /* known already, versions wanted now */
        lp_obj *obj = NULL;
        li->versions_read = true;
        li->ver_rc = lp_obj_open_flags(&obj, src, LP_OBJ_NO_SECTIONS, &e);
        if (li->ver_rc == LP_OK)
            li->ver_rc = lp_versions_read(obj, 0, &li->ver, &e);
        if (li->ver_rc != LP_OK)
            li->ver_why = strdup(e.msg);
        lp_obj_free(&obj);
    }
    lp_src_free(&src);
    if (fresh && !smap_put(&ld->libs, canon, li)) {
        libinfo_free(li);
        return NULL;
    }
    return li;
}

/* Read the root's ld.so.cache once. */
static void read_glibc_config(lp_ld *ld)
{
    if (ld->cache_read)
        return;
    ld->cache_read = true;
    lp_err e;
    lp_err_clear(&e);
    char *buf = NULL;
    size_t len = 0;
    lp_ftype t = LP_FT_NONE;
    lp_root_lstat(ld->root, "/etc/ld.so.cache", &t, &e);
    if (t != LP_FT_NONE) {
        uint64_t max = lp_limit(LP_LIMIT_LDCACHE);
        lp_code rc = lp_root_read_text(ld->root, "/etc/ld.so.cache", max ? (size_t)max : SIZE_MAX - 1,
                                       &buf, &len, &e);
        if (rc == LP_ERR_LIMIT) /* reported with the limit's name and option */
            lp_limit_err(&e, LP_LIMIT_LDCACHE, "%s", e.msg);
        if (rc == LP_OK)
            rc = lp_ldcache_parse((const uint8_t *)buf, len, "/etc/ld.so.cache", &ld->cache, &e);
        if (rc != LP_OK)
            ld->cache_problem = strdup(e.msg);
        free(buf);
    }
}

/* The root's ld.so.conf directories, read the first time a library is not found. */
static const lp_dirlist *glibc_conf(lp_ld *ld)
{
    if (!ld->conf_read) {
        ld->conf_read = true;
        lp_err e;
        lp_err_clear(&e);
        bool present = false;
        if (lp_ldconf_read(ld->root, "/etc/ld.so.conf", &ld->conf, &present, &e) != LP_OK)
            lp_dirlist_release(&ld->conf);
    }
    return &ld->conf;
}

static muslpath *read_musl_path(lp_ld *ld, const char *arch)
{
    muslpath *m = smap_get(&ld->musl_paths, arch);
    if (m)
        return m;
    if (!(m = calloc(1, sizeof *m)))
        return NULL;
    lp_err e;
    lp_err_clear(&e);
    if (lp_musl_path_read(ld->root, arch, &m->dirs, &m->present, &e) != LP_OK) {
        /* unreadable: musl then searches nothing (sys_path = "") */
        lp_dirlist_release(&m->dirs);
        m->present = true;
    }
    if (!smap_put(&ld->musl_paths, arch, m)) {
        muslpath_free(m);
        return NULL;
    }
    return m;
}

/* ------------------------------------------------------------------ */
/* One resolution. */

/* What find_loaded compares first, and the strings the hashes were taken of. */
typedef struct objkeys {
    const char *name, *soname, *path;
    uint64_t h_name, h_soname, h_path;
} objkeys;

typedef struct run {
    lp_ld *ld;
    lp_deps *d;
    const arch_row *arch;
    unsigned bits, machine;
    bool big;
    uint32_t e_flags;
    lp_libc flavour;          /* whose rules */
    bool debian_layout;
    const char *lib_dst;      /* $LIB */
    const char *platform;     /* $PLATFORM: the loader's platform */
    const char *hwcaps[8];    /* glibc-hwcaps subdirectories, best first */
    size_t n_hwcaps;
    const char *legacy[LP_LEGACY_MAX]; /* legacy subdirectory prefixes ("tls/", ..., "") */
    size_t n_legacy;
    uint64_t cache_hwcap, cache_platform, cache_platform_mask; /* ld.so.cache legacy entries */
    lp_glibc_rules rules;     /* the CPU's (or the assumed one's) */
    lp_glibc_rules *vrules;   /* CPU not known: the other CPUs' rules, each distinct */
    char (*vnames)[32];
    size_t n_variants;
    bool probing;             /* searching for another CPU: nothing is recorded */
    char *defaults[6];
    size_t n_defaults;
    uint32_t cache_flags;
    libinfo **info;           /* per object, parallel to d->objs (not owned) */
    objkeys *keys;            /* per object: hashes for find_loaded */
    size_t cap;
    bool oom;
    bool conf_used;           /* ld.so.conf's directories were searched (the stale-cache check) */
    size_t musl_self;         /* index of musl's loader object, SIZE_MAX if none */
    size_t musl_libc;         /* the object standing for the names musl answers itself */
} run;

static void run_oom(run *r) { r->oom = true; }

static void problem(run *r, lp_problem_kind kind, size_t obj, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problem(run *r, lp_problem_kind kind, size_t obj, const char *fmt, ...)
{
    lp_deps *d = r->d;
    lp_problem *np = realloc(d->problems, (d->n_problems + 1) * sizeof *np);
    if (!np) {
        run_oom(r);
        return;
    }
    d->problems = np;
    lp_problem *p = &np[d->n_problems];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->object = obj;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&p->text, fmt, ap) < 0) {
        p->text = NULL;
        run_oom(r);
    }
    va_end(ap);
    d->n_problems++;
    if (kind < LP_PROB_WARNING)
        d->n_errors++;
}

/* Append an object; returns its index or SIZE_MAX. */
static size_t add_obj(run *r, const char *name, size_t parent)
{
    lp_deps *d = r->d;
    if (d->n_objs >= LP_DEPS_MAX_OBJS)
        return SIZE_MAX;
    if (d->n_objs == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 16;
        lp_dep_obj *no = realloc(d->objs, nc * sizeof *no);
        if (!no) {
            run_oom(r);
            return SIZE_MAX;
        }
        d->objs = no;
        libinfo **ni = realloc(r->info, nc * sizeof *ni);
        if (!ni) {
            run_oom(r);
            return SIZE_MAX;
        }
        r->info = ni;
        objkeys *nk = realloc(r->keys, nc * sizeof *nk);
        if (!nk) {
            run_oom(r);
            return SIZE_MAX;
        }
        r->keys = nk;
        r->cap = nc;
    }
    size_t i = d->n_objs;
    lp_dep_obj *o = &d->objs[i];
    memset(o, 0, sizeof *o);
    r->info[i] = NULL;
    memset(&r->keys[i], 0, sizeof r->keys[i]);
    o->name = strdup(name);
    if (!o->name)
        run_oom(r);
    o->parent = parent;
    o->depth = parent == SIZE_MAX ? 0 : d->objs[parent].depth + 1;
    d->n_objs++;
    return i;
}

static void add_skip(run *r, lp_dep_obj *o, const char *path, const char *why)
{
    if (o->n_skipped >= 64 || r->probing)
        return;
    lp_skip *ns = realloc(o->skipped, (o->n_skipped + 1) * sizeof *ns);
    if (!ns) {
        run_oom(r);
        return;
    }
    o->skipped = ns;
    ns[o->n_skipped].path = strdup(path);
    ns[o->n_skipped].why = strdup(why);
    o->n_skipped++;
}

static char *dirname_of(const char *path)
{
    const char *s = strrchr(path, '/');
    if (!s)
        return strdup(".");
    if (s == path)
        return strdup("/");
    return strndup(path, (size_t)(s - path));
}

/*
 * Expand $ORIGIN, $LIB, $PLATFORM (and the ${...} forms) in one search-path
 * element. glibc drops an element whose $ORIGIN is unknown; musl expands
 * only $ORIGIN. Returns NULL when the element is dropped.
 */
static char *expand_dst(run *r, const char *s, size_t n, const char *origin)
{
    lp_strbuf sb = {0};
    for (size_t i = 0; i < n;) {
        if (s[i] != '$') {
            lp_sb_addc(&sb, s[i++]);
            continue;
        }
        static const struct {
            const char *name;
            int which;
        } dst[] = {{"ORIGIN", 0}, {"LIB", 1}, {"PLATFORM", 2}};
        size_t j = i + 1;
        bool brace = j < n && s[j] == '{';
        if (brace)
            j++;
        int which = -1;
        size_t len = 0;
        for (size_t k = 0; k < 3; k++) {
            size_t l = strlen(dst[k].name);
            if (n - j >= l && memcmp(s + j, dst[k].name, l) == 0 &&
                (brace ? (j + l < n && s[j + l] == '}')
                       : (j + l == n || !(s[j + l] == '_' || (s[j + l] >= 'A' && s[j + l] <= 'Z') ||
                                          (s[j + l] >= 'a' && s[j + l] <= 'z') ||
                                          (s[j + l] >= '0' && s[j + l] <= '9'))))) {
                which = dst[k].which;
                len = l;
                break;
            }
        }
        if (which < 0 || (r->flavour == LP_LIBC_MUSL && which != 0)) {
            lp_sb_addc(&sb, s[i++]);
            continue;
        }
        const char *val = which == 0 ? origin : which == 1 ? r->lib_dst : r->platform;
        if (!val) {
            lp_sb_release(&sb);
            return NULL;
        }
        lp_sb_adds(&sb, val);
        i = j + len + (brace ? 1 : 0);
    }
    char *out = lp_sb_take(&sb);
    if (!out) {
        run_oom(r);
        return NULL;
    }
    /* glibc removes trailing slashes (except a lone "/") */
    size_t l = strlen(out);
    while (l > 1 && out[l - 1] == '/')
        out[--l] = '\0';
    return out;
}

/*
 * Outcome of trying one candidate file, as glibc's open_verify/open_path
 * and musl's path_open/map_library see it:
 *   NONE  it does not exist (ENOENT, ENOTDIR): the search goes on;
 *   STOP  open(2) fails otherwise (ELOOP): glibc abandons the rest of this
 *         search list, musl the whole search;
 *   SKIP  glibc passes over an ELF file of another class or machine;
 *   BAD   the loader opens it and fails (not ELF, a directory, wrong byte
 *         order or type; under musl also another class or machine): the
 *         library is not loaded and the program does not start;
 *   OK    the loader maps it.
 */
typedef enum { CAND_NONE, CAND_STOP, CAND_SKIP, CAND_OK, CAND_BAD } cand_result;

static cand_result try_path(run *r, size_t oi, const char *path, libinfo **li_out,
                            char **canon_out, char *why, size_t whysz)
{
    lp_ld *ld = r->ld;
    why[0] = '\0';
    pathinfo *pi = path_lookup(ld, path);
    if (!pi) {
        run_oom(r);
        return CAND_NONE;
    }
    if (pi->type == LP_FT_NONE)
        return pi->looped ? CAND_STOP : CAND_NONE;
    if (pi->type != LP_FT_REG) {
        /* open(2) succeeds on a directory; reading its header fails (EISDIR) */
        snprintf(why, whysz, "%s", pi->type == LP_FT_DIR ? "a directory (cannot read file data)"
                                                          : "not a regular file");
        *li_out = NULL;
        *canon_out = pi->canon;
        return CAND_BAD;
    }
    libinfo *li = lib_get(ld, pi->canon, r->flavour == LP_LIBC_GLIBC);
    if (!li) {
        run_oom(r);
        return CAND_NONE;
    }
    bool skippable = false;
    if (li->rc != LP_OK)
        snprintf(why, whysz, "%s", li->rc == LP_ERR_UNSUPPORTED ? "not ELF (invalid ELF header)"
                                                               : "unreadable ELF");
    else if (li->bits != r->bits)
        snprintf(why, whysz, "ELFCLASS%u", li->bits), skippable = true;
    else if (li->big != r->big)
        snprintf(why, whysz, "%s", li->big ? "big-endian" : "little-endian");
    else if (li->machine != r->machine)
        snprintf(why, whysz, "machine %s", li->machine_name ? li->machine_name : "?"),
            skippable = true;
    else if (li->type != 2 && li->type != 3) /* ET_EXEC, ET_DYN */
        snprintf(why, whysz, "ELF type %u (only ET_DYN and ET_EXEC can be loaded)", li->type);
    *li_out = li;
    *canon_out = pi->canon;
    if (!why[0])
        return CAND_OK;
    if (skippable && r->flavour != LP_LIBC_MUSL) {
        add_skip(r, &r->d->objs[oi], path, why);
        return CAND_SKIP;
    }
    return CAND_BAD;
}

/* Search result. */
typedef struct found {
    char *path;    /* as the loader names it */
    char *canon;   /* not owned */
    libinfo *li;
    lp_rule rule;
    char *detail;
    char *bad;     /* the loader opened path and failed: why (then the library is not loaded) */
} found;

static bool found_set(run *r, found *f, const char *path, cand_result c, char *canon, libinfo *li,
                      lp_rule rule, const char *detail, const char *why)
{
    f->path = strdup(path);
    f->canon = canon;
    f->li = li;
    f->rule = rule;
    f->detail = strdup(detail);
    f->bad = c == CAND_BAD ? strdup(why) : NULL;
    if (!f->path || !f->detail || (c == CAND_BAD && !f->bad))
        run_oom(r);
    return true;
}

/* Result of searching one directory or one list: found, not there, or the search stopped. */
enum { SEARCH_STOP = -1, SEARCH_NONE = 0, SEARCH_FOUND = 1 };

/*
 * Try name in dir, with the glibc-hwcaps subdirectories first. As in
 * glibc's open_path, only the last attempt's error decides whether the
 * list goes on, and only when the directory exists.
 */
static int try_dir(run *r, size_t oi, const char *dir, const char *name, lp_rule rule,
                   const char *detail, found *f)
{
    /* glibc: the glibc-hwcaps subdirectories, then (up to 2.36) the legacy ones, whose last
     * entry is the directory itself; musl: the directory */
    bool glibc = r->flavour == LP_LIBC_GLIBC;
    size_t nh = glibc ? r->n_hwcaps : 0, nl = glibc && r->n_legacy ? r->n_legacy : 1;
    cand_result last = CAND_NONE;
    for (size_t h = 0; h < nh + nl; h++) {
        char *p = NULL;
        int rc;
        const char *sep = strcmp(dir, "/") == 0 ? "" : "/";
        if (h < nh)
            rc = asprintf(&p, "%s%sglibc-hwcaps/%s/%s", dir, sep, r->hwcaps[h], name);
        else
            rc = asprintf(&p, "%s%s%s%s", dir, sep, glibc && r->n_legacy ? r->legacy[h - nh] : "", name);
        if (rc < 0) {
            run_oom(r);
            return SEARCH_NONE;
        }
        libinfo *li = NULL;
        char *canon = NULL;
        char why[128];
        last = try_path(r, oi, p, &li, &canon, why, sizeof why);
        if (last == CAND_OK || last == CAND_BAD) {
            found_set(r, f, p, last, canon, li, rule, detail ? detail : dir, why);
            free(p);
            return SEARCH_FOUND;
        }
        free(p);
        if (last == CAND_STOP && r->flavour == LP_LIBC_MUSL)
            return SEARCH_STOP; /* path_open returns -2: no further search */
    }
    if (last == CAND_STOP) {
        pathinfo *pi = path_lookup(r->ld, dir);
        if (pi && pi->type == LP_FT_DIR)
            return SEARCH_STOP;
    }
    return SEARCH_NONE;
}

/* Search a ':'-separated path list (glibc also splits LD_LIBRARY_PATH on ';'). */
static int try_list(run *r, size_t oi, const char *list, const char *seps, const char *origin,
                    const char *name, lp_rule rule, const char *owner, found *f)
{
    if (!list)
        return SEARCH_NONE;
    size_t n = strlen(list);
    for (size_t i = 0, guard = 0; i <= n && guard < 4096; guard++) {
        size_t j = i;
        while (j < n && !strchr(seps, list[j]))
            j++;
        if (j > i) {
            char *dir = expand_dst(r, list + i, j - i, origin);
            if (dir) {
                char *detail = NULL;
                if (owner && asprintf(&detail, "%s of %s", dir, owner) < 0)
                    detail = NULL;
                int res = try_dir(r, oi, dir, name, rule, detail ? detail : dir, f);
                free(detail);
                free(dir);
                if (res != SEARCH_NONE)
                    return res;
            }
        }
        i = j + 1;
    }
    return SEARCH_NONE;
}

static bool has_slash(const char *s) { return strchr(s, '/') != NULL; }

/* Whether path lies under a default directory (glibc compares "DIR/" as a prefix). */
static bool in_defaults(run *r, const char *path)
{
    for (size_t i = 0; i < r->n_defaults; i++) {
        size_t l = strlen(r->defaults[i]);
        if (strncmp(path, r->defaults[i], l) == 0 && (path[l] == '/' || path[l] == '\0'))
            return true;
    }
    return false;
}

/* The origin ($ORIGIN) of object i: its directory as the loader knows it. */
static const char *origin_of(run *r, size_t i, char **tmp)
{
    lp_dep_obj *o = &r->d->objs[i];
    /* the main program's origin comes from /proc/self/exe: links resolved */
    const char *p = i == 0 ? o->realpath : o->path;
    if (!p)
        return NULL;
    *tmp = dirname_of(p);
    return *tmp;
}

/*
 * glibc's _dl_map_object search for name needed by object `loader`. Each
 * list is one open_path call: a stop abandons that list, not the search.
 */
static bool search_glibc(run *r, size_t oi, size_t loader, const char *name, found *f)
{
    lp_deps *d = r->d;
    libinfo *L = r->info[loader];
    char *org = NULL;
    bool ok = false;
    /* RPATH of the loader and its loaders, unless the loader has RUNPATH */
    if (!L->runpath) {
        bool did_main = false;
        for (size_t l = loader, guard = 0; l != SIZE_MAX && guard < LP_DEPS_MAX_OBJS && !ok;
             l = d->objs[l].parent, guard++) {
            libinfo *li = r->info[l];
            if (l == 0)
                did_main = true;
            if (!li->rpath || li->runpath) /* RUNPATH hides the object's own RPATH */
                continue;
            free(org);
            org = NULL;
            ok = try_list(r, oi, li->rpath, ":", origin_of(r, l, &org), name, LP_RULE_RPATH,
                          d->objs[l].path, f) == SEARCH_FOUND;
        }
        if (!ok && !did_main && r->info[0]->rpath && !r->info[0]->runpath) {
            free(org);
            org = NULL;
            ok = try_list(r, oi, r->info[0]->rpath, ":", origin_of(r, 0, &org), name,
                          LP_RULE_RPATH, d->objs[0].path, f) == SEARCH_FOUND;
        }
    }
    if (!ok && r->ld->opts.ld_library_path) {
        free(org);
        org = NULL;
        ok = try_list(r, oi, r->ld->opts.ld_library_path, ":;", origin_of(r, 0, &org), name,
                      LP_RULE_LD_LIBRARY_PATH, NULL, f) == SEARCH_FOUND;
    }
    if (!ok && L->runpath) {
        free(org);
        org = NULL;
        ok = try_list(r, oi, L->runpath, ":", origin_of(r, loader, &org), name, LP_RULE_RUNPATH,
                      d->objs[loader].path, f) == SEARCH_FOUND;
    }
    free(org);
    bool nodeflib = (L->flags_1 & LP_DF_1_NODEFLIB) != 0;
    if (!ok && r->ld->cache) {
        const lp_ldcache_entry *e =
            lp_ldcache_lookup_hw(r->ld->cache, name, r->cache_flags, r->hwcaps, r->n_hwcaps,
                                 r->cache_hwcap, r->cache_platform, r->cache_platform_mask);
        /* with LP_DF_1_NODEFLIB, cache entries in the default directories do not count */
        if (e && !(nodeflib && in_defaults(r, e->path))) {
            libinfo *li = NULL;
            char *canon = NULL;
            char why[128];
            cand_result c = try_path(r, oi, e->path, &li, &canon, why, sizeof why);
            if (c == CAND_OK || c == CAND_BAD)
                ok = found_set(r, f, e->path, c, canon, li, LP_RULE_LDCACHE, "/etc/ld.so.cache",
                               why);
        }
    }
    if (!ok && !nodeflib) {
        int res = SEARCH_NONE;
        for (size_t i = 0; i < r->n_defaults && res == SEARCH_NONE; i++)
            res = try_dir(r, oi, r->defaults[i], name, LP_RULE_DEFAULT, NULL, f);
        ok = res == SEARCH_FOUND;
    }
    /* not a loader rule: directories ldconfig would have put in the cache */
    if (!ok) {
        int res = SEARCH_NONE;
        const lp_dirlist *conf = glibc_conf(r->ld);
        r->conf_used = true;
        for (size_t i = 0; i < conf->n && res == SEARCH_NONE; i++) {
            if (nodeflib && in_defaults(r, conf->dirs[i]))
                continue;
            char *detail = NULL;
            if (asprintf(&detail, "%s (%s)", conf->dirs[i], conf->origins[i]) < 0) {
                run_oom(r);
                break;
            }
            res = try_dir(r, oi, conf->dirs[i], name, LP_RULE_LDCONF, detail, f);
            free(detail);
        }
        ok = res == SEARCH_FOUND;
    }
    return ok;
}

static bool musl_reserved(const char *name)
{
    static const char *const reserved[] = {"c.", "pthread.", "rt.", "m.", "dl.", "util.", "xnet."};
    if (strncmp(name, "lib", 3) != 0)
        return false;
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strncmp(name + 3, reserved[i], strlen(reserved[i])) == 0)
            return true;
    return false;
}

/* musl's load_library search for name needed by object loader; a stop ends it. */
static bool search_musl(run *r, size_t oi, size_t loader, const char *name, found *f)
{
    lp_deps *d = r->d;
    char *org = NULL;
    int res = SEARCH_NONE;
    if (r->ld->opts.ld_library_path)
        res = try_list(r, oi, r->ld->opts.ld_library_path, ":\n", NULL, name,
                       LP_RULE_LD_LIBRARY_PATH, NULL, f);
    for (size_t l = loader, guard = 0; res == SEARCH_NONE && l != SIZE_MAX && guard < LP_DEPS_MAX_OBJS;
         l = d->objs[l].parent, guard++) {
        libinfo *li = r->info[l];
        const char *rp = li->runpath ? li->runpath : li->rpath; /* DT_RUNPATH wins, as in decode_dyn */
        if (!rp)
            continue;
        free(org);
        org = NULL;
        res = try_list(r, oi, rp, ":", origin_of(r, l, &org), name,
                       li->runpath ? LP_RULE_RUNPATH : LP_RULE_RPATH, d->objs[l].path, f);
    }
    free(org);
    if (res == SEARCH_NONE && r->arch) {
        muslpath *m = read_musl_path(r->ld, r->arch->musl_arch);
        if (!m) {
            run_oom(r);
        } else if (m->present) {
            for (size_t i = 0; i < m->dirs.n && res == SEARCH_NONE; i++) {
                char *detail = NULL;
                if (asprintf(&detail, "%s (%s)", m->dirs.dirs[i], m->dirs.origins[i]) < 0) {
                    run_oom(r);
                    break;
                }
                res = try_dir(r, oi, m->dirs.dirs[i], name, LP_RULE_MUSL_PATH, detail, f);
                free(detail);
            }
        } else {
            static const char *const sys[] = {"/lib", "/usr/local/lib", "/usr/lib"};
            for (size_t i = 0; i < 3 && res == SEARCH_NONE; i++)
                res = try_dir(r, oi, sys[i], name, LP_RULE_DEFAULT, NULL, f);
        }
    }
    return res == SEARCH_FOUND;
}

/* The hashes of object i's name, soname and path, recomputed when one of them was set since. */
static const objkeys *keys_of(run *r, size_t i)
{
    const lp_dep_obj *o = &r->d->objs[i];
    objkeys *k = &r->keys[i];
    if (k->name != o->name || k->soname != o->soname || k->path != o->path) {
        k->name = o->name;
        k->soname = o->soname;
        k->path = o->path;
        k->h_name = o->name ? smap_hash(o->name) : 0;
        k->h_soname = o->soname ? smap_hash(o->soname) : 0;
        k->h_path = o->path ? smap_hash(o->path) : 0;
    }
    return k;
}

/* An object already loaded under this name, soname or path (hashes compared first). */
static size_t find_loaded(run *r, const char *name)
{
    lp_deps *d = r->d;
    uint64_t h = smap_hash(name);
    for (size_t i = 0; i < d->n_objs; i++) {
        lp_dep_obj *o = &d->objs[i];
        const objkeys *k = keys_of(r, i);
        if (!o->path && i != 0) {
            if (o->name && k->h_name == h && strcmp(o->name, name) == 0)
                return i; /* not found before: the loader's stand-in answers again */
            continue;
        }
        /* glibc also matches sonames; musl only the names it searched for */
        if ((o->name && k->h_name == h && strcmp(o->name, name) == 0) ||
            (r->flavour != LP_LIBC_MUSL && o->soname && k->h_soname == h &&
             strcmp(o->soname, name) == 0) ||
            (o->path && k->h_path == h && strcmp(o->path, name) == 0))
            return i;
    }
    return SIZE_MAX;
}

static size_t find_by_canon(run *r, const char *canon)
{
    for (size_t i = 0; i < r->d->n_objs; i++)
        if (r->d->objs[i].realpath && strcmp(r->d->objs[i].realpath, canon) == 0)
            return i;
    return SIZE_MAX;
}

static void set_found(run *r, size_t i, found *f)
{
    lp_dep_obj *o = &r->d->objs[i];
    o->path = f->path;
    o->realpath = strdup(f->canon);
    o->host_path = lp_root_host_path(r->ld->root, f->canon);
    o->rule = f->rule;
    o->rule_detail = f->detail;
    r->info[i] = f->li;
    if (f->li && f->li->rc == LP_OK) {
        o->soname = xstrdup(f->li->soname);
        o->bits = f->li->bits;
        o->machine = f->li->machine;
    }
    f->path = NULL;
    f->detail = NULL;
}

static void apply_rules(run *r, const lp_glibc_rules *g);

/* The search for name needed by object `loader`, under the run's current rules. */
static bool search_once(run *r, size_t oi, size_t loader, const char *name, found *f)
{
    if (!has_slash(name))
        return r->flavour == LP_LIBC_MUSL ? search_musl(r, oi, loader, name, f)
                                          : search_glibc(r, oi, loader, name, f);
    bool ok = false;
    char *org = NULL, *p = NULL;
    origin_of(r, loader, &org);
    p = expand_dst(r, name, strlen(name), org);
    free(org);
    if (p) {
        char *full = p;
        if (p[0] != '/' && asprintf(&full, "/%s", p) < 0)
            full = NULL;
        if (full) {
            libinfo *li = NULL;
            char *canon = NULL;
            char why[128];
            cand_result c = try_path(r, oi, full, &li, &canon, why, sizeof why);
            if (c == CAND_OK || c == CAND_BAD)
                ok = found_set(r, f, full, c, canon, li, LP_RULE_PATH, full, why);
            if (full != p)
                free(full);
        }
        free(p);
    }
    return ok;
}

/* What the loader does with name under some rules: the file it maps, or why not. */
static void outcome_text(bool ok, const found *f, char *buf, size_t n, bool *loads)
{
    *loads = ok && !f->bad && f->rule != LP_RULE_LDCONF;
    if (!ok || f->rule == LP_RULE_LDCONF)
        snprintf(buf, n, "not found");
    else if (f->bad)
        snprintf(buf, n, "%s, which it cannot load (%s)", f->path, f->bad);
    else
        snprintf(buf, n, "%s", f->path);
}

/*
 * The CPU is not known: search name again under every other CPU's rules; where the answer
 * differs from the assumed CPU's, one problem names the CPUs and what each gets. An error
 * when the library is loaded on some CPUs and not on others, a warning when only the file
 * differs.
 */
static void compare_cpus(run *r, size_t oi, size_t loader, const char *name, bool ok0, const found *f0)
{
    enum { MAXV = 16 };
    char outs[MAXV + 1][320];
    bool loads[MAXV + 1];
    size_t nv = r->n_variants < MAXV ? r->n_variants : MAXV;
    outcome_text(ok0, f0, outs[0], sizeof outs[0], &loads[0]);
    /* the run's own rules, restored after */
    const char *platform = r->platform, *hwcaps[8], *legacy[LP_LEGACY_MAX];
    size_t n_hwcaps = r->n_hwcaps, n_legacy = r->n_legacy;
    uint64_t ch = r->cache_hwcap, cp = r->cache_platform, cm = r->cache_platform_mask;
    memcpy(hwcaps, r->hwcaps, sizeof hwcaps);
    memcpy(legacy, r->legacy, sizeof legacy);
    bool differs = false, mixed = false;
    r->probing = true;
    for (size_t v = 0; v < nv; v++) {
        apply_rules(r, &r->vrules[v]);
        found g = {0};
        bool ok = search_once(r, oi, loader, name, &g);
        outcome_text(ok, &g, outs[v + 1], sizeof outs[0], &loads[v + 1]);
        free(g.path);
        free(g.detail);
        free(g.bad);
        differs |= strcmp(outs[v + 1], outs[0]) != 0;
        mixed |= loads[v + 1] != loads[0];
    }
    r->probing = false;
    r->platform = platform;
    r->n_hwcaps = n_hwcaps;
    r->n_legacy = n_legacy;
    memcpy(r->hwcaps, hwcaps, sizeof hwcaps);
    memcpy(r->legacy, legacy, sizeof legacy);
    r->cache_hwcap = ch, r->cache_platform = cp, r->cache_platform_mask = cm;
    if (!differs)
        return;
    /* "A on x86-64 (assumed), x86-64-v2; B on haswell, skylake-avx512" */
    lp_strbuf sb = {0};
    bool done[MAXV + 1] = {false};
    for (size_t i = 0; i <= nv; i++) {
        if (done[i])
            continue;
        lp_sb_addf(&sb, "%s%s on ", i ? "; " : "", outs[i]);
        for (size_t k = i, first = 1; k <= nv; k++) {
            if (done[k] || strcmp(outs[k], outs[i]) != 0)
                continue;
            done[k] = true;
            lp_sb_addf(&sb, "%s%s%s", first ? "" : ", ", k ? r->vnames[k - 1] : r->d->cpu_assumed,
                       k ? "" : " (assumed above)");
            first = 0;
        }
    }
    char *list = lp_sb_take(&sb);
    const char *needer = r->d->objs[loader].path ? r->d->objs[loader].path : r->d->objs[loader].name;
    problem(r, mixed ? LP_PROB_CPU_DEPENDENT : LP_PROB_CPU_DEPENDENT_PATH, oi,
            "%s: the CPU decides %s: %s; give --cpu (needed by %s)", name,
            mixed ? "whether the loader finds it" : "which file the loader maps", list ? list : "?", needer);
    free(list);
}

/* Resolve one needed name of object `loader`; returns the object index or SIZE_MAX. */
static size_t resolve_needed(run *r, size_t loader, const char *name)
{
    lp_deps *d = r->d;
    size_t at = find_loaded(r, name);
    if (at != SIZE_MAX && (d->objs[at].path || at == 0))
        return at;
    bool musl_libc = r->flavour == LP_LIBC_MUSL && !has_slash(name) && musl_reserved(name) &&
                     r->musl_self != SIZE_MAX;
    if (musl_libc && r->musl_libc != SIZE_MAX)
        return r->musl_libc; /* one object for every name musl answers itself */
    size_t oi = at != SIZE_MAX ? at : add_obj(r, name, loader);
    if (oi == SIZE_MAX)
        return SIZE_MAX;
    if (musl_libc) {
        /* musl's loader is its libc: it answers these names without a search */
        lp_dep_obj *o = &d->objs[oi], *self = &d->objs[r->musl_self];
        o->path = xstrdup(self->path);
        o->realpath = xstrdup(self->realpath);
        o->host_path = xstrdup(self->host_path);
        o->rule = LP_RULE_MUSL_LIBC;
        o->rule_detail = strdup("musl's loader is its libc");
        o->soname = xstrdup(self->soname);
        o->bits = self->bits;
        o->machine = self->machine;
        if (!o->path || !o->rule_detail)
            run_oom(r);
        r->info[oi] = NULL; /* its needs are the interpreter's, resolved already */
        r->musl_libc = oi;
        return oi;
    }
    found f = {0};
    bool ok = search_once(r, oi, loader, name, &f);
    if (r->n_variants && !r->probing)
        compare_cpus(r, oi, loader, name, ok, &f);
    const char *needer = d->objs[loader].path ? d->objs[loader].path : d->objs[loader].name;
    if (ok && f.bad) {
        /* the loader opened it and failed: an error, and the program does not start */
        add_skip(r, &d->objs[oi], f.path, f.bad);
        d->objs[oi].rule = LP_RULE_NONE;
        problem(r, LP_PROB_BAD_LIBRARY, oi,
                "%s: %s (found by %s in %s) is %s: the loader stops there and the program does "
                "not start (needed by %s)",
                name, f.path, lp_rule_name(f.rule), f.detail ? f.detail : "?", f.bad, needer);
        free(f.path);
        free(f.detail);
        free(f.bad);
        return oi;
    }
    if (!ok) {
        if (at == SIZE_MAX) {
            d->objs[oi].rule = LP_RULE_NONE;
            problem(r, LP_PROB_NOT_FOUND, oi, "%s: not found (needed by %s)", name, needer);
        }
        return oi;
    }
    /* the same file under another name is the same object (glibc and musl compare inodes) */
    size_t same = find_by_canon(r, f.canon);
    if (same != SIZE_MAX && same != oi) {
        free(f.path);
        free(f.detail);
        if (at == SIZE_MAX) {
            /* drop the object just added: it is the last one */
            lp_dep_obj *o = &d->objs[oi];
            free(o->name);
            for (size_t k = 0; k < o->n_skipped; k++) {
                free(o->skipped[k].path);
                free(o->skipped[k].why);
            }
            free(o->skipped);
            d->n_objs--;
        }
        return same;
    }
    set_found(r, oi, &f);
    if (f.rule == LP_RULE_LDCONF)
        problem(r, LP_PROB_STALE_CACHE, oi,
                "%s: only in %s, a directory of %s, which %s: the loader does not read "
                "ld.so.conf and will not find it until ldconfig runs (needed by %s)",
                name, d->objs[oi].path, d->objs[oi].rule_detail,
                r->ld->cache ? "/etc/ld.so.cache does not list" : "no ld.so.cache lists", needer);
    return oi;
}

/* The ELF loaders of each libc, for the interpreter checks. */
static lp_libc libc_of_interp(const char *interp)
{
    if (!interp)
        return LP_LIBC_UNKNOWN;
    const char *b = strrchr(interp, '/');
    b = b ? b + 1 : interp;
    if (strncmp(b, "ld-musl-", 8) == 0)
        return LP_LIBC_MUSL;
    if (strncmp(b, "ld-linux", 8) == 0 || strncmp(b, "ld64.so.", 8) == 0 ||
        strncmp(b, "ld.so.", 6) == 0)
        return LP_LIBC_GLIBC;
    return LP_LIBC_UNKNOWN;
}

static bool exists_reg(run *r, const char *path)
{
    pathinfo *pi = path_lookup(r->ld, path);
    return pi && pi->type == LP_FT_REG;
}

static void setup_env(run *r)
{
    lp_ld *ld = r->ld;
    const arch_row *a = r->arch;
    /* Debian's multiarch layout, or upstream glibc's */
    char *p = NULL;
    if (a && asprintf(&p, "/lib/%s", a->triplet) >= 0) {
        pathinfo *pi = path_lookup(ld, p);
        r->debian_layout = pi && pi->type == LP_FT_DIR;
        free(p);
        if (!r->debian_layout && asprintf(&p, "/usr/lib/%s", a->triplet) >= 0) {
            pi = path_lookup(ld, p);
            r->debian_layout = pi && pi->type == LP_FT_DIR;
            free(p);
        }
    }
    if (a && r->debian_layout) {
        if (asprintf(&r->defaults[0], "/lib/%s", a->triplet) < 0 ||
            asprintf(&r->defaults[1], "/usr/lib/%s", a->triplet) < 0)
            run_oom(r);
        r->defaults[2] = strdup("/lib");
        r->defaults[3] = strdup("/usr/lib");
        r->n_defaults = 4;
        if (asprintf(&p, "lib/%s", a->triplet) >= 0)
            r->defaults[5] = p; /* $LIB storage */
        r->lib_dst = r->defaults[5];
    } else {
        const char *libdir = a ? a->libdir : "lib";
        if (asprintf(&r->defaults[0], "/%s", libdir) < 0 ||
            asprintf(&r->defaults[1], "/usr/%s", libdir) < 0)
            run_oom(r);
        r->n_defaults = 2;
        r->defaults[5] = strdup(libdir);
        r->lib_dst = r->defaults[5];
    }
    r->platform = ld->opts.platform ? ld->opts.platform : a ? a->at_platform : NULL;
    r->cache_flags = lp_ldcache_required_flags(r->machine, r->bits, r->e_flags);
}

/* ------------------------------------------------------------------ */
/* The root's glibc version and the CPU: which rules its loader applies. */

#define BANNER_MAX_FILE ((uint64_t)32 << 20)

/*
 * The release banner glibc's ld.so and libc.so.6 carry ("ld.so (...) stable
 * release version 2.36.", "GNU C Library (...) stable release version 2.36."):
 * major * 1000 + minor, 0 when the file has none.
 */
static unsigned banner_version(lp_ld *ld, const char *path)
{
    lp_src *src = NULL;
    lp_err e;
    lp_err_clear(&e);
    if (lp_root_open(ld->root, path, &src, &e) != LP_OK)
        return 0;
    unsigned v = 0;
    lp_region reg;
    uint64_t size = lp_src_size(src);
    if (size <= BANNER_MAX_FILE && size > 0 &&
        lp_src_region(src, 0, (size_t)size, "file", &reg, &e) == LP_OK) {
        static const char key[] = "release version ";
        const uint8_t *p = reg.data, *end = reg.data + reg.len;
        /* bounded by the file: each match moves p forward */
        while (!v && (p = memmem(p, (size_t)(end - p), key, sizeof key - 1)) != NULL) {
            const uint8_t *start = p;
            while (start > reg.data && start[-1] != '\0' && p - start < 256)
                start--;
            p += sizeof key - 1;
            size_t left = (size_t)(end - start);
            bool glibc = (left > 13 && memcmp(start, "GNU C Library", 13) == 0) ||
                         (left > 6 && memcmp(start, "ld.so ", 6) == 0);
            unsigned maj = 0, min = 0;
            const uint8_t *q = p;
            while (q < end && *q >= '0' && *q <= '9' && maj < 100)
                maj = maj * 10 + (unsigned)(*q++ - '0');
            if (!glibc || q == p || q >= end || *q != '.')
                continue;
            const uint8_t *m = ++q;
            while (q < end && *q >= '0' && *q <= '9' && min < 1000)
                min = min * 10 + (unsigned)(*q++ - '0');
            if (q > m && maj > 0 && min < 1000)
                v = maj * 1000 + min;
        }
        lp_region_release(&reg);
    }
    lp_src_free(&src);
    return v;
}

/* The link-free path of the libc.so.6 the loader would find without a search path, or NULL. */
static const char *find_libc(run *r)
{
    lp_ld *ld = r->ld;
    if (ld->cache) {
        const lp_ldcache_entry *e = lp_ldcache_lookup(ld->cache, "libc.so.6", r->cache_flags, NULL, 0);
        pathinfo *pi = e ? path_lookup(ld, e->path) : NULL;
        if (pi && pi->type == LP_FT_REG)
            return pi->canon;
    }
    for (size_t i = 0; i < r->n_defaults; i++) {
        char *p = NULL;
        if (asprintf(&p, "%s/libc.so.6", r->defaults[i]) < 0)
            return NULL;
        pathinfo *pi = path_lookup(ld, p);
        free(p);
        if (pi && pi->type == LP_FT_REG)
            return pi->canon;
    }
    return NULL;
}

/*
 * The root's glibc version, once per interpreter: the banner of the loader
 * that runs the program (its rules are the loader's), else of libc.so.6,
 * else the highest GLIBC_2.N version libc.so.6 defines (a lower bound: a
 * release that adds no symbol adds no version).
 */
static const glibc_ver *glibc_version(run *r)
{
    lp_ld *ld = r->ld;
    const char *key = r->d->interp_path ? r->d->interp_path : "";
    glibc_ver *g = smap_get(&ld->glibc_vers, key);
    if (g)
        return g;
    if (!(g = calloc(1, sizeof *g)))
        return NULL;
    const char *libc = NULL;
    if (r->d->interp_path && (g->version = banner_version(ld, r->d->interp_path)) != 0) {
        g->exact = true;
        g->from = strdup(r->d->interp_path);
    } else if ((libc = find_libc(r)) != NULL) {
        if ((g->version = banner_version(ld, libc)) != 0) {
            g->exact = true;
        } else {
            libinfo *li = lib_get(ld, libc, true);
            const char *hi = li && li->versions_read && li->ver_rc == LP_OK
                                 ? lp_versions_highest(&li->ver, "GLIBC_2.0")
                                 : NULL;
            unsigned maj = 0, min = 0;
            if (hi && sscanf(hi, "GLIBC_%u.%u", &maj, &min) == 2 && maj > 0 && maj < 100 && min < 1000)
                g->version = maj * 1000 + min;
        }
        if (g->version)
            g->from = strdup(libc);
    }
    if (!smap_put(&ld->glibc_vers, key, g)) {
        glibc_ver_free(g);
        return NULL;
    }
    return g;
}

/* Make the run search as the loader with these rules does. */
static void apply_rules(run *r, const lp_glibc_rules *g)
{
    lp_ld *ld = r->ld;
    r->platform = g->platform[0] ? g->platform : NULL;
    r->n_hwcaps = 0;
    if (ld->opts.hwcaps_given) {
        for (size_t i = 0; i < ld->n_hwcaps_given && i < 8; i++)
            r->hwcaps[r->n_hwcaps++] = ld->hwcaps_given[i];
    } else {
        for (size_t i = 0; i < g->n_hwcaps; i++)
            r->hwcaps[r->n_hwcaps++] = g->hwcaps[i];
    }
    r->n_legacy = g->n_legacy;
    for (size_t i = 0; i < g->n_legacy; i++)
        r->legacy[i] = g->legacy[i];
    r->cache_hwcap = g->cache_hwcap;
    r->cache_platform = g->cache_platform;
    r->cache_platform_mask = g->cache_platform_mask;
}

/* Whether two CPUs' rules search the same files (with the options that override them). */
static bool same_effect(const run *r, const lp_glibc_rules *a, const lp_glibc_rules *b)
{
    if (strcmp(a->platform, b->platform) != 0 || a->n_legacy != b->n_legacy ||
        a->cache_hwcap != b->cache_hwcap || a->cache_platform != b->cache_platform)
        return false;
    for (size_t i = 0; i < a->n_legacy; i++)
        if (strcmp(a->legacy[i], b->legacy[i]) != 0)
            return false;
    if (r->ld->opts.hwcaps_given)
        return true;
    if (a->n_hwcaps != b->n_hwcaps)
        return false;
    for (size_t i = 0; i < a->n_hwcaps; i++)
        if (strcmp(a->hwcaps[i], b->hwcaps[i]) != 0)
            return false;
    return true;
}

static char **copy_strings(run *r, const char *const *v, size_t n, bool strip, size_t *out_n)
{
    *out_n = 0;
    if (!n)
        return NULL;
    char **c = calloc(n, sizeof *c);
    if (!c) {
        run_oom(r);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(v[i]);
        if (strip && l == 0)
            continue; /* the directory itself */
        if (!(c[*out_n] = strndup(v[i], strip && l && v[i][l - 1] == '/' ? l - 1 : l))) {
            run_oom(r);
            break;
        }
        (*out_n)++;
    }
    return c;
}

/*
 * glibc: the version's and the CPU's rules. The CPU is the one asked for, this machine's for
 * the root "/", else not known: then the machine's lowest CPU is assumed and the others'
 * rules kept (each distinct one once) to tell where they would change a library's file.
 */
static void setup_rules(run *r)
{
    lp_ld *ld = r->ld;
    lp_deps *d = r->d;
    const glibc_ver *g = glibc_version(r);
    unsigned ver = g ? g->version : 0;
    if (g && g->version) {
        char v[32];
        snprintf(v, sizeof v, "%u.%u", g->version / 1000, g->version % 1000);
        d->glibc_version = strdup(v);
        d->glibc_version_exact = g->exact;
        d->glibc_version_from = xstrdup(g->from);
    }
    const char *want = ld->cpu ? ld->cpu : lp_root_is_host(ld->root) ? "host" : NULL;
    lp_cpu cpu, pres[16];
    bool known = want && (strcmp(want, "host") == 0 ? lp_cpu_host(r->machine, r->bits, &cpu)
                                                    : lp_cpu_preset(want, r->machine, r->bits, &cpu));
    size_t np = known ? 0 : lp_cpu_presets(r->machine, r->bits, pres, 16);
    const lp_cpu *primary = known ? &cpu : np ? &pres[0] : NULL;
    const char *at_plat = r->arch ? r->arch->at_platform : NULL;
    lp_glibc_rules_for(primary, r->machine, r->bits, ver, at_plat, ld->opts.platform, &r->rules);
    apply_rules(r, &r->rules);
    d->cpu = known ? strdup(cpu.name) : NULL;
    d->cpu_assumed = primary ? strdup(primary->name) : NULL;
    d->platform = xstrdup(r->platform);
    d->hwcaps = copy_strings(r, r->hwcaps, r->n_hwcaps, false, &d->n_hwcaps);
    d->legacy_hwcaps = copy_strings(r, r->legacy, r->n_legacy, true, &d->n_legacy_hwcaps);
    if (np > 1) {
        r->vrules = calloc(np - 1, sizeof *r->vrules);
        r->vnames = calloc(np, sizeof *r->vnames);
        if (!r->vrules || !r->vnames) {
            run_oom(r);
            return;
        }
    }
    for (size_t i = 1; i < np; i++) {
        lp_glibc_rules *v = &r->vrules[r->n_variants];
        lp_glibc_rules_for(&pres[i], r->machine, r->bits, ver, at_plat, ld->opts.platform, v);
        bool dup = same_effect(r, v, &r->rules);
        for (size_t k = 0; k < r->n_variants && !dup; k++)
            dup = same_effect(r, v, &r->vrules[k]);
        if (dup)
            continue;
        snprintf(r->vnames[r->n_variants], sizeof r->vnames[0], "%s", pres[i].name);
        r->n_variants++;
    }
}

/*
 * Read again, with the symbols, the versions of object i: only done for an
 * object that misses a version, so that the common case reads no symbol
 * table. On failure the problem just goes without symbol names.
 */
static void ensure_refs(run *r, size_t i)
{
    libinfo *li = r->info[i];
    if (li->refs_read)
        return;
    li->refs_read = true;
    lp_err e;
    lp_err_clear(&e);
    lp_src *src = NULL;
    lp_code rc = i == 0 && !r->d->in_root ? lp_src_open(&src, r->d->file, &e)
                 : lp_root_open(r->ld->root, r->d->objs[i].realpath ? r->d->objs[i].realpath
                                                                      : r->d->file, &src, &e);
    lp_obj *obj = NULL;
    if (rc == LP_OK)
        rc = lp_obj_open_flags(&obj, src, LP_OBJ_NO_SECTIONS, &e);
    lp_versions v;
    if (rc == LP_OK && lp_versions_read(obj, LP_VERSIONS_REFS, &v, &e) == LP_OK) {
        lp_versions_release(&li->ver);
        li->ver = v;
        free(li->need_ok);
        li->need_ok = NULL;
    }
    lp_obj_free(&obj);
    lp_src_free(&src);
}

/*
 * The version needs of object i against the objects that provide them. With
 * report false, only whether one is missing; with report true, a problem
 * for each (with the symbols that need it, when refs were read).
 */
static bool scan_needs(run *r, size_t i, bool report)
{
    lp_deps *d = r->d;
    libinfo *li = r->info[i];
    bool missing = false;
    for (size_t k = 0; k < li->ver.n_needs; k++) {
        const lp_verneed *vn = &li->ver.needs[k];
        size_t p = find_loaded(r, vn->file);
        if (p == SIZE_MAX || !d->objs[p].path || !r->info[p] || r->info[p]->rc != LP_OK)
            continue; /* not found: reported already */
        libinfo *pl = r->info[p];
        if (!pl->versions_read && p != 0) {
            libinfo *again = lib_get(r->ld, d->objs[p].realpath, true);
            if (again)
                pl = r->info[p] = again;
        }
        if (!pl->versions_read || pl->ver_rc != LP_OK)
            continue;
        /* a library needed by many programs is checked against its provider once per run */
        if (li->need_ok && li->need_ok[k] == pl)
            continue;
        if (pl->ver.n_defs == 0) {
            if (vn->n_vers && report)
                problem(r, LP_PROB_NO_VERDEF, i,
                        "%s needs versions from %s, which defines none (the loader accepts it)",
                        d->objs[i].path, vn->file);
            continue;
        }
        bool all = true;
        for (size_t v = 0; v < vn->n_vers; v++) {
            const lp_vernaux *a = &vn->vers[v];
            if (lp_versions_provides(&pl->ver, a))
                continue;
            missing = true;
            all = false;
            if (!report)
                continue;
            bool weak = (a->flags & LP_VER_FLG_WEAK) != 0;
            const char *hi = lp_versions_highest(&pl->ver, a->name);
            size_t before = d->n_problems;
            if (hi)
                problem(r, weak ? LP_PROB_WEAK_VERSION : LP_PROB_VERSION_MISSING, i,
                        "%s needs %s from %s; the root provides up to %s (%s)",
                        d->objs[i].path, a->name, vn->file, hi, d->objs[p].path);
            else
                problem(r, weak ? LP_PROB_WEAK_VERSION : LP_PROB_VERSION_MISSING, i,
                        "%s needs %s from %s, which does not define it (%s)", d->objs[i].path,
                        a->name, vn->file, d->objs[p].path);
            if (d->n_problems == before)
                continue;
            lp_problem *pr = &d->problems[d->n_problems - 1];
            pr->version = strdup(a->name);
            pr->library = strdup(vn->file);
            pr->provided = xstrdup(hi);
            for (size_t s = 0; s < li->ver.n_refs; s++) {
                if (li->ver.refs[s].version != a->index)
                    continue;
                pr->n_symbols_total++;
                if (pr->n_symbols >= LP_DEPS_MAX_SYMBOLS)
                    continue;
                char **ns = realloc(pr->symbols, (pr->n_symbols + 1) * sizeof *ns);
                if (!ns) {
                    run_oom(r);
                    break;
                }
                pr->symbols = ns;
                if ((ns[pr->n_symbols] = strdup(li->ver.refs[s].name)) != NULL)
                    pr->n_symbols++;
            }
        }
        if (all && li != r->info[0]) {
            if (!li->need_ok)
                li->need_ok = calloc(li->ver.n_needs, sizeof *li->need_ok);
            if (li->need_ok)
                li->need_ok[k] = pl;
        }
    }
    return missing;
}

/* Check every object's DT_VERNEED against the libraries that provide them (glibc). */
static void check_versions(run *r)
{
    lp_deps *d = r->d;
    for (size_t i = 0; i < d->n_objs; i++) {
        libinfo *li = r->info[i];
        if (!li || li->rc != LP_OK || !d->objs[i].path)
            continue;
        if (!li->versions_read) {
            libinfo *again = i == 0 ? NULL : lib_get(r->ld, d->objs[i].realpath, true);
            if (again)
                li = r->info[i] = again;
        }
        if (!li->versions_read)
            continue;
        if (li->ver_rc != LP_OK) {
            problem(r, LP_PROB_BAD_LIBRARY, i, "%s: symbol versions unreadable: %s",
                    d->objs[i].path, li->ver_why ? li->ver_why : "?");
            continue;
        }
        if (!li->refs_read && scan_needs(r, i, false))
            ensure_refs(r, i);
        scan_needs(r, i, true);
    }
}

static void interp_checks(run *r, libinfo *main_li)
{
    lp_ld *ld = r->ld;
    lp_deps *d = r->d;
    const arch_row *a = r->arch;
    /* which loaders does the root have for this machine? */
    char *musl_ld = NULL;
    bool has_glibc = a && exists_reg(r, a->glibc_ld);
    bool has_musl = a && asprintf(&musl_ld, "/lib/ld-musl-%s.so.1", a->musl_arch) >= 0 &&
                    exists_reg(r, musl_ld);
    d->binary_libc = libc_of_interp(d->interp);
    if (d->binary_libc != LP_LIBC_UNKNOWN && d->interp && exists_reg(r, d->interp))
        d->root_libc = d->binary_libc;
    else if (has_glibc)
        d->root_libc = LP_LIBC_GLIBC;
    else if (has_musl)
        d->root_libc = LP_LIBC_MUSL;
    if (d->root_libc == LP_LIBC_GLIBC && a)
        d->root_loader = strdup(a->glibc_ld);
    else if (d->root_libc == LP_LIBC_MUSL && musl_ld)
        d->root_loader = strdup(musl_ld);
    free(musl_ld);
    r->flavour = d->binary_libc != LP_LIBC_UNKNOWN ? d->binary_libc
                 : d->root_libc != LP_LIBC_UNKNOWN ? d->root_libc
                                                   : LP_LIBC_GLIBC;
    d->rules = r->flavour;
    r->musl_self = SIZE_MAX;
    r->musl_libc = SIZE_MAX;
    if (!d->interp)
        return;
    size_t ii = add_obj(r, d->interp, SIZE_MAX);
    if (ii == SIZE_MAX)
        return;
    lp_dep_obj *io = &d->objs[ii];
    io->rule = LP_RULE_INTERP;
    pathinfo *pi = path_lookup(ld, d->interp);
    if (!pi || pi->type != LP_FT_REG) {
        const char *other = d->root_libc != d->binary_libc && d->root_libc != LP_LIBC_UNKNOWN &&
                                    d->binary_libc != LP_LIBC_UNKNOWN
                                ? lp_libc_name(d->root_libc)
                                : NULL;
        if (other) {
            problem(r, LP_PROB_LIBC_MISMATCH, ii,
                    "%s binary on a %s root: its interpreter %s is not in the root, which has %s's "
                    "loader %s",
                    lp_libc_name(d->binary_libc), other, d->interp, other, d->root_loader);
        } else {
            problem(r, LP_PROB_INTERP_MISSING, ii,
                    "interpreter %s is not in the root (the kernel reports this as \"no such file\" "
                    "for the binary itself)",
                    d->interp);
        }
        return;
    }
    libinfo *li = lib_get(ld, pi->canon, r->flavour == LP_LIBC_GLIBC);
    if (!li) {
        run_oom(r);
        return;
    }
    io->path = strdup(d->interp);
    io->realpath = strdup(pi->canon);
    io->host_path = lp_root_host_path(ld->root, pi->canon);
    d->interp_path = strdup(pi->canon);
    r->info[ii] = li;
    if (li->rc != LP_OK) {
        problem(r, LP_PROB_INTERP_WRONG, ii, "interpreter %s: %s", d->interp,
                li->why ? li->why : "unreadable");
        r->info[ii] = NULL;
        return;
    }
    io->soname = xstrdup(li->soname);
    io->bits = li->bits;
    io->machine = li->machine;
    if (li->bits != main_li->bits || li->machine != main_li->machine || li->big != main_li->big)
        problem(r, LP_PROB_INTERP_WRONG, ii,
                "interpreter %s is %u-bit %s, the binary is %u-bit %s", d->interp, li->bits,
                li->machine_name ? li->machine_name : "?", main_li->bits,
                main_li->machine_name ? main_li->machine_name : "?");
    if (r->flavour == LP_LIBC_MUSL)
        r->musl_self = ii;
}

/* Where the file (whose host realpath is real) is in the root: its path inside a directory root, else its own path. */
static char *path_in_root(lp_ld *ld, const char *real)
{
    if (!ld->root_real_done) {
        ld->root_real_done = true;
        char *host_root = lp_root_host_path(ld->root, "/");
        if (host_root && !lp_root_is_host(ld->root))
            ld->root_real = host_realpath(ld, host_root);
        free(host_root);
    }
    const char *rr = ld->root_real;
    if (rr) {
        size_t l = strlen(rr);
        if (strncmp(real, rr, l) == 0 && (real[l] == '/' || real[l] == '\0'))
            return strdup(real[l] ? real + l : "/");
    }
    return strdup(real);
}

lp_code lp_deps_resolve(lp_ld *ld, const char *file, lp_deps **out, lp_err *err)
{
    return lp_deps_resolve_flags(ld, file, 0, out, err);
}

lp_code lp_deps_resolve_flags(lp_ld *ld, const char *file, unsigned flags, lp_deps **out,
                              lp_err *err)
{
    *out = NULL;
    lp_src *src = NULL;
    bool in_root = (flags & LP_DEPS_IN_ROOT) != 0;
    lp_code rc = in_root ? lp_root_open(ld->root, file, &src, err) : lp_src_open(&src, file, err);
    if (rc != LP_OK)
        return rc;
    libinfo *main_li = calloc(1, sizeof *main_li);
    lp_deps *d = calloc(1, sizeof *d);
    if (!main_li || !d) {
        free(main_li);
        free(d);
        lp_src_free(&src);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    libinfo_fill(main_li, src, true);
    lp_src_free(&src);
    if (main_li->rc != LP_OK) {
        rc = lp_err_set(err, main_li->rc == LP_ERR_UNSUPPORTED ? LP_ERR_UNSUPPORTED : main_li->rc,
                        "%s", main_li->why ? main_li->why : "unreadable");
        libinfo_free(main_li);
        free(d);
        return rc;
    }
    run r = {.ld = ld, .d = d, .bits = main_li->bits, .machine = main_li->machine,
             .big = main_li->big, .e_flags = main_li->e_flags};
    r.arch = arch_find(r.machine, r.bits, r.big, r.e_flags);
    d->file = strdup(file);
    d->in_root = in_root;
    d->root = strdup(lp_root_label(ld->root));
    d->interp = xstrdup(main_li->interp);
    d->is_static = !main_li->interp && main_li->n_needed == 0;
    size_t m = add_obj(&r, file, SIZE_MAX);
    if (m != SIZE_MAX) {
        lp_dep_obj *o = &d->objs[0];
        o->rule = LP_RULE_MAIN;
        if (in_root) {
            /* a file of the root itself: its links resolved inside the root */
            lp_err e2;
            lp_err_clear(&e2);
            if (lp_root_realpath(ld->root, file, &o->realpath, NULL, &e2) != LP_OK)
                o->realpath = NULL;
            o->host_path = o->realpath ? lp_root_host_path(ld->root, o->realpath) : NULL;
        } else {
            o->host_path = host_realpath(ld, file);
            o->realpath = o->host_path ? path_in_root(ld, o->host_path) : NULL;
        }
        o->path = xstrdup(o->realpath);
        o->soname = xstrdup(main_li->soname);
        o->bits = main_li->bits;
        o->machine = main_li->machine;
        r.info[0] = main_li;
    }
    if (!d->is_static && m != SIZE_MAX) {
        interp_checks(&r, main_li);
        setup_env(&r);
        if (r.flavour == LP_LIBC_GLIBC) {
            read_glibc_config(ld);
            setup_rules(&r);
            if (ld->cache) {
                d->ldcache = strdup("/etc/ld.so.cache");
                if (lp_ldcache_problem(ld->cache))
                    problem(&r, LP_PROB_BAD_CACHE, 0,
                            "%s: the extension directory is ignored, as the loader ignores it "
                            "(its entries are used, its glibc-hwcaps entries are not)",
                            lp_ldcache_problem(ld->cache));
            } else if (ld->cache_problem) {
                problem(&r, LP_PROB_BAD_CACHE, 0, "%s: ignored, as the loader ignores it",
                        ld->cache_problem);
            } else if (d->root_libc == LP_LIBC_GLIBC) {
                problem(&r, LP_PROB_NO_CACHE, 0,
                        "no /etc/ld.so.cache in the root: the loader searches only the default "
                        "directories after RPATH, LD_LIBRARY_PATH and RUNPATH");
            }
        }
        /* breadth-first, as both loaders map dependencies */
        for (size_t i = 0; i < d->n_objs && !r.oom; i++) {
            libinfo *li = r.info[i];
            if (!li || li->rc != LP_OK || li->n_needed == 0 || !d->objs[i].path)
                continue;
            if (i > 0 && d->objs[i].rule == LP_RULE_INTERP)
                continue;
            lp_dep_obj *o = &d->objs[i];
            o->children = malloc(li->n_needed * sizeof *o->children);
            if (!o->children) {
                run_oom(&r);
                break;
            }
            for (size_t k = 0; k < li->n_needed; k++) {
                size_t c = resolve_needed(&r, i, li->needed[k]);
                o = &d->objs[i]; /* objs may have moved */
                o->children[k] = c;
                if (c == SIZE_MAX && d->n_objs >= LP_DEPS_MAX_OBJS) {
                    problem(&r, LP_PROB_LIMIT, i, "more than %u objects: the rest is not resolved",
                            (unsigned)LP_DEPS_MAX_OBJS);
                    goto done;
                }
            }
        }
done:
        if (r.conf_used) {
            /* the stale-cache answers rest on the part of ld.so.conf that was read */
            const lp_dirlist *conf = glibc_conf(ld);
            for (size_t i = 0; i < conf->n_skipped; i++)
                problem(&r, LP_PROB_LDCONF_LIMIT, 0,
                        "/etc/ld.so.conf: %s; a library not found is looked for only in the "
                        "directories of what was read",
                        conf->skipped[i]);
        }
        if (r.flavour == LP_LIBC_GLIBC) {
            d->versions_checked = true;
            check_versions(&r);
        } else if (r.flavour == LP_LIBC_MUSL) {
            problem(&r, LP_PROB_VERSIONS_SKIPPED, 0,
                    "symbol versions not checked: musl's loader ignores them");
        }
    }
    /* needed lists for the report */
    for (size_t i = 0; i < d->n_objs; i++) {
        libinfo *li = r.info[i];
        lp_dep_obj *o = &d->objs[i];
        if (!li || li->rc != LP_OK || !li->n_needed || o->needed)
            continue;
        o->needed = calloc(li->n_needed, sizeof *o->needed);
        if (!o->needed)
            continue;
        for (size_t k = 0; k < li->n_needed; k++)
            if ((o->needed[k] = strdup(li->needed[k])) != NULL)
                o->n_needed = k + 1;
        if (!o->children) {
            o->children = malloc(li->n_needed * sizeof *o->children);
            if (o->children)
                for (size_t k = 0; k < li->n_needed; k++)
                    o->children[k] = SIZE_MAX;
        }
    }
    for (size_t i = 0; i < 6; i++)
        free(r.defaults[i]);
    free(r.vrules);
    free(r.vnames);
    free(r.info);
    free(r.keys);
    libinfo_free(main_li);
    if (r.oom) {
        lp_deps_free(&d);
        return lp_err_set(err, LP_ERR_NOMEM, "out of memory");
    }
    *out = d;
    return LP_OK;
}

void lp_deps_free(lp_deps **pd)
{
    if (!pd || !*pd)
        return;
    lp_deps *d = *pd;
    for (size_t i = 0; i < d->n_objs; i++) {
        lp_dep_obj *o = &d->objs[i];
        free(o->name);
        free(o->path);
        free(o->realpath);
        free(o->host_path);
        free(o->rule_detail);
        free(o->soname);
        for (size_t k = 0; k < o->n_needed; k++)
            free(o->needed[k]);
        free(o->needed);
        free(o->children);
        for (size_t k = 0; k < o->n_skipped; k++) {
            free(o->skipped[k].path);
            free(o->skipped[k].why);
        }
        free(o->skipped);
    }
    free(d->objs);
    for (size_t i = 0; i < d->n_problems; i++) {
        lp_problem *p = &d->problems[i];
        free(p->text);
        free(p->version);
        free(p->library);
        free(p->provided);
        for (size_t k = 0; k < p->n_symbols; k++)
            free(p->symbols[k]);
        free(p->symbols);
    }
    free(d->problems);
    for (size_t i = 0; i < d->n_hwcaps; i++)
        free(d->hwcaps[i]);
    free(d->hwcaps);
    for (size_t i = 0; i < d->n_legacy_hwcaps; i++)
        free(d->legacy_hwcaps[i]);
    free(d->legacy_hwcaps);
    free(d->glibc_version);
    free(d->glibc_version_from);
    free(d->cpu);
    free(d->cpu_assumed);
    free(d->platform);
    free(d->file);
    free(d->root);
    free(d->interp);
    free(d->interp_path);
    free(d->root_loader);
    free(d->ldcache);
    free(d);
    *pd = NULL;
}

const char *lp_libc_name(lp_libc libc)
{
    switch (libc) {
    case LP_LIBC_GLIBC: return "glibc";
    case LP_LIBC_MUSL: return "musl";
    default: return "unknown";
    }
}

const char *lp_rule_name(lp_rule rule)
{
    static const char *const names[] = {
        [LP_RULE_NONE] = "not-found",
        [LP_RULE_MAIN] = "main",
        [LP_RULE_INTERP] = "interpreter",
        [LP_RULE_PATH] = "path",
        [LP_RULE_RPATH] = "rpath",
        [LP_RULE_LD_LIBRARY_PATH] = "LD_LIBRARY_PATH",
        [LP_RULE_RUNPATH] = "runpath",
        [LP_RULE_LDCACHE] = "ld.so.cache",
        [LP_RULE_LDCONF] = "ld.so.conf",
        [LP_RULE_DEFAULT] = "default",
        [LP_RULE_MUSL_PATH] = "musl-path-file",
        [LP_RULE_MUSL_LIBC] = "musl-libc",
    };
    return (unsigned)rule < sizeof names / sizeof names[0] && names[rule] ? names[rule] : "?";
}

const char *lp_problem_name(lp_problem_kind kind)
{
    switch (kind) {
    case LP_PROB_INTERP_MISSING: return "interpreter-missing";
    case LP_PROB_INTERP_WRONG: return "interpreter-wrong";
    case LP_PROB_LIBC_MISMATCH: return "libc-mismatch";
    case LP_PROB_NOT_FOUND: return "not-found";
    case LP_PROB_VERSION_MISSING: return "version-missing";
    case LP_PROB_BAD_LIBRARY: return "bad-library";
    case LP_PROB_STALE_CACHE: return "stale-cache";
    case LP_PROB_LIMIT: return "limit";
    case LP_PROB_CPU_DEPENDENT: return "cpu-dependent";
    case LP_PROB_CPU_DEPENDENT_PATH: return "cpu-dependent-path";
    case LP_PROB_WEAK_VERSION: return "weak-version";
    case LP_PROB_NO_VERDEF: return "no-verdef";
    case LP_PROB_BAD_CACHE: return "bad-cache";
    case LP_PROB_VERSIONS_SKIPPED: return "versions-skipped";
    case LP_PROB_NO_CACHE: return "no-cache";
    case LP_PROB_LDCONF_LIMIT: return "ldconf-limit";
    default: return "?";
    }
}
