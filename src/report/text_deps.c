/*
 * text_deps.c - the text of what the loader would do: `deps` as a tree
 * (libtree-like: each library once, under the object that first needed it,
 * with the candidates passed over), its problems, and a summary line; the
 * `compat` matrix; and what a container image holds (`image ls`, `image info`).
 * Every string that came from a file, a root or an image goes through
 * lp_put_safe(), so a hostile name cannot forge lines.
 */
#include <stdint.h>
#include <string.h>

#include "report/report_internal.h"

static const char *c_on(const lp_report *o, const char *code) { return lp_c_on(o, code); }
static const char *c_off(const lp_report *o) { return lp_c_off(o); }

static void obj_line(lp_report *o, const lp_deps *d, size_t i)
{
    const lp_dep_obj *ob = &d->objs[i];
    lp_put_safe(o->o.fp, ob->name);
    if (!ob->path) {
        fprintf(o->o.fp, " %snot found%s", c_on(o, "\033[1;31m"), c_off(o));
    } else {
        if (strcmp(ob->path, ob->name) != 0) {
            fputs(" => ", o->o.fp);
            lp_put_safe(o->o.fp, ob->path);
        }
        fprintf(o->o.fp, " %s[%s]%s", c_on(o, "\033[36m"), lp_rule_name(ob->rule), c_off(o));
    }
    fputc('\n', o->o.fp);
}

static void tree(lp_report *o, const lp_deps *d, size_t i, char *prefix, size_t plen, unsigned depth)
{
    const lp_dep_obj *ob = &d->objs[i];
    if (!ob->children || depth > 256)
        return;
    /* the children drawn here: first occurrences only, so each library appears once */
    size_t last = SIZE_MAX;
    for (size_t k = 0; k < ob->n_needed; k++) {
        size_t c = ob->children[k];
        if (c != SIZE_MAX && c < d->n_objs && c != i &&
            (d->objs[c].parent == i || (d->objs[c].rule == LP_RULE_INTERP && d->objs[c].path)))
            last = k;
    }
    for (size_t k = 0; k < ob->n_needed; k++) {
        size_t c = ob->children[k];
        if (c != SIZE_MAX && c < d->n_objs && c != i && d->objs[c].rule == LP_RULE_INTERP &&
            d->objs[c].path) {
            /* the interpreter, named again (libc.so.6 needs ld-linux-x86-64.so.2) */
            fwrite(prefix, 1, plen, o->o.fp);
            fputs(k == last ? "└── " : "├── ", o->o.fp);
            lp_put_safe(o->o.fp, ob->needed[k]);
            fputs(" => ", o->o.fp);
            lp_put_safe(o->o.fp, d->objs[c].path);
            fprintf(o->o.fp, " %s[interpreter]%s\n", c_on(o, "\033[36m"), c_off(o));
            continue;
        }
        if (c == SIZE_MAX || c >= d->n_objs || d->objs[c].parent != i || c == i)
            continue;
        /* a name seen twice in one DT_NEEDED list is drawn once */
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++)
            dup = ob->children[j] == c;
        if (dup)
            continue;
        bool is_last = k == last;
        fwrite(prefix, 1, plen, o->o.fp);
        fputs(is_last ? "└── " : "├── ", o->o.fp);
        obj_line(o, d, c);
        const lp_dep_obj *co = &d->objs[c];
        for (size_t s = 0; s < co->n_skipped; s++) {
            fwrite(prefix, 1, plen, o->o.fp);
            fputs(is_last ? "      " : "│     ", o->o.fp);
            fprintf(o->o.fp, "%s(passed over ", c_on(o, "\033[2m"));
            lp_put_safe(o->o.fp, co->skipped[s].path);
            fputs(": ", o->o.fp);
            lp_put_safe(o->o.fp, co->skipped[s].why);
            fprintf(o->o.fp, ")%s\n", c_off(o));
        }
        const char *add = is_last ? "    " : "│   ";
        size_t al = strlen(add);
        if (plen + al < 4096) {
            memcpy(prefix + plen, add, al);
            tree(o, d, c, prefix, plen + al, depth + 1);
        }
    }
}

static void problems_text(lp_report *o, const lp_deps *d)
{
    for (size_t i = 0; i < d->n_problems; i++) {
        const lp_problem *p = &d->problems[i];
        bool err = p->kind < LP_PROB_WARNING;
        fprintf(o->o.fp, "%s%-7s%s %-19s ", c_on(o, err ? "\033[1;31m" : "\033[33m"),
                err ? "error" : "warning", c_off(o), lp_problem_name(p->kind));
        lp_put_safe(o->o.fp, p->text ? p->text : "");
        fputc('\n', o->o.fp);
        if (p->n_symbols) {
            fputs("        symbols: ", o->o.fp);
            for (size_t k = 0; k < p->n_symbols; k++) {
                if (k)
                    fputs(", ", o->o.fp);
                lp_put_safe(o->o.fp, p->symbols[k]);
            }
            if (p->n_symbols_total > p->n_symbols)
                fprintf(o->o.fp, " (and %zu more)", p->n_symbols_total - p->n_symbols);
            fputc('\n', o->o.fp);
        }
    }
}

static size_t warnings(const lp_deps *d) { return d->n_problems - d->n_errors; }

