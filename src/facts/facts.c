/*
 * facts.c - gather the facts about one file, once, for every view.
 *
 * Owns: the order in which readers run and the rules that turn raw facts into
 * the derived ones (static, PIE, stripped) and into notes where the build's
 * own record disagrees with the binary. Reads only what these questions need:
 * headers, notes, the dynamic section and at most 64 KiB for build info.
 */
#include "linkproof/facts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkproof/go.h"

#include "linkproof/ldflags.h"
#include "linkproof/xvar.h"


static lp_code nomem(lp_err *err) { return lp_err_set(err, LP_ERR_NOMEM, "out of memory"); }

static bool add_note(lp_facts *f, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool add_note(lp_facts *f, const char *id, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    lp_note *nn = realloc(f->notes, (f->n_notes + 1) * sizeof *nn);
    if (!nn)
        return false;
    f->notes = nn;
    lp_note *n = &f->notes[f->n_notes];
    n->id = strdup(id);
    n->text = strdup(buf);
    if (!n->id || !n->text) {
        free(n->id);
        free(n->text);
        return false;
    }
    f->n_notes++;
    return true;
}

static bool starts_with(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

static void scan_sections(lp_facts *f, const lp_obj *obj)
{
    f->has_sections = lp_obj_section_count(obj) > 0;
    f->symtab = lp_obj_has_symtab(obj);
    for (size_t i = 0; i < lp_obj_section_count(obj); i++) {
        const lp_section *s = lp_obj_section_at(obj, i);
        /* ELF and PE name them .debug_* / .zdebug_*, Mach-O __debug_* / __zdebug_* */
        bool z = starts_with(s->name, ".zdebug_") || starts_with(s->name, "__zdebug_");
        if (!z && !starts_with(s->name, ".debug_") && !starts_with(s->name, "__debug_"))
            continue;
        f->dwarf = true;
        f->n_dwarf_sections++;
        if (z || (s->flags & LP_SHF_COMPRESSED))
            f->dwarf_compressed = true;
    }
}

static void derive_linkage(lp_facts *f)
{
    lp_linkage *l = &f->linkage;
    l->is_static = !l->dyn.interp && l->dyn.n_needed == 0;
    l->pie_flag = l->dyn.has_flags_1 && (l->dyn.flags_1 & LP_DF_1_PIE);
    /* A shared library is ET_DYN too; it is a PIE only if it says so or can be run. */
    l->pie = f->info.type == LP_ET_DYN && (l->pie_flag || (l->dyn.interp && !l->dyn.soname));
    switch (f->info.type) {
    case LP_ET_REL: l->kind = "relocatable"; break;
    case LP_ET_EXEC: l->kind = "executable"; break;
    case LP_ET_DYN: l->kind = l->pie ? "pie" : "shared-library"; break;
    case LP_ET_CORE: l->kind = "core"; break;
    default: l->kind = "unknown"; break;
    }
}

/* RELRO, NX and RWX from the program headers (checksec's definitions). */
static void derive_hardening(lp_facts *f, const lp_obj *obj)
{
    lp_linkage *l = &f->linkage;
    bool relro = false;
    for (size_t i = 0; i < lp_obj_segment_count(obj); i++) {
        const lp_segment *s = lp_obj_segment_at(obj, i);
        if (s->type == LP_PT_GNU_RELRO)
            relro = true;
        else if (s->type == LP_PT_GNU_STACK) {
            l->gnu_stack = true;
            l->exec_stack = (s->flags & LP_SEG_X) != 0;
        } else if (s->type == LP_PT_LOAD && (s->flags & (LP_SEG_X | LP_SEG_W)) == (LP_SEG_X | LP_SEG_W))
            l->n_rwx++;
    }
    l->nx = l->gnu_stack && !l->exec_stack;
    l->relro = !relro ? "none" : l->dyn.bind_now ? "full" : "partial";
}

/*
 * Does read-only data hold one of these strings? Read-only data is the loaded segments that
 * are neither writable nor executable; a layout without one (read-only data merged into the
 * text segment) has its text searched instead. Bounded per segment.
 */
static bool rodata_has(lp_obj *obj, const char *const *needles, size_t n)
{
    bool separate = false;
    for (size_t i = 0; i < lp_obj_segment_count(obj); i++) {
        const lp_segment *s = lp_obj_segment_at(obj, i);
        separate |= s->type == LP_PT_LOAD && !(s->flags & (LP_SEG_W | LP_SEG_X)) && s->filesz;
    }
    for (size_t i = 0; i < lp_obj_segment_count(obj); i++) {
        const lp_segment *s = lp_obj_segment_at(obj, i);
        if (s->type != LP_PT_LOAD || (s->flags & LP_SEG_W) || s->filesz == 0 ||
            s->filesz > (256u << 20) || (separate && (s->flags & LP_SEG_X)))
            continue;
        lp_region r;
        lp_err e;
        if (lp_src_region(lp_obj_source(obj), s->off, (size_t)s->filesz, "data", &r, &e) != LP_OK)
            continue;
        bool hit = false;
        for (size_t k = 0; k < n && !hit; k++)
            hit = memmem(r.data, r.len, needles[k], strlen(needles[k])) != NULL;
        lp_region_release(&r);
        if (hit)
            return true;
    }
    return false;
}

/* Which C library a static binary with cgo code carries: glibc leaves its own markers. */
static const char *static_libc(lp_obj *obj)
{
    static const char *const glibc[] = {"GLIBC_PRIVATE", "glibc.malloc.", "glibc.rtld."};
    return rodata_has(obj, glibc, 3) ? "glibc" : "unknown";
}

/* Where the build's record and the binary disagree: one line each. */
static bool check_record(lp_facts *f, lp_obj *obj)
{
    const lp_buildinfo *bi = f->go;
    const lp_linkage *l = &f->linkage;
    bool elf = f->info.format == LP_FMT_ELF; /* linkage is read from ELF only */
    bool static_exe = elf && l->is_static && f->info.type != LP_ET_DYN;
    const char *cgo = bi ? lp_buildinfo_setting(bi, "CGO_ENABLED") : NULL;
    bool cgo_on = cgo && strcmp(cgo, "1") == 0;
    if (static_exe && f->pcln && f->cgo_linked) {
        /* cgo code in a static binary: its C library was linked in (-extldflags=-static) */
        f->static_libc = static_libc(obj);
        bool glibc = strcmp(f->static_libc, "glibc") == 0;
        if (!add_note(f, "static-libc",
                      "cgo code and %s are linked statically: the binary needs no loader or shared "
                      "libraries to start",
                      glibc ? "glibc" : "a C library"))
            return false;
        if (glibc && (f->user_cgo || (f->resolver && strcmp(f->resolver, "cgo") == 0)) &&
            !add_note(f, "static-glibc-nss",
                      "glibc is linked statically and the program %s through it: static glibc "
                      "still loads an NSS module (libnss_*.so.2) at run time for every source "
                      "/etc/nsswitch.conf names beyond files and dns (built in since glibc 2.34), "
                      "and it must come from the same glibc version (the linker warned); where "
                      "it is missing (scratch, distroless, musl images) that source is skipped "
                      "without an error, and one from another glibc can crash the process; build "
                      "with CGO_ENABLED=0 or -tags netgo,osusergo instead",
                      f->user_cgo && f->resolver && strcmp(f->resolver, "cgo") == 0
                          ? "resolves names (getaddrinfo) and users (getpwnam)"
                      : f->user_cgo ? "looks up users (getpwnam)"
                                    : "resolves names (getaddrinfo)"))
            return false;
    }
    if (cgo_on && static_exe && f->pcln && !f->cgo_linked &&
        !add_note(f, "cgo-static",
                  "CGO_ENABLED=1 is recorded but the binary is static with no interpreter and no "
                  "cgo code: no package used cgo, so nothing from libc was linked"))
        return false;
    if (cgo_on && f->pcln && !f->cgo_linked && !static_exe &&
        !add_note(f, "cgo-unused",
                  "CGO_ENABLED=1 is recorded but no cgo code is in the function table "
                  "(no runtime/cgo, crosscall2 or _Cfunc_ functions): no package used cgo"))
        return false;
    if (cgo && strcmp(cgo, "0") == 0 && f->cgo_linked &&
        !add_note(f, "cgo-mismatch", "CGO_ENABLED=0 is recorded but cgo code is linked"))
        return false;
    if (cgo && strcmp(cgo, "0") == 0 && l->dyn.n_needed > 0 &&
        !add_note(f, "nocgo-dynamic",
                  "CGO_ENABLED=0 is recorded but the binary needs shared libraries (%s%s)",
                  l->dyn.needed[0], l->dyn.n_needed > 1 ? ", ..." : ""))
        return false;
    /* a PIE with no C code still asks the dynamic loader to relocate it */
    if (elf && l->pie && l->dyn.interp && !l->dyn.n_needed && f->pcln && !f->cgo_linked &&
        !add_note(f, "pie-needs-loader",
                  "a PIE without cgo code still asks for the dynamic loader %s (PT_INTERP) to "
                  "relocate it: it will not start in scratch or distroless/static images, nor "
                  "where that loader is missing (musl); build with -buildmode=exe, or link with "
                  "-ldflags '-linkmode=external -extldflags=-static-pie'",
                  l->dyn.interp))
        return false;
    /* plugin's stub (no cgo) is often inlined away, leaving only its error text */
    static const char *const plugin_stub[] = {"plugin: not implemented"};
    if (f->pcln && !f->plugin_cgo && !f->plugin_linked && rodata_has(obj, plugin_stub, 1))
        f->plugin_linked = true;
    if (f->plugin_linked && !f->plugin_cgo &&
        !add_note(f, "plugin-unusable",
                  "package plugin is linked without its cgo implementation: plugin.Open always "
                  "fails (\"plugin: not implemented\"); plugins need CGO_ENABLED=1 on linux, "
                  "darwin or freebsd"))
        return false;
    if (!bi)
        return true;

    const char *mode = lp_buildinfo_setting(bi, "-buildmode");
    if (elf && mode && strcmp(mode, "pie") == 0 && !l->pie &&
        !add_note(f, "pie-mismatch", "-buildmode=pie is recorded but the binary is not a PIE"))
        return false;
    if (elf && mode && strcmp(mode, "exe") == 0 && l->pie &&
        !add_note(f, "pie-mismatch", "-buildmode=exe is recorded but the binary is a PIE"))
        return false;

    const char *goarch = lp_buildinfo_setting(bi, "GOARCH");
    if (goarch && f->info.goarch && strcmp(goarch, f->info.goarch) != 0 &&
        !add_note(f, "goarch-mismatch", "GOARCH=%s is recorded but the machine is %s (%s)",
                  goarch, f->machine, f->info.goarch))
        return false;

    /* Stripping: compare -s/-w in the recorded -ldflags with the sections present, only where
       the record says what -ldflags were (Go 1.18+ settings, -ldflags not dropped by -trimpath) */
    if (lp_xrecord_of(bi) != LP_XREC_KNOWN || !f->has_sections)
        return true;
    const char *ld = lp_buildinfo_setting(bi, "-ldflags");
    lp_strv args = {0};
    lp_err e2;
    if (ld && lp_go_split_quoted(ld, &args, &e2) != LP_OK)
        return e2.code != LP_ERR_NOMEM;
    bool s = lp_ldflags_bool(&args, "s"), w = lp_ldflags_bool(&args, "w");
    lp_strv_release(&args);
    bool ok = true;
    if (s && f->symtab)
        ok = add_note(f, "symtab-kept", "-ldflags has -s but the binary has a symbol table%s",
                      f->info.format == LP_FMT_MACHO ? " (Go's Mach-O linker keeps it)" : "");
    else if (!s && !f->symtab)
        ok = add_note(f, "stripped-after-build",
                      "no -s in the recorded -ldflags, yet there is no symbol table: "
                      "the binary was stripped after the build (strip, objcopy)");
    if (ok && (s || w) && f->dwarf)
        ok = add_note(f, "dwarf-kept", "-ldflags has %s but the binary has DWARF sections",
                      w ? "-w" : "-s");
    else if (ok && !s && !w && f->symtab && !f->dwarf)
        ok = add_note(f, "dwarf-removed",
                      "no -w in the recorded -ldflags, yet there are no DWARF sections: "
                      "debug information was removed after the build");
    return ok;
}

/* ---- the function table: packages, initializers, cgo evidence ---- */

/*
 * Functions only a cgo build has: runtime/cgo's own, its assembly entry points
 * (crosscall2, _cgo_panic, _cgo_topofstack, x_cgo_*), and the Go wrappers cgo
 * generates for each C call (PKG._Cfunc_NAME, PKG._cgo_...).
 */
static bool is_cgo_func(const char *name, size_t pkg_len)
{
    return strncmp(name, "_cgo_", 5) == 0 || strncmp(name, "x_cgo_", 6) == 0 ||
           strcmp(name, "crosscall2") == 0 || strncmp(name + pkg_len, "._Cfunc_", 8) == 0 ||
           strncmp(name + pkg_len, "._cgo_", 6) == 0 ||
           (pkg_len == 11 && strncmp(name, "runtime/cgo", 11) == 0);
}

/* What the function table says about name resolution, user lookups and plugins. */
typedef struct markers {
    bool net;          /* package net */
    bool net_cgo;      /* net's cgo resolver: getaddrinfo through cgo */
    bool win_resolver; /* syscall.GetAddrInfoW: Windows resolves through the system */
} markers;

static bool pkg_is(const char *nm, size_t pl, const char *pkg)
{
    return pl == strlen(pkg) && strncmp(nm, pkg, pl) == 0;
}

static void marks(lp_facts *f, const char *nm, size_t pl, markers *m)
{
    if (pkg_is(nm, pl, "net")) {
        m->net = true;
        /* cgo's wrappers for C.getaddrinfo: _Cfunc_ (Go 1.x) or _C2func_ (errno-returning) */
        if (strncmp(nm + pl, "._C2func_getaddrinfo", 20) == 0 ||
            strncmp(nm + pl, "._Cfunc_getaddrinfo", 19) == 0)
            m->net_cgo = true;
    } else if (pkg_is(nm, pl, "os/user")) {
        if (strncmp(nm + pl, "._Cfunc_", 8) == 0 || strncmp(nm + pl, "._C2func_", 9) == 0)
            f->user_cgo = true;
    } else if (pkg_is(nm, pl, "plugin")) {
        f->plugin_linked = true;
        if (strncmp(nm + pl, "._Cfunc_", 8) == 0 || strncmp(nm + pl, "._C2func_", 9) == 0)
            f->plugin_cgo = true;
    } else if (pkg_is(nm, pl, "syscall") && strcmp(nm + pl, ".GetAddrInfoW") == 0) {
        m->win_resolver = true;
    }
}

static bool has_tag(const lp_buildinfo *bi, const char *tag)
{
    const char *tags = bi ? lp_buildinfo_setting(bi, "-tags") : NULL;
    size_t tl = strlen(tag);
    for (const char *p = tags; p && *p;) {
        size_t n = strcspn(p, ",");
        if (n == tl && strncmp(p, tag, tl) == 0)
            return true;
        p += n + (p[n] == ',');
    }
    return false;
}

static void resolver(lp_facts *f, const markers *m)
{
    if (!m->net) {
        f->resolver = "none";
        f->resolver_why = "package net is not linked, so the program resolves no names itself";
    } else if (m->win_resolver) {
        f->resolver = "system";
        f->resolver_why = "Windows: names are resolved by the system (GetAddrInfoW)";
    } else if (m->net_cgo) {
        f->resolver = "cgo";
        f->resolver_why =
            has_tag(f->go, "netcgo")
                ? "libc's getaddrinfo and its NSS modules are linked in, and -tags netcgo makes "
                  "them the default; GODEBUG=netdns=go switches to Go's resolver"
                : "libc's getaddrinfo (and with it the NSS modules of /etc/nsswitch.conf) is linked "
                  "in beside Go's resolver; Go picks it when nsswitch.conf or resolv.conf need "
                  "libc, and GODEBUG=netdns=go|cgo switches at run time";
    } else {
        f->resolver = "go";
        f->resolver_why =
            has_tag(f->go, "netgo")
                ? "Go's own resolver only (-tags netgo): /etc/hosts, /etc/resolv.conf and the "
                  "hosts line of /etc/nsswitch.conf; no libc, no NSS modules, and GODEBUG=netdns=cgo "
                  "cannot switch to one that is not linked"
                : "Go's own resolver only (no cgo resolver is linked): /etc/hosts, /etc/resolv.conf "
                  "and the hosts line of /etc/nsswitch.conf; no NSS modules (LDAP, mDNS, sssd "
                  "lookups do not happen), and GODEBUG=netdns=cgo cannot switch";
    }
}

/* Returns false only when memory ran out. */
static bool gather_funcs(lp_facts *f, lp_obj *obj)
{
    lp_err e;
    lp_err_clear(&e);
    lp_code rc = lp_pclntab_read(obj, &f->pcln, &e);
    if (rc == LP_ERR_NOMEM)
        return false;
    if (rc == LP_ERR_NOTFOUND)
        return true;
    if (rc) {
        f->pcln_error = e;
        return add_note(f, "pclntab-unreadable", "the Go function table cannot be read: %s", e.msg);
    }
    const lp_pclntab *t = f->pcln;
    lp_pcln_version v = lp_pclntab_get_info(t)->version;
    size_t n = lp_pclntab_count(t);
    /* packages grouped once, as every view groups them (go/packages.c) */
    lp_code prc = lp_pclntab_packages(t, &f->pkgs, &f->n_pkgs, &e);
    f->inits = malloc((n ? n : 1) * sizeof *f->inits);
    f->cgo_evidence = malloc(8 * sizeof *f->cgo_evidence);
    if (prc || !f->inits || !f->cgo_evidence)
        return false;
    markers m = {0};
    for (size_t i = 0; i < n; i++) {
        const char *nm = lp_pclntab_func(t, i)->name;
        size_t pl = lp_go_package_len(nm, v);
        if (lp_go_is_init(nm, pl))
            f->inits[f->n_inits++] = nm;
        if (is_cgo_func(nm, pl)) {
            if (f->n_cgo_evidence < 8)
                f->cgo_evidence[f->n_cgo_evidence++] = nm;
            f->n_cgo_funcs++;
            f->cgo_linked = true;
        }
        marks(f, nm, pl, &m);
    }
    resolver(f, &m);
    return true;
}

/* ---- Go version without build info ---- */

/* Which minor versions a pclntab layout allows. */
static void minor_range(lp_pcln_version v, int *lo, int *hi)
{
    switch (v) {
    case LP_PCLN_12: *lo = 2, *hi = 15; break;
    case LP_PCLN_116: *lo = 16, *hi = 17; break;
    case LP_PCLN_118: *lo = 18, *hi = 19; break;
    case LP_PCLN_120: *lo = 20, *hi = 1000; break;
    default: *lo = 0, *hi = 1000; break;
    }
}

/* Length of a Go version string at p ("go1.N", "go1.N.P", "go1.NrcK", "go1.NbetaK"), 0 if none. */
static size_t version_len(const uint8_t *p, size_t n, int *minor)
{
    if (n < 5 || memcmp(p, "go1.", 4) != 0 || p[4] < '0' || p[4] > '9')
        return 0;
    size_t i = 4;
    int m = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9' && m < 1000)
        m = m * 10 + (p[i++] - '0');
    if (i < n && p[i] == '.' && i + 1 < n && p[i + 1] >= '0' && p[i + 1] <= '9') {
        i++;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
    } else {
        for (const char *suf = "rc"; suf; suf = strcmp(suf, "rc") == 0 ? "beta" : NULL) {
            size_t sl = strlen(suf);
            if (i + sl < n && memcmp(p + i, suf, sl) == 0 && p[i + sl] >= '0' && p[i + sl] <= '9') {
                i += sl;
                while (i < n && p[i] >= '0' && p[i] <= '9')
                    i++;
                break;
            }
        }
    }
    *minor = m;
    return i;
}

static void version_fallback(lp_facts *f, lp_obj *obj)
{
    lp_err e;
    lp_symbol *syms = NULL;
    size_t n = 0;
    uint64_t at = 0;
    if (lp_obj_symbols(obj, &syms, &n, &e) == LP_OK) {
        for (size_t i = 0; i < n; i++)
            if (strcmp(syms[i].name, "runtime.buildVersion") == 0) {
                at = syms[i].value;
                break;
            }
        lp_obj_symbols_free(&syms);
    }
    unsigned ps = f->info.bits == 64 ? 8 : 4;
    uint64_t p = 0, len = 0;
    char buf[64];
    if (at && lp_obj_read_ptr(obj, at, &p, &e) == LP_OK &&
        lp_obj_read_ptr(obj, at + ps, &len, &e) == LP_OK && len > 0 && len < sizeof buf &&
        lp_obj_read_vaddr(obj, p, buf, (size_t)len, &e) == LP_OK) {
        buf[len] = '\0';
        int minor;
        if (version_len((const uint8_t *)buf, (size_t)len, &minor) == len) {
            f->go_version_fallback = strdup(buf);
            f->go_version_source = "symbol runtime.buildVersion";
            return;
        }
    }
    /* scan read-only data for the runtime's version string, consistent with the table's layout */
    int lo, hi;
    minor_range(f->pcln ? lp_pclntab_get_info(f->pcln)->version : LP_PCLN_UNKNOWN, &lo, &hi);
    for (size_t i = 0; i < lp_obj_segment_count(obj); i++) {
        const lp_segment *s = lp_obj_segment_at(obj, i);
        if (s->type != LP_PT_LOAD || (s->flags & LP_SEG_X) || s->filesz == 0 || s->filesz > (64u << 20))
            continue;
        lp_region r;
        if (lp_src_region(lp_obj_source(obj), s->off, (size_t)s->filesz, "data", &r, &e) != LP_OK)
            continue;
        const uint8_t *d = r.data, *end = r.data + r.len;
        while (d < end) {
            const uint8_t *g = memmem(d, (size_t)(end - d), "go1.", 4);
            if (!g)
                break;
            int minor;
            size_t vl = version_len(g, (size_t)(end - g), &minor);
            if (vl && minor >= lo && minor <= hi && vl < sizeof buf) {
                memcpy(buf, g, vl);
                buf[vl] = '\0';
                f->go_version_fallback = strdup(buf);
                f->go_version_source = "runtime version string";
                lp_region_release(&r);
                return;
            }
            d = g + 4;
        }
        lp_region_release(&r);
    }
}

lp_code lp_facts_from_src(lp_src *src, lp_facts **out, lp_err *err)
{
    return lp_facts_from_src_opts(src, NULL, out, err);
}

lp_code lp_facts_from_src_opts(lp_src *src, const lp_facts_opts *opts, lp_facts **out,
                               lp_err *err)
{
    return lp_facts_from_src_flags(src, opts, 0, out, err);
}

lp_code lp_facts_from_src_flags(lp_src *src, const lp_facts_opts *opts, unsigned flags,
                                lp_facts **out, lp_err *err)
{
    *out = NULL;
    lp_facts *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(lp_src_name(src)))) {
        free(f);
        return nomem(err);
    }
    *out = f;
    lp_obj *obj = NULL;
    lp_code rc = lp_obj_open(&obj, src, &f->error);
    if (rc == LP_ERR_UNSUPPORTED) {
        /* a script, an empty file, a text file: readable, just not an object */
        lp_err_clear(&f->error);
        return LP_OK;
    }
    if (rc)
        goto fail;
    f->is_object = true;
    f->info = *lp_obj_info_get(obj);
    snprintf(f->machine, sizeof f->machine, "%s", f->info.machine_name);
    f->info.machine_name = f->machine;
    scan_sections(f, obj);

    if ((rc = lp_obj_dynamic(obj, &f->linkage.dyn, &f->error)))
        goto fail;
    derive_linkage(f);
    if (f->info.format == LP_FMT_ELF)
        derive_hardening(f, obj);

    rc = lp_buildinfo_read(obj, &f->go, &f->error);
    if (rc == LP_ERR_NOTFOUND || rc == LP_ERR_UNSUPPORTED) {
        /* no blob, or no writable segment holding one: not Go by build info */
        lp_err_clear(&f->error);
        rc = LP_OK;
    }
    if (rc)
        goto fail;
    if ((rc = lp_go_buildid(obj, &f->go_build_id, &f->go_build_id_src, &f->error)))
        goto fail;
    if ((rc = lp_gnu_buildid(obj, &f->gnu_build_id, &f->error)))
        goto fail;
    f->identity_only = (flags & LP_FACTS_IDENTITY) != 0;
    if (!f->identity_only && !gather_funcs(f, obj)) {
        rc = nomem(&f->error);
        goto fail;
    }
    f->is_go = f->go || f->go_build_id || f->pcln;
    if (f->go) {
        f->go_version_source = "buildinfo";
    } else if (f->is_go) {
        version_fallback(f, obj);
        if (!add_note(f, "no-buildinfo",
                      "a Go binary without build info (go version -m calls it \"not a Go "
                      "executable\"): the build-info blob was removed or zeroed"))
            rc = nomem(&f->error);
    }
    if (!rc && !check_record(f, obj))
        rc = nomem(&f->error);
    f->no_xvars = !f->identity_only && (flags & LP_FACTS_NO_XVARS);
    if (!rc && f->is_go && !f->identity_only && !f->no_xvars)
        rc = lp_xvars_check(obj, f, opts ? opts->vars : NULL, opts ? opts->n_vars : 0, &f->x,
                            &f->error);
    if (rc)
        goto fail;
    lp_obj_free(&obj);
    return LP_OK;
fail:
    lp_obj_free(&obj);
    if (err)
        *err = f->error;
    return rc;
}

