/*
 * text_proc.c - the text of what is read from live processes and the
 * registry: `probe` (a reading and its verdict, a line per reason),
 * `fingerprint` (a file's, or a process's code in memory beside its file),
 * `verify` (the verdict with why and what to do next; `--all` as a table),
 * and the registry's entries and changes.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

bool lp_text_probe(lp_report *r, const void *doc)
{
    const lp_doc_probe *d = doc;
    const lp_probe *p = d->p;
    const lp_facts *gf = d->go;
    const lp_health *h = d->health;
    FILE *fp = r->o.fp;
    fprintf(fp, "  %-14s%d\n", "pid", p->pid);
    fprintf(fp, "  %-14s", "exe");
    lp_put_safe(fp, p->exe ? p->exe : "-");
    fputc('\n', fp);
    if (gf && gf->is_go) {
        const char *mod = gf->go && gf->go->has_main && gf->go->main.path && gf->go->main.path[0]
                              ? gf->go->main.path : NULL;
        fprintf(fp, "  %-14s", "go");
        lp_put_safe(fp, gf->go ? gf->go->go_version : gf->go_version_fallback ? gf->go_version_fallback : "?");
        if (mod) {
            fputs(", module ", fp);
            lp_put_safe(fp, mod);
        }
        fputc('\n', fp);
    }
    fprintf(fp, "  %-14s%llu\n", "threads", (unsigned long long)p->threads);
    if (p->fd_limit == UINT64_MAX)
        fprintf(fp, "  %-14s%llu / unlimited\n", "fds", (unsigned long long)p->fds);
    else
        fprintf(fp, "  %-14s%llu / %llu (%.0f%%)\n", "fds", (unsigned long long)p->fds,
                (unsigned long long)p->fd_limit, 100 * lp_probe_fd_ratio(p));
    fprintf(fp, "  %-14s%llu (", "tcp sockets", (unsigned long long)p->sockets);
    bool first = true;
    for (unsigned s = 1; s < LP_TCP_NSTATES; s++)
        if (p->states[s]) {
            fprintf(fp, "%s%s %llu", first ? "" : ", ", lp_tcp_state_name(s), (unsigned long long)p->states[s]);
            first = false;
        }
    fprintf(fp, "%s; from %s)\n", first ? "none" : "", p->tcp_source);
    fprintf(fp, "  %-14s%llu (tcp %llu, udp %llu: socket fds in no TCP/UDP table)\n", "orphans",
            (unsigned long long)(p->orphan_tcp + p->orphan_udp), (unsigned long long)p->orphan_tcp,
            (unsigned long long)p->orphan_udp);
    for (size_t i = 0; i < p->n_listeners; i++) {
        const lp_listener *l = &p->listeners[i];
        char addr[96];
        snprintf(addr, sizeof addr, "%s%s%s:%u", l->ipv6 ? "[" : "", l->address, l->ipv6 ? "]" : "", l->port);
        if (l->backlog)
            fprintf(fp, "  %-14s%s queue %u/%u\n", i ? "" : "listeners", addr, l->queue, l->backlog);
        else
            fprintf(fp, "  %-14s%s queue %u (backlog unknown from /proc)\n", i ? "" : "listeners", addr, l->queue);
    }
    if (p->have_netstat) {
        fprintf(fp, "  %-14s%llu overflows, %llu drops", "listen", (unsigned long long)p->listen_overflows,
                (unsigned long long)p->listen_drops);
        if (h->have_delta)
            fprintf(fp, " (+%llu, +%llu during the interval)", (unsigned long long)h->d_overflows,
                    (unsigned long long)h->d_drops);
        fputs(" in its network namespace\n", fp);
    }
    if (h->healthy) {
        fprintf(fp, "%shealthy%s\n", lp_c_on(r, "\033[32m"), lp_c_off(r));
        return true;
    }
    for (size_t i = 0; i < h->n_reasons; i++) {
        fprintf(fp, "%sunhealthy: ", lp_c_on(r, "\033[31m"));
        lp_put_safe(fp, h->reasons[i].message);
        fprintf(fp, " [%s]%s\n", h->reasons[i].id, lp_c_off(r));
    }
    return true;
}

static void fingerprint_rows(FILE *fp, const lp_fingerprint *f)
{
    fprintf(fp, "  %-14s", "go build id");
    lp_put_safe(fp, f->go_build_id ? f->go_build_id : "-");
    fprintf(fp, "\n  %-14s%s\n", "gnu build id", f->gnu_build_id ? f->gnu_build_id : "-");
    fprintf(fp, "  %-14s%s\n", "sha256", f->sha256);
    if (f->has_code)
        fprintf(fp, "  %-14s%s (%llu bytes)\n", "code sha256", f->code_sha256, (unsigned long long)f->code_size);
    else
        fprintf(fp, "  %-14s- (not an object file)\n", "code sha256");
}

bool lp_text_fingerprint(lp_report *r, const void *doc)
{
    const lp_doc_fingerprint *d = doc;
    if (!d->fp || (d->error && d->error->code))
        return true; /* its one line is on stderr */
    lp_put_safe(r->o.fp, d->path);
    fputs(":\n", r->o.fp);
    fingerprint_rows(r->o.fp, d->fp);
    return true;
}

