/*
 * image.c - container images in reports: `image ls` lines and objects,
 * `image info`, and the `compat` matrix. Strings from an image go through
 * lp_put_safe() and lp_json_str(): a hostile path cannot forge lines or JSON.
 */
#include <string.h>

#include "report/report.h"

static const char *type_word(lp_ftype t)
{
    switch (t) {
    case LP_FT_REG: return "file";
    case LP_FT_DIR: return "dir";
    case LP_FT_LNK: return "symlink";
    default: return "other";
    }
}

static char type_char(lp_ftype t)
{
    switch (t) {
    case LP_FT_REG: return '-';
    case LP_FT_DIR: return 'd';
    case LP_FT_LNK: return 'l';
    default: return 'o';
    }
}

void lp_image_ls_text(FILE *fp, const char *path, const lp_statinfo *st, const char *target)
{
    fprintf(fp, "%c %04o %llu %d ", type_char(st->type), (unsigned)st->mode & 07777u,
            (unsigned long long)st->size, st->layer);
    lp_put_safe(fp, path);
    if (target) {
        fputs(" -> ", fp);
        lp_put_safe(fp, target);
    }
    fputc('\n', fp);
}

json_t *lp_image_ls_json(const char *path, const lp_statinfo *st, const char *target)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "path", lp_json_str(path));
    json_object_set_new(o, "type", json_string(type_word(st->type)));
    json_object_set_new(o, "mode", json_integer((json_int_t)(st->mode & 07777u)));
    json_object_set_new(o, "size", json_integer((json_int_t)st->size));
    json_object_set_new(o, "target", lp_json_str(target));
    json_object_set_new(o, "layer", json_integer(st->layer));
    return o;
}

json_t *lp_image_meta_json(const lp_image_meta *m)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "path", lp_json_str(m->path));
    json_object_set_new(o, "layout", lp_json_str(m->layout));
    json_object_set_new(o, "ref", lp_json_str(m->ref));
    json_object_set_new(o, "manifest_digest", lp_json_str(m->manifest_digest));
    json_object_set_new(o, "config_digest", lp_json_str(m->config_digest));
    json_object_set_new(o, "os", lp_json_str(m->os));
    json_object_set_new(o, "architecture", lp_json_str(m->architecture));
    json_object_set_new(o, "variant", lp_json_str(m->variant));
    json_t *ls = json_array();
    for (size_t i = 0; ls && i < m->n_layers; i++) {
        const lp_image_layer *l = &m->layers[i];
        json_t *x = json_object();
        json_object_set_new(x, "digest", lp_json_str(l->digest));
        json_object_set_new(x, "member", lp_json_str(l->member));
        json_object_set_new(x, "media_type", lp_json_str(l->media_type));
        json_object_set_new(x, "compression", lp_json_str(l->compression));
        json_object_set_new(x, "size", json_integer((json_int_t)l->size));
        json_object_set_new(x, "entries", json_integer((json_int_t)l->entries));
        json_object_set_new(x, "verified", json_boolean(l->verified));
        json_array_append_new(ls, x);
    }
    json_object_set_new(o, "layers", ls);
    json_object_set_new(o, "paths", json_integer((json_int_t)m->n_paths));
    json_object_set_new(o, "bytes_hashed", json_integer((json_int_t)m->bytes_hashed));
    json_t *ch = json_array();
    for (size_t i = 0; ch && i < m->n_choices; i++)
        json_array_append_new(ch, lp_json_str(m->choices[i]));
    json_object_set_new(o, "choices", ch);
    return o;
}

static void row_text(FILE *fp, const char *k, const char *v)
{
    fprintf(fp, "  %-16s", k);
    lp_put_safe(fp, v ? v : "(none)");
    fputc('\n', fp);
}