lp_code lp_facts_collect(const char *path, lp_facts **out, lp_err *err)
{
    return lp_facts_collect_opts(path, NULL, out, err);
}

/* The facts of a file that could not be opened: its name and the error (also in *err). */
static lp_code unreadable(const char *name, const lp_err *e, lp_facts **out, lp_err *err)
{
    lp_facts *f = calloc(1, sizeof *f);
    if (f && !(f->path = strdup(name))) {
        free(f);
        f = NULL;
    }
    if (!f)
        return nomem(err);
    f->error = *e;
    *out = f;
    if (err)
        *err = *e;
    return e->code;
}

lp_code lp_facts_collect_opts(const char *path, const lp_facts_opts *opts, lp_facts **out,
                              lp_err *err)
{
    return lp_facts_collect_flags(path, opts, 0, out, err);
}

lp_code lp_facts_collect_flags(const char *path, const lp_facts_opts *opts, unsigned flags, lp_facts **out,
                               lp_err *err)
{
    *out = NULL;
    lp_src *src = NULL;
    lp_err e;
    lp_err_clear(&e);
    lp_code rc = lp_src_open(&src, path, &e);
    if (rc)
        return unreadable(path, &e, out, err);
    rc = lp_facts_from_src_flags(src, opts, flags, out, err);
    lp_src_free(&src);
    return rc;
}