bool lp_text_fingerprint_pid(lp_report *r, const void *doc)
{
    const lp_proc_fingerprint *p = doc;
    FILE *fp = r->o.fp;
    fprintf(fp, "process %d:\n  %-14s", p->pid, "exe");
    lp_put_safe(fp, p->exe);
    fprintf(fp, " (%s)\n", lp_exe_state_name(p->exe_state));
    fingerprint_rows(fp, &p->file);
    fprintf(fp, "  %-14s%s (%llu bytes, load bias 0x%llx)\n", "memory code", p->mem_code_sha256,
            (unsigned long long)p->mem_code_size, (unsigned long long)p->load_bias);
    fprintf(fp, "  %-14s%s\n", "match",
            p->match ? "yes: the code in memory is the file's code"
                     : "NO: the code in memory differs from the file it runs");
    if (p->exe_state != LP_EXE_PRESENT) {
        fprintf(fp, "  %-14sthe file at ", "note");
        lp_put_safe(fp, p->exe);
        fprintf(fp, " was %s after the process started\n", p->exe_state == LP_EXE_DELETED ? "deleted" : "replaced");
    }
    return true;
}

bool lp_text_verify(lp_report *r, const void *doc)
{
    const lp_doc_verify *d = doc;
    const lp_verify_result *v = d->r;
    const lp_baseline *b = d->baseline;
    FILE *fp = r->o.fp;
    if (!v)
        return true;
    fprintf(fp, "%s: process %d (", lp_verdict_name(v->verdict), d->pid);
    lp_put_safe(fp, v->fp.exe);
    fprintf(fp, "%s%s)\n", v->fp.exe_state == LP_EXE_PRESENT ? "" : ", ",
            v->fp.exe_state == LP_EXE_PRESENT ? "" : lp_exe_state_name(v->fp.exe_state));
    fprintf(fp, "  %-10s", "running");
    if (v->label) {
        lp_put_safe(fp, v->label);
        fputs(" (trusted)\n", fp);
    } else {
        fputs("a build the registry does not know\n", fp);
    }
    if (b) {
        fprintf(fp, "  %-10s", "baseline");
        lp_put_safe(fp, b->label ? b->label : b->text);
        if (b->label && b->go_build_id) {
            fputs(" (Go build ID ", fp);
            lp_put_safe(fp, b->go_build_id);
            fputc(')', fp);
        }
        fputc('\n', fp);
    }
    fprintf(fp, "  %-10s", "why");
    lp_put_safe(fp, v->reason);
    fprintf(fp, "\n  %-10s", "next");
    lp_put_safe(fp, v->next_step);
    fprintf(fp, "\n  %-10s", "build id");
    lp_put_safe(fp, v->fp.file.go_build_id ? v->fp.file.go_build_id : "-");
    fprintf(fp, "\n  %-10s%s (memory %s)\n", "code", v->fp.file.code_sha256,
            v->fp.match ? "matches" : v->fp.mem_code_sha256);
    return true;
}

void lp_text_verify_header(lp_report *r)
{
    fprintf(r->o.fp, "%-8s %-9s %-24s %s\n", "PID", "VERDICT", "LABEL", "EXE");
}

bool lp_text_verify_row(lp_report *r, const void *doc)
{
    const lp_doc_verify *d = doc;
    FILE *fp = r->o.fp;
    if (!d->r) {
        fprintf(fp, "%-8d %-9s %-24s ", d->pid, "error", "-");
        lp_put_safe(fp, d->error ? d->error->msg : "");
        fputc('\n', fp);
        return true;
    }
    fprintf(fp, "%-8d %-9s ", d->pid, lp_verdict_name(d->r->verdict));
    /* the label padded to 24 characters, not bytes */
    const char *label = d->r->label ? d->r->label : "-";
    size_t chars = 0;
    for (const char *c = label; *c; c++)
        chars += ((unsigned char)*c & 0xc0) != 0x80;
    lp_put_safe(fp, label);
    fprintf(fp, "%*s ", chars < 24 ? (int)(24 - chars) : 0, "");
    lp_put_safe(fp, d->r->fp.exe);
    fputc('\n', fp);
    return true;
}