void lp_image_meta_text(lp_out *o, const lp_image_meta *m)
{
    FILE *fp = o->fp;
    lp_put_safe(fp, m->path);
    fputs(":\n", fp);
    row_text(fp, "layout", m->layout);
    row_text(fp, "ref", m->ref);
    char plat[160];
    snprintf(plat, sizeof plat, "%s/%s%s%s", m->os ? m->os : "?", m->architecture ? m->architecture : "?",
             m->variant ? "/" : "", m->variant ? m->variant : "");
    row_text(fp, "platform", plat);
    row_text(fp, "manifest", m->manifest_digest);
    row_text(fp, "config", m->config_digest);
    for (size_t i = 0; i < m->n_layers; i++) {
        const lp_image_layer *l = &m->layers[i];
        char k[32], v[512];
        snprintf(k, sizeof k, "layer %zu", i);
        snprintf(v, sizeof v, "%s %s, %llu bytes, %llu entries%s", l->digest ? l->digest : l->member,
                 l->compression ? l->compression : "?", (unsigned long long)l->size,
                 (unsigned long long)l->entries, l->verified ? ", digest verified" : ", not verified");
        row_text(fp, k, v);
    }
    char v[64];
    snprintf(v, sizeof v, "%zu", m->n_paths);
    row_text(fp, "paths", v);
    for (size_t i = 0; i < m->n_choices; i++)
        row_text(fp, i ? "" : "images", m->choices[i]);
}

static void entry_platform(const lp_image_entry *e, char *buf, size_t n)
{
    if (e->os && e->architecture)
        snprintf(buf, n, "%s/%s%s%s", e->os, e->architecture, e->variant ? "/" : "",
                 e->variant ? e->variant : "");
    else
        snprintf(buf, n, "-");
}

json_t *lp_image_list_json(const lp_image_list *l)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "path", lp_json_str(l->path));
    json_object_set_new(o, "layout", lp_json_str(l->layout));
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++) {
        const lp_image_entry *e = &l->images[i];
        json_t *x = json_object(), *refs = json_array();
        for (int k = 0; k < 3; k++)
            if (e->refs[k])
                json_array_append_new(refs, lp_json_str(e->refs[k]));
        json_object_set_new(x, "ref", lp_json_str(e->refs[0] ? e->refs[0] : e->refs[1]));
        json_object_set_new(x, "refs", refs);
        json_object_set_new(x, "os", lp_json_str(e->os));
        json_object_set_new(x, "architecture", lp_json_str(e->architecture));
        json_object_set_new(x, "variant", lp_json_str(e->variant));
        json_object_set_new(x, "digest", lp_json_str(e->digest));
        json_object_set_new(x, "index_digest", lp_json_str(e->index_digest));
        json_object_set_new(x, "media_type", lp_json_str(e->media_type));
        json_object_set_new(x, "size", e->size >= 0 ? json_integer((json_int_t)e->size) : json_null());
        json_array_append_new(a, x);
    }
    json_object_set_new(o, "images", a);
    return o;
}

void lp_image_list_text(lp_out *o, const lp_image_list *l)
{
    FILE *fp = o->fp;
    lp_put_safe(fp, l->path);
    fputs(":\n", fp);
    row_text(fp, "layout", l->layout);
    char v[96];
    snprintf(v, sizeof v, "%zu: pick one with IMAGE:TAG or IMAGE@DIGEST", l->n);
    row_text(fp, "images", v);
    /* one line each: name, platform, digest; the names padded to one column */
    size_t w = 4;
    for (size_t i = 0; i < l->n; i++) {
        const char *r = l->images[i].refs[0] ? l->images[i].refs[0] : l->images[i].refs[1];
        size_t n = r ? strlen(r) : strlen("(untagged)");
        if (n > w)
            w = n;
    }
    for (size_t i = 0; i < l->n; i++) {
        const lp_image_entry *e = &l->images[i];
        const char *r = e->refs[0] ? e->refs[0] : e->refs[1];
        char plat[160];
        entry_platform(e, plat, sizeof plat);
        fputs("    ", fp);
        lp_put_safe(fp, r ? r : "(untagged)");
        for (size_t k = r ? strlen(r) : strlen("(untagged)"); k < w; k++)
            fputc(' ', fp);
        fputs("  ", fp);
        lp_put_safe(fp, plat);
        fputs("  ", fp);
        lp_put_safe(fp, e->digest ? e->digest : "(no digest)");
        fputc('\n', fp);
    }
}

