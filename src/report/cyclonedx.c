/*
 * cyclonedx.c - the CycloneDX format: one CycloneDX 1.6 JSON BOM per file
 * (one line each), for `inspect` (lp_facts) and `vulns` (lp_doc_vulns, which
 * adds the `vulnerabilities` section). docs/sbom.md describes the mapping:
 *
 *   metadata.component  the main module (type application), with the build
 *                       settings as properties: cdx:gomod:build:env:GOOS,
 *                       GOARCH, CGO_ENABLED, GOVERSION and cdx:gomod:build:tag
 *                       (the property taxonomy's names), every other setting
 *                       as linkproof:gomod:build:KEY
 *   components          every dependency (purl pkg:golang/PATH@VERSION?type=module;
 *                       its h1: sum as a SHA-256 hash in hex, and verbatim as
 *                       linkproof:gomod:sum); a replacement is the component,
 *                       the module it replaces its pedigree ancestor; the
 *                       standard library as "std" (pkg:golang/std@goX.Y.Z, as
 *                       cyclonedx-gomod names it); each with the packages the
 *                       function table shows linked (linkproof:package, one
 *                       property per package) and linkproof:linked
 *   dependencies        the main module depends on every component
 *   vulnerabilities     vulns only: one per finding, affects -> the component
 *
 * Invariants: every string from the binary goes through lp_json_str (invalid
 * UTF-8 becomes U+FFFD); bom-refs are unique within a BOM (a module path is
 * in the build info once, the standard library is "std").
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "linkproof/version.h"
#include "report/report_internal.h"

static void prop(json_t *props, const char *name, const char *value)
{
    json_t *p = json_object();
    json_object_set_new(p, "name", json_string(name));
    json_object_set_new(p, "value", lp_json_str(value ? value : ""));
    json_array_append_new(props, p);
}

/* purl of a Go module: pkg:golang/PATH@VERSION?type=module, PATH and VERSION percent-encoded. */
static char *purl(const char *path, const char *version)
{
    size_t n = strlen(path) + (version ? strlen(version) : 0);
    char *s = malloc(n * 3 + 40);
    if (!s)
        return NULL;
    char *w = s;
    w += sprintf(w, "pkg:golang/");
    for (int part = 0; part < 2; part++) {
        const char *in = part ? version : path;
        if (!in)
            continue;
        if (part)
            *w++ = '@';
        for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
            unsigned char c = *p;
            bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '.' || c == '-' || c == '_' || c == '~' || (c == '/' && !part);
            if (keep)
                *w++ = (char)c;
            else
                w += sprintf(w, "%%%02X", c);
        }
    }
    strcpy(w, "?type=module");
    return s;
}