void lp_text_registry_header(lp_report *r)
{
    fprintf(r->o.fp, "%-5s %-22s %-20s %-16s %s\n", "ID", "LABEL", "ADDED", "CODE SHA256", "GO BUILD ID");
}

bool lp_text_registry_entry(lp_report *r, const void *doc)
{
    const lp_reg_entry *e = doc;
    FILE *fp = r->o.fp;
    /* the label padded to 22 characters, not bytes (labels are UTF-8) */
    size_t chars = 0;
    for (const char *c = e->label; *c; c++)
        chars += ((unsigned char)*c & 0xc0) != 0x80;
    fprintf(fp, "%-5lld ", (long long)e->id);
    lp_put_safe(fp, e->label);
    fprintf(fp, "%*s %-20s %.16s ", chars < 22 ? (int)(22 - chars) : 0, "", e->added_at ? e->added_at : "-",
            e->code_sha256);
    lp_put_safe(fp, e->go_build_id ? e->go_build_id : "-");
    fputc('\n', fp);
    return true;
}

bool lp_text_registry_change(lp_report *r, const void *doc)
{
    const lp_doc_registry_change *c = doc;
    FILE *fp = r->o.fp;
    switch (c->action) {
    case LP_REG_ADDED:
    case LP_REG_ALREADY:
        fputs(c->action == LP_REG_ADDED ? "added " : "already there: ", fp);
        lp_put_safe(fp, c->file);
        fprintf(fp, " (code %.16s…) as ", c->code_sha256 ? c->code_sha256 : "");
        lp_put_safe(fp, c->label);
        break;
    case LP_REG_REMOVED:
        fprintf(fp, "removed %zu entr%s", c->count, c->count == 1 ? "y" : "ies");
        break;
    case LP_REG_RENAMED:
        fprintf(fp, "renamed %zu entr%s to ", c->count, c->count == 1 ? "y" : "ies");
        lp_put_safe(fp, c->label);
        break;
    case LP_REG_IMPORTED:
        fprintf(fp, "imported %zu new entr%s", c->count, c->count == 1 ? "y" : "ies");
        break;
    case LP_REG_COPIED:
        fprintf(fp, "copied %zu entr%s: %zu new, %zu there already", c->count, c->count == 1 ? "y" : "ies",
                c->added, c->count - c->added);
        break;
    }
    fputc('\n', fp);
    return true;
}

/* exporter --once: one row per process read, then what the scrape left out. */
bool lp_text_exporter(lp_report *r, const void *doc)
{
    const lp_exporter_scrape *s = doc;
    FILE *fp = r->o.fp;
    fprintf(fp, "%-8s %-20s %-12s %7s %6s %7s %7s  %s\n", "PID", "EXE", "CONTAINER", "FDS", "ESTAB",
            "CL_WAIT", "ORPHANS", "STATUS");
    for (size_t i = 0; i < s->n_procs; i++) {
        const lp_exporter_proc *p = &s->procs[i];
        fprintf(fp, "%-8d ", p->pid);
        char exe[21], ctr[13];
        /* cut to the column: a container id to its usual 12 digits */
        snprintf(exe, sizeof exe, "%.20s", p->exe);
        snprintf(ctr, sizeof ctr, "%.12s", p->container[0] ? p->container : "-");
        lp_put_safe(fp, exe);
        fprintf(fp, "%*s %-12s %7llu %6llu %7llu %7llu  ", (int)(20 - strlen(exe)), "", ctr,
                (unsigned long long)p->probe->fds, (unsigned long long)p->probe->states[LP_TCP_ESTABLISHED],
                (unsigned long long)p->probe->states[LP_TCP_CLOSE_WAIT],
                (unsigned long long)(p->probe->orphan_tcp + p->probe->orphan_udp));
        if (p->health.healthy)
            fputs("healthy", fp);
        for (size_t k = 0; k < p->health.n_reasons; k++)
            fprintf(fp, "%s%s", k ? "," : "", p->health.reasons[k].id);
        fputc('\n', fp);
    }
    fprintf(fp, "%zu processes read of %zu selected (%zu seen); dropped %zu (--max-processes %zu), "
                "unreadable %zu, vanished %zu, failed %zu; %zu network namespaces; %.0f ms\n",
            s->n_procs, s->selected, s->seen, s->dropped_processes, s->max_processes, s->unreadable,
            s->vanished, s->failed, s->n_netns, s->seconds * 1000);
    return !ferror(fp);
}