static void deps_text(lp_report *o, const lp_deps *d)
{
    lp_put_safe(o->o.fp, d->file);
    if (d->is_static) {
        fputs(": static (no interpreter, no needed libraries): nothing to resolve\n", o->o.fp);
        return;
    }
    fprintf(o->o.fp, "  %s(%s rules", c_on(o, "\033[2m"), lp_libc_name(d->rules));
    if (d->rules == LP_LIBC_GLIBC) {
        /* which glibc and which CPU the rules are those of */
        if (d->glibc_version)
            fprintf(o->o.fp, " of %s%s", d->glibc_version_exact ? "" : "at least ", d->glibc_version);
        else
            fputs(" (version not found: the newest)", o->o.fp);
        fputs(", CPU ", o->o.fp);
        lp_put_safe(o->o.fp, d->cpu ? d->cpu : d->cpu_assumed ? d->cpu_assumed : "?");
        if (!d->cpu)
            fputs(" assumed", o->o.fp);
        if (d->platform) {
            fputs(", $PLATFORM ", o->o.fp);
            lp_put_safe(o->o.fp, d->platform);
        }
    }
    fputs(", root ", o->o.fp);
    lp_put_safe(o->o.fp, d->root);
    fprintf(o->o.fp, ")%s\n", c_off(o));
    for (size_t i = 1; i < d->n_objs; i++) {
        if (d->objs[i].rule != LP_RULE_INTERP)
            continue;
        fputs("interpreter ", o->o.fp);
        lp_put_safe(o->o.fp, d->objs[i].name);
        if (d->objs[i].realpath && strcmp(d->objs[i].realpath, d->objs[i].name) != 0) {
            fputs(" -> ", o->o.fp);
            lp_put_safe(o->o.fp, d->objs[i].realpath);
        }
        if (!d->objs[i].path)
            fprintf(o->o.fp, " %snot found%s", c_on(o, "\033[1;31m"), c_off(o));
        fputc('\n', o->o.fp);
    }
    char prefix[4096 + 8];
    tree(o, d, 0, prefix, 0, 0);
    problems_text(o, d);
    if (d->n_errors)
        fprintf(o->o.fp, "%s%zu error%s%s", c_on(o, "\033[1;31m"), d->n_errors,
                d->n_errors == 1 ? "" : "s", c_off(o));
    else
        fprintf(o->o.fp, "%sresolves%s", c_on(o, "\033[32m"), c_off(o));
    size_t w = warnings(d);
    if (w)
        fprintf(o->o.fp, ", %zu warning%s", w, w == 1 ? "" : "s");
    fprintf(o->o.fp, "%s\n", d->versions_checked ? "; symbol versions checked" : "");
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

static void image_ls_text(FILE *fp, const char *path, const lp_statinfo *st, const char *target)
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

static void row_text(FILE *fp, const char *k, const char *v)
{
    fprintf(fp, "  %-16s", k);
    lp_put_safe(fp, v ? v : "(none)");
    fputc('\n', fp);
}

static void image_meta_text(lp_report *o, const lp_image_meta *m)
{
    FILE *fp = o->o.fp;
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

static void image_list_text(lp_report *o, const lp_image_list *l)
{
    FILE *fp = o->o.fp;
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

static void compat_text(lp_report *o, const lp_compat_matrix *mx)
{
    FILE *fp = o->o.fp;
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
            /* why it does not run, or why it could not be checked */
            const char *why = c->error.code ? c->error.msg : c->text;
            if (c->runs || !why)
                continue;
            if (!any)
                fputc('\n', fp);
            any = true;
            lp_put_safe(fp, mx->binaries[b]);
            fputs(" on ", fp);
            lp_put_safe(fp, mx->images[i]);
            fprintf(fp, ": %s: ", c->reason ? c->reason : "error");
            lp_put_safe(fp, why);
            fputc('\n', fp);
        }
}


bool lp_text_deps(lp_report *r, const void *doc)
{
    const lp_doc_deps *dd = doc;
    if (!dd->d)
        return true; /* its one line is on stderr */
    if (r->n)
        fputc('\n', r->o.fp);
    deps_text(r, dd->d);
    return true;
}

bool lp_text_compat(lp_report *r, const void *doc)
{
    compat_text(r, doc);
    return true;
}

bool lp_text_image_ls(lp_report *r, const void *doc)
{
    const lp_doc_image_ls *d = doc;
    image_ls_text(r->o.fp, d->path, d->st, d->target);
    return true;
}

bool lp_text_image_info(lp_report *r, const void *doc)
{
    image_meta_text(r, doc);
    return true;
}

bool lp_text_image_list(lp_report *r, const void *doc)
{
    image_list_text(r, doc);
    return true;
}

bool lp_text_image_cat(lp_report *r, const void *doc)
{
    /* the file's bytes as they are, in pieces: a file may be larger than what linkproof keeps
     * in memory (a GNU sparse member of 1 GiB is read out of a temporary file) */
    const lp_doc_image_cat *d = doc;
    lp_src *src = d->src;
    static uint8_t buf[1 << 16];
    for (uint64_t off = 0, size = lp_src_size(src); off < size;) {
        size_t got = 0;
        if (lp_src_read_upto(src, off, buf, sizeof buf, &got, d->error) != LP_OK || !got) {
            if (!got && !d->error->code)
                lp_err_set(d->error, LP_ERR_IO, "'%s': shorter than its size", lp_src_name(src));
            return false;
        }
        if (fwrite(buf, 1, got, r->o.fp) != got)
            return false;
        off += got;
    }
    return true;
}