/* "h1:BASE64(sha256)" -> 64 hex digits in @p hex; false when it is not one. */
static bool h1_hex(const char *sum, char hex[65])
{
    if (!sum || strncmp(sum, "h1:", 3) != 0 || strlen(sum + 3) != 44)
        return false;
    static const char *b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char out[33];
    size_t k = 0;
    unsigned acc = 0;
    int bits = 0;
    for (const char *p = sum + 3; *p && *p != '='; p++) {
        const char *q = strchr(b64, *p);
        if (!q || !*p)
            return false;
        acc = (acc << 6) | (unsigned)(q - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (k >= sizeof out)
                return false;
            out[k++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (k != 32)
        return false;
    for (size_t i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", out[i]);
    return true;
}

/* Which component a package belongs to: the longest module path prefix; "std" for the standard
 * library; the main module for "main". Returns the component index, or -1. */
typedef struct comp {
    const char *path;    /* module path as required ("std" for the standard library) */
    json_t *obj;
    json_t *props;
    bool linked;
} comp;

static int owner(const comp *c, size_t n, size_t main_idx, const char *pkg)
{
    if (strcmp(pkg, "main") == 0)
        return (int)main_idx;
    int best = -1;
    size_t best_len = 0;
    for (size_t i = 0; i < n; i++) {
        if (!c[i].path || strcmp(c[i].path, "std") == 0)
            continue;
        size_t m = strlen(c[i].path);
        if (m > best_len && strncmp(pkg, c[i].path, m) == 0 && (pkg[m] == '\0' || pkg[m] == '/')) {
            best = (int)i;
            best_len = m;
        }
    }
    if (best >= 0)
        return best;
    size_t e = strcspn(pkg, "/");
    if (!memchr(pkg, '.', e))
        for (size_t i = 0; i < n; i++)
            if (c[i].path && strcmp(c[i].path, "std") == 0)
                return (int)i;
    return -1;
}

static json_t *module_component(const lp_module *m, const char *type)
{
    const lp_module *code = m->replace && m->replace->version && *m->replace->version ? m->replace : m;
    bool dir_replace = m->replace && !(m->replace->version && *m->replace->version);
    json_t *c = json_object();
    char *p = purl(code->path, dir_replace ? NULL : code->version);
    json_object_set_new(c, "bom-ref", lp_json_str(p ? p : code->path));
    json_object_set_new(c, "type", json_string(type));
    json_object_set_new(c, "name", lp_json_str(code->path));
    if (!dir_replace && code->version && *code->version)
        json_object_set_new(c, "version", lp_json_str(code->version));
    if (p)
        json_object_set_new(c, "purl", lp_json_str(p));
    free(p);
    char hex[65];
    const char *sum = dir_replace ? NULL : code->sum;
    if (h1_hex(sum, hex)) {
        json_t *hs = json_array(), *h = json_object();
        json_object_set_new(h, "alg", json_string("SHA-256"));
        json_object_set_new(h, "content", json_string(hex));
        json_array_append_new(hs, h);
        json_object_set_new(c, "hashes", hs);
    }
    if (m->replace) {
        json_t *anc = json_object();
        char *op = purl(m->path, m->version);
        json_object_set_new(anc, "type", json_string(type));
        json_object_set_new(anc, "name", lp_json_str(m->path));
        if (m->version && *m->version)
            json_object_set_new(anc, "version", lp_json_str(m->version));
        if (op)
            json_object_set_new(anc, "purl", lp_json_str(op));
        free(op);
        json_t *ped = json_object(), *ancs = json_array();
        json_array_append_new(ancs, anc);
        json_object_set_new(ped, "ancestors", ancs);
        json_object_set_new(ped, "notes", json_string("replaced (go.mod replace directive)"));
        json_object_set_new(c, "pedigree", ped);
    }
    json_t *props = json_array();
    if (sum && *sum)
        prop(props, "linkproof:gomod:sum", sum);
    if (m->replace) {
        prop(props, "linkproof:gomod:replaced", m->path);
        if (m->version)
            prop(props, "linkproof:gomod:replaced:version", m->version);
        if (dir_replace)
            prop(props, "linkproof:gomod:replace:dir", m->replace->path);
    }
    json_object_set_new(c, "properties", props);
    return c;
}

static const char *const taxonomy[] = {"GOOS", "GOARCH", "CGO_ENABLED"};

static void settings_props(json_t *props, const lp_buildinfo *bi)
{
    prop(props, "cdx:gomod:build:env:GOVERSION", bi->go_version);
    for (size_t i = 0; i < bi->n_settings; i++) {
        const lp_setting *s = &bi->settings[i];
        if (!s->key)
            continue;
        char name[300];
        bool tax = false;
        for (size_t k = 0; k < sizeof taxonomy / sizeof taxonomy[0]; k++)
            if (strcmp(s->key, taxonomy[k]) == 0)
                tax = true;
        if (tax)
            snprintf(name, sizeof name, "cdx:gomod:build:env:%s", s->key);
        else if (strcmp(s->key, "-tags") == 0)
            snprintf(name, sizeof name, "cdx:gomod:build:tag");
        else
            snprintf(name, sizeof name, "linkproof:gomod:build:%s", s->key);
        if (strcmp(name, "cdx:gomod:build:tag") == 0 && s->value) {
            /* one property per tag, as the taxonomy's "additional build tags" */
            char *tags = strdup(s->value);
            for (char *t = tags ? strtok(tags, ",") : NULL; t; t = strtok(NULL, ","))
                prop(props, name, t);
            free(tags);
            continue;
        }
        prop(props, name, s->value);
    }
}

static void uuid_v4(char out[37])
{
    unsigned char b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        /* no entropy: time and address, unique enough for a serial */
        uint64_t t = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)out;
        for (int i = 0; i < 16; i++)
            b[i] = (unsigned char)(t >> ((i % 8) * 8)) ^ (unsigned char)(i * 37);
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static json_t *vuln_json(const lp_vuln_finding *x, const char *ref)
{
    json_t *v = json_object();
    char bref[600];
    snprintf(bref, sizeof bref, "vuln:%s:%s", x->id, x->module);
    json_object_set_new(v, "bom-ref", lp_json_str(bref));
    json_object_set_new(v, "id", lp_json_str(x->id));
    json_t *src = json_object();
    char url[400];
    snprintf(url, sizeof url, "https://pkg.go.dev/vuln/%s", x->id);
    json_object_set_new(src, "name", json_string("Go Vulnerability Database"));
    json_object_set_new(src, "url", lp_json_str(url));
    json_object_set_new(v, "source", src);
    if (x->n_aliases) {
        json_t *refs = json_array();
        for (size_t i = 0; i < x->n_aliases; i++) {
            json_t *r = json_object(), *s = json_object();
            bool cve = strncmp(x->aliases[i], "CVE-", 4) == 0;
            bool ghsa = strncmp(x->aliases[i], "GHSA-", 5) == 0;
            json_object_set_new(r, "id", lp_json_str(x->aliases[i]));
            json_object_set_new(s, "name", json_string(cve ? "NVD" : ghsa ? "GitHub Advisories" : "alias"));
            if (cve || ghsa) {
                snprintf(url, sizeof url, cve ? "https://nvd.nist.gov/vuln/detail/%s"
                                              : "https://github.com/advisories/%s",
                         x->aliases[i]);
                json_object_set_new(s, "url", lp_json_str(url));
            }
            json_object_set_new(r, "source", s);
            json_array_append_new(refs, r);
        }
        json_object_set_new(v, "references", refs);
    }
    if (x->summary)
        json_object_set_new(v, "description", lp_json_str(x->summary));
    if (x->fixed) {
        char rec[600];
        snprintf(rec, sizeof rec, "update %s to %s or later", x->module, x->fixed);
        json_object_set_new(v, "recommendation", lp_json_str(rec));
    }
    json_t *an = json_object();
    if (x->status == LP_VULN_MODULE_ONLY) {
        json_object_set_new(an, "state", json_string("not_affected"));
        json_object_set_new(an, "justification", json_string("code_not_present"));
        json_object_set_new(an, "detail", json_string(
            "linkproof: the module version is affected, but none of the affected packages or "
            "symbols is in the binary's function table"));
    } else {
        json_object_set_new(an, "state", json_string("in_triage"));
        json_object_set_new(an, "detail", json_string(
            x->status == LP_VULN_LINKED
                ? "linkproof: affected code is linked (see the linkproof:symbol and linkproof:package "
                  "properties); reachability was not analysed"
                : "linkproof: the module version is affected; no function table to tell whether the "
                  "affected code is linked"));
    }
    json_object_set_new(v, "analysis", an);
    json_t *aff = json_array(), *a = json_object(), *vers = json_array(), *ver = json_object();
    json_object_set_new(a, "ref", lp_json_str(ref));
    json_object_set_new(ver, "version", lp_json_str(x->go_version ? x->go_version : x->version));
    json_object_set_new(ver, "status", json_string("affected"));
    json_array_append_new(vers, ver);
    json_object_set_new(a, "versions", vers);
    json_array_append_new(aff, a);
    json_object_set_new(v, "affects", aff);
    json_t *props = json_array();
    prop(props, "linkproof:vuln:status", lp_vuln_status_name(x->status));
    if (x->fixed)
        prop(props, "linkproof:vuln:fixed", x->fixed);
    for (size_t i = 0; i < x->n_packages; i++)
        prop(props, "linkproof:package", x->packages[i]);
    for (size_t i = 0; i < x->n_symbols; i++)
        prop(props, "linkproof:symbol", x->symbols[i]);
    json_object_set_new(v, "properties", props);
    return v;
}

static bool write_bom(lp_report *r, const lp_facts *f, const lp_doc_vulns *d)
{
    const lp_buildinfo *bi = f->go;
    json_t *bom = json_object();
    json_object_set_new(bom, "$schema", json_string("http://cyclonedx.org/schema/bom-1.6.schema.json"));
    json_object_set_new(bom, "bomFormat", json_string("CycloneDX"));
    json_object_set_new(bom, "specVersion", json_string("1.6"));
    char uuid[37], serial[64];
    uuid_v4(uuid);
    snprintf(serial, sizeof serial, "urn:uuid:%s", uuid);
    json_object_set_new(bom, "serialNumber", json_string(serial));
    json_object_set_new(bom, "version", json_integer(1));

    json_t *meta = json_object();
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(meta, "timestamp", json_string(ts));
    json_t *tools = json_object(), *tcomps = json_array(), *tool = json_object();
    json_object_set_new(tool, "type", json_string("application"));
    json_object_set_new(tool, "name", json_string("linkproof"));
    json_object_set_new(tool, "version", json_string(lp_version()));
    json_array_append_new(tcomps, tool);
    json_object_set_new(tools, "components", tcomps);
    json_object_set_new(meta, "tools", tools);

    /* components: [0] the main module, then std, then the deps */
    size_t nd = bi ? bi->n_deps : 0;
    comp *cs = calloc(nd + 2, sizeof *cs);
    if (!cs) {
        json_decref(bom);
        json_decref(meta);
        return false;
    }
    size_t nc = 0;
    json_t *main_c;
    if (bi && bi->has_main && bi->main.path) {
        main_c = module_component(&bi->main, "application");
        cs[nc].path = bi->main.path;
    } else {
        /* no main module recorded: the file itself */
        main_c = json_object();
        const char *base = strrchr(f->path, '/');
        json_object_set_new(main_c, "bom-ref", json_string("file"));
        json_object_set_new(main_c, "type", json_string("application"));
        json_object_set_new(main_c, "name", lp_json_str(base ? base + 1 : f->path));
        json_object_set_new(main_c, "properties", json_array());
        cs[nc].path = NULL;
    }
    cs[nc].obj = main_c;
    cs[nc].props = json_object_get(main_c, "properties");
    nc++;
    const char *gov = bi && bi->go_version ? bi->go_version : f->go_version_fallback;
    if (gov) {
        json_t *std = json_object();
        char *p = purl("std", gov);
        json_object_set_new(std, "bom-ref", lp_json_str(p));
        json_object_set_new(std, "type", json_string("library"));
        json_object_set_new(std, "name", json_string("std"));
        json_object_set_new(std, "version", lp_json_str(gov));
        json_object_set_new(std, "description", json_string("the Go standard library"));
        json_object_set_new(std, "purl", lp_json_str(p));
        free(p);
        json_object_set_new(std, "properties", json_array());
        cs[nc].path = "std";
        cs[nc].obj = std;
        cs[nc].props = json_object_get(std, "properties");
        nc++;
    }
    for (size_t i = 0; i < nd; i++) {
        if (!bi->deps[i].path)
            continue;
        cs[nc].path = bi->deps[i].path;
        cs[nc].obj = module_component(&bi->deps[i], "library");
        cs[nc].props = json_object_get(cs[nc].obj, "properties");
        nc++;
    }
    if (bi)
        settings_props(cs[0].props, bi);
    prop(cs[0].props, "linkproof:path", f->path);
    /* the packages the function table shows, each under its module: from every name it
     * holds, so a package whose functions were all inlined into others counts as linked */
    const char **names = NULL;
    size_t nn = 0;
    json_t *seen = json_object();
    if (f->pcln && lp_pclntab_names(f->pcln, &names, &nn, NULL) == LP_OK) {
        lp_pcln_version pv = lp_pclntab_get_info(f->pcln)->version;
        const char *prev = NULL;
        size_t prev_len = 0;
        for (size_t i = 0; i < nn; i++) {
            size_t pl = lp_go_package_len(names[i], pv);
            if (!pl || (prev && pl == prev_len && memcmp(names[i], prev, pl) == 0))
                continue;
            prev = names[i];
            prev_len = pl;
            char *pkg = lp_go_prefix_to_path(names[i], pl);
            if (!pkg)
                continue;
            if (!json_object_get(seen, pkg)) {
                json_object_set_new(seen, pkg, json_true());
                int o = owner(cs, nc, 0, pkg);
                if (o >= 0) {
                    prop(cs[o].props, "linkproof:package", pkg);
                    cs[o].linked = true;
                }
            }
            free(pkg);
        }
    }
    free(names);
    json_decref(seen);
    for (size_t i = 0; i < nc; i++) {
        if (f->pcln)
            prop(cs[i].props, "linkproof:linked", cs[i].linked ? "true" : "false");
        if (json_array_size(cs[i].props) == 0)
            json_object_del(cs[i].obj, "properties");
    }
    json_object_set_new(meta, "component", cs[0].obj);
    json_object_set_new(bom, "metadata", meta);
    json_t *comps = json_array(), *deps = json_array(), *dep = json_object(), *on = json_array();
    for (size_t i = 1; i < nc; i++) {
        json_array_append_new(comps, cs[i].obj);
        json_array_append(on, json_object_get(cs[i].obj, "bom-ref"));
    }
    json_object_set_new(bom, "components", comps);
    json_object_set(dep, "ref", json_object_get(cs[0].obj, "bom-ref"));
    json_object_set_new(dep, "dependsOn", on);
    json_array_append_new(deps, dep);
    for (size_t i = 1; i < nc; i++) {
        json_t *leaf = json_object();
        json_object_set(leaf, "ref", json_object_get(cs[i].obj, "bom-ref"));
        json_array_append_new(deps, leaf);
    }
    json_object_set_new(bom, "dependencies", deps);

    if (d && d->v) {
        json_t *vs = json_array();
        for (size_t i = 0; i < d->v->n; i++) {
            const lp_vuln_finding *x = &d->v->v[i];
            /* the component a finding is about: std for stdlib and toolchain, else its module
             * (matched by the path as required: a replacement keeps it in its pedigree) */
            const char *want = strcmp(x->module, "stdlib") == 0 || strcmp(x->module, "toolchain") == 0
                                   ? "std"
                                   : x->module;
            const char *ref = NULL;
            for (size_t k = 0; k < nc && !ref; k++)
                if (cs[k].path && strcmp(cs[k].path, want) == 0)
                    ref = json_string_value(json_object_get(cs[k].obj, "bom-ref"));
            json_array_append_new(vs, vuln_json(x, ref ? ref : json_string_value(json_object_get(cs[0].obj, "bom-ref"))));
        }
        json_object_set_new(bom, "vulnerabilities", vs);
    }
    free(cs);
    bool ok = lp_json_write_line(r->o.fp, bom);
    json_decref(bom);
    return ok;
}

static bool cdx_inspect(lp_report *r, const void *doc)
{
    const lp_facts *f = doc;
    if (f->error.code)
        return true; /* its one line is on stderr */
    return write_bom(r, f, NULL);
}

static bool cdx_vulns(lp_report *r, const void *doc)
{
    const lp_doc_vulns *d = doc;
    if (d->f->error.code || (d->error && d->error->code))
        return true;
    return write_bom(r, d->f, d);
}

/* scan --format cyclonedx: one SBOM per binary found, with its vulnerabilities under --vulns */
static bool cdx_scan(lp_report *r, const void *doc)
{
    const lp_doc_scan *d = doc;
    return d->vulns ? cdx_vulns(r, d->vulns) : cdx_inspect(r, d->rec->facts);
}

const lp_report_format lp_report_cyclonedx = {
    .name = "cyclonedx",
    .kinds = {
        [LP_DOC_SCAN] = {.write = cdx_scan},
        [LP_DOC_INSPECT] = {.write = cdx_inspect},
        [LP_DOC_VULNS] = {.write = cdx_vulns},
    },
};