lp_code lp_facts_collect_in_root(lp_root *root, const char *path, const lp_facts_opts *opts,
                                 lp_facts **out, lp_err *err)
{
    *out = NULL;
    lp_src *src = NULL;
    lp_err e;
    lp_err_clear(&e);
    lp_code rc = lp_root_open(root, path, &src, &e);
    if (rc) {
        char *name = NULL;
        if (asprintf(&name, "%s:%s", lp_root_label(root), path) < 0)
            return nomem(err);
        rc = unreadable(name, &e, out, err);
        free(name);
        return rc;
    }
    rc = lp_facts_from_src_opts(src, opts, out, err);
    lp_src_free(&src);
    return rc;
}

void lp_facts_free(lp_facts **pf)
{
    if (!pf || !*pf)
        return;
    lp_facts *f = *pf;
    free(f->path);
    lp_buildinfo_free(&f->go);
    free(f->go_build_id);
    free(f->gnu_build_id);
    lp_dynamic_release(&f->linkage.dyn);
    for (size_t i = 0; i < f->n_notes; i++) {
        free(f->notes[i].id);
        free(f->notes[i].text);
    }
    free(f->notes);
    lp_pclntab_free(&f->pcln);
    lp_xreport_release(&f->x);
    free(f->pkgs);
    free(f->inits);
    free(f->cgo_evidence);
    free(f->go_version_fallback);
    free(f);
    *pf = NULL;
}