void lp_compat_text(lp_out *o, const lp_compat_matrix *mx)
{
    FILE *fp = o->fp;
    /* column widths: the longest binary name, and each image's label or its longest cell */
    size_t w0 = strlen("BINARY");
    for (size_t b = 0; b < mx->n_binaries; b++)
        if (strlen(mx->binaries[b]) > w0)
            w0 = strlen(mx->binaries[b]);
    size_t wi[64];
    for (size_t i = 0; i < mx->n_images && i < 64; i++) {
        wi[i] = strlen(mx->images[i]);
        for (size_t b = 0; b < mx->n_binaries; b++) {
            const lp_compat *c = &mx->cells[b * mx->n_images + i];
            size_t l = strlen(c->runs ? "runs" : c->reason ? c->reason : "error");
            if (l > wi[i])
                wi[i] = l;
        }
    }
    fprintf(fp, "%-*s", (int)w0, "BINARY");
    for (size_t i = 0; i < mx->n_images; i++) {
        fputs("  ", fp);
        lp_put_safe(fp, mx->images[i]);
        size_t l = strlen(mx->images[i]), w = i < 64 && i + 1 < mx->n_images ? wi[i] : l;
        for (; l < w; l++)
            fputc(' ', fp);
    }
    fputc('\n', fp);
    for (size_t b = 0; b < mx->n_binaries; b++) {
        lp_put_safe(fp, mx->binaries[b]);
        for (size_t l = strlen(mx->binaries[b]); l < w0; l++)
            fputc(' ', fp);
        for (size_t i = 0; i < mx->n_images; i++) {
            const lp_compat *c = &mx->cells[b * mx->n_images + i];
            const char *word = c->runs ? "runs" : c->reason ? c->reason : "error";
            const char *col = !o->color ? "" : c->runs ? "\033[32m" : "\033[1;31m";
            fprintf(fp, "  %s%s%s", col, word, o->color ? "\033[0m" : "");
            size_t w = i < 64 && i + 1 < mx->n_images ? wi[i] : strlen(word);
            for (size_t l = strlen(word); l < w; l++)
                fputc(' ', fp);
        }
        fputc('\n', fp);
    }
    bool any = false;
    for (size_t b = 0; b < mx->n_binaries; b++)
        for (size_t i = 0; i < mx->n_images; i++) {
            const lp_compat *c = &mx->cells[b * mx->n_images + i];
            if (c->runs || !c->text)
                continue;
            if (!any)
                fputc('\n', fp);
            any = true;
            lp_put_safe(fp, mx->binaries[b]);
            fputs(" on ", fp);
            lp_put_safe(fp, mx->images[i]);
            fprintf(fp, ": %s: ", c->reason ? c->reason : "error");
            lp_put_safe(fp, c->text);
            fputc('\n', fp);
        }
}

json_t *lp_compat_json(const lp_compat_matrix *mx)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_t *imgs = json_array(), *bins = json_array(), *res = json_array();
    bool ok = true;
    for (size_t i = 0; i < mx->n_images; i++) {
        json_t *x = json_object();
        const lp_image_meta *m = mx->metas ? mx->metas[i] : NULL;
        json_object_set_new(x, "image", lp_json_str(mx->images[i]));
        json_object_set_new(x, "ref", lp_json_str(m ? m->ref : NULL));
        json_object_set_new(x, "os", lp_json_str(m ? m->os : NULL));
        json_object_set_new(x, "architecture", lp_json_str(m ? m->architecture : NULL));
        json_array_append_new(imgs, x);
    }
    for (size_t b = 0; b < mx->n_binaries; b++)
        json_array_append_new(bins, lp_json_str(mx->binaries[b]));
    for (size_t b = 0; b < mx->n_binaries; b++)
        for (size_t i = 0; i < mx->n_images; i++) {
            const lp_compat *c = &mx->cells[b * mx->n_images + i];
            json_t *x = json_object();
            json_object_set_new(x, "binary", lp_json_str(mx->binaries[b]));
            json_object_set_new(x, "image", lp_json_str(mx->images[i]));
            json_object_set_new(x, "platform", lp_json_str(c->platform));
            json_object_set_new(x, "runs", json_boolean(c->runs));
            json_object_set_new(x, "reason", lp_json_str(c->runs ? NULL : c->reason ? c->reason : "error"));
            json_object_set_new(x, "text", lp_json_str(c->text));
            json_array_append_new(res, x);
            ok = ok && c->runs;
        }
    json_object_set_new(o, "images", imgs);
    json_object_set_new(o, "binaries", bins);
    json_object_set_new(o, "results", res);
    json_object_set_new(o, "ok", json_boolean(ok));
    return o;
}
