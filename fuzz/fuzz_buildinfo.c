/*
 * fuzz_buildinfo.c - libFuzzer harness for the text parsers: the build-info
 * module text (parse, then format as `go version -m`), Go string unquoting,
 * and the -ldflags field splitter. The first byte picks the parser.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linkproof/go.h"
#include "linkproof/check.h"
#include "linkproof/ldflags.h"
#include "linkproof/registry.h"
#include "linkproof/xvar.h"
#include "util/goquote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0] % 5;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    lp_err err;
    if (mode == 4) {
        /* the registry's JSON-lines import, into an in-memory database */
        lp_registry *r = NULL;
        size_t added = 0;
        if (lp_registry_open(":memory:", true, &r, &err) == LP_OK)
            (void)lp_registry_import(r, s, n, "fuzz", &added, &err);
        lp_registry_close(&r);
        return 0;
    }
    if (mode == 0) {
        /* frame the text the way cmd/go does, so the parser sees it */
        char *framed = malloc(n + 32);
        if (!framed)
            return 0;
        memset(framed, 'F', 16);
        memcpy(framed + 16, s, n);
        memset(framed + 16 + n, 'E', 16);
        framed[16 + n] = '\n';
        lp_buildinfo *bi = NULL;
        if (lp_buildinfo_parse("go1.19", 6, framed, n + 32, &bi, &err) == LP_OK) {
            char *t = lp_buildinfo_format_gover(bi);
            free(t);
            for (size_t i = 0; i < bi->n_settings; i++)
                (void)lp_buildinfo_setting(bi, bi->settings[i].key);
        }
        lp_buildinfo_free(&bi);
        free(framed);
    } else if (mode == 1) {
        lp_strbuf sb = {0};
        (void)lp_go_unquote(&sb, s, n);
        lp_sb_release(&sb);
        (void)lp_go_quoted_prefix(s, n);
        lp_go_quote(&sb, s, n);
        lp_sb_release(&sb);
    } else {
        char *z = malloc(n + 1);
        if (!z)
            return 0;
        memcpy(z, s, n);
        z[n] = '\0';
        if (mode == 2) {
            lp_strv v;
            if (lp_go_split_quoted(z, &v, &err) == LP_OK) {
                (void)lp_ldflags_bool(&v, "s");
                lp_strv_release(&v);
            }
            lp_xtarget *t = NULL;
            size_t nt = 0;
            if (lp_ldflags_xtargets(z, &t, &nt, &err) == LP_OK)
                lp_xtargets_free(&t, nt);
            lp_xtarget one;
            if (lp_xtarget_parse(z, &one, &err) == LP_OK) {
                free(one.name);
                free(one.value);
            }
        } else {
            /* "VERSION CONSTRAINT": both halves through the version comparison */
            char *sp = strchr(z, ' ');
            if (sp) {
                *sp = '\0';
                (void)lp_go_version_satisfies(z, sp + 1);
            }
        }
        free(z);
    }
    return 0;
}
