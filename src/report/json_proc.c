/*
 * json_proc.c - JSON of what is read from live processes and the registry:
 * `probe` (a reading and its findings), `fingerprint` (a file's, or a
 * process's: memory beside its file), `verify` (one per process; a process
 * that could not be verified has every key null and its error), and the
 * registry's entries (the same fields as its export lines).
 */
#include <string.h>

#include "report/report_internal.h"

static json_t *u64_or_null(uint64_t v) { return v == UINT64_MAX ? json_null() : lp_json_u64(v); }

bool lp_json_probe(json_t *o, const lp_report *r, const void *doc)
{
    const lp_doc_probe *d = doc;
    const lp_probe *p = d->p;
    const lp_facts *gf = d->go;
    const lp_health *h = d->health;
    json_object_set_new(o, "pid", json_integer(p->pid));
    json_object_set_new(o, "exe", lp_json_str(p->exe));
    bool go = gf && gf->is_go;
    json_object_set_new(o, "go_version",
                        go ? lp_json_str(gf->go ? gf->go->go_version : gf->go_version_fallback) : json_null());
    json_object_set_new(o, "go_main", go && gf->go && gf->go->has_main && gf->go->main.path && gf->go->main.path[0]
                                          ? lp_json_str(gf->go->main.path) : json_null());
    json_object_set_new(o, "threads", lp_json_u64(p->threads));
    json_object_set_new(o, "fds", lp_json_u64(p->fds));
    json_object_set_new(o, "fd_limit", u64_or_null(p->fd_limit));
    json_object_set_new(o, "fd_ratio", p->fd_limit == UINT64_MAX ? json_null() : json_real(lp_probe_fd_ratio(p)));
    json_t *tcp = json_object(), *st = json_object();
    json_object_set_new(tcp, "source", json_string(p->tcp_source));
    json_object_set_new(tcp, "sockets", lp_json_u64(p->sockets));
    for (unsigned s = 1; s < LP_TCP_NSTATES; s++)
        json_object_set_new(st, lp_tcp_state_name(s), lp_json_u64(p->states[s]));
    json_object_set_new(tcp, "states", st);
    json_object_set_new(o, "tcp", tcp);
    json_t *orph = json_object();
    json_object_set_new(orph, "total", lp_json_u64(p->orphan_tcp + p->orphan_udp));
    json_object_set_new(orph, "tcp", lp_json_u64(p->orphan_tcp));
    json_object_set_new(orph, "udp", lp_json_u64(p->orphan_udp));
    json_object_set_new(o, "orphan_sockets", orph);
    json_t *ls = json_array();
    for (size_t i = 0; i < p->n_listeners; i++) {
        const lp_listener *l = &p->listeners[i];
        json_t *j = json_object();
        json_object_set_new(j, "family", json_string(l->ipv6 ? "ipv6" : "ipv4"));
        json_object_set_new(j, "address", json_string(l->address));
        json_object_set_new(j, "port", json_integer(l->port));
        json_object_set_new(j, "queue", json_integer(l->queue));
        json_object_set_new(j, "backlog", l->backlog ? json_integer(l->backlog) : json_null());
        json_object_set_new(j, "inode", lp_json_u64(l->inode));
        json_array_append_new(ls, j);
    }
    json_object_set_new(o, "listeners", ls);
    json_t *ns = json_object();
    json_object_set_new(ns, "listen_overflows", p->have_netstat ? lp_json_u64(p->listen_overflows) : json_null());
    json_object_set_new(ns, "listen_drops", p->have_netstat ? lp_json_u64(p->listen_drops) : json_null());
    json_object_set_new(ns, "listen_overflows_delta", h->have_delta ? lp_json_u64(h->d_overflows) : json_null());
    json_object_set_new(ns, "listen_drops_delta", h->have_delta ? lp_json_u64(h->d_drops) : json_null());
    json_object_set_new(o, "netstat", ns);
    json_object_set_new(o, "healthy", json_boolean(h->healthy));
    json_t *fs = json_array();
    for (size_t i = 0; i < h->n_reasons; i++)
        json_array_append_new(fs, lp_json_finding(h->reasons[i].id, h->reasons[i].severity, h->reasons[i].message));
    json_object_set_new(o, "findings", fs);
    return true;
}

void lp_json_fingerprint_fields(json_t *o, const char *path, const lp_fingerprint *f, const lp_err *error)
{
    json_object_set_new(o, "path", lp_json_str(path));
    json_object_set_new(o, "go_build_id", f ? lp_json_str(f->go_build_id) : json_null());
    json_object_set_new(o, "gnu_build_id", f ? lp_json_str(f->gnu_build_id) : json_null());
    json_object_set_new(o, "sha256", f ? json_string(f->sha256) : json_null());
    json_object_set_new(o, "code_sha256", f && f->has_code ? json_string(f->code_sha256) : json_null());
    json_object_set_new(o, "code_size", f && f->has_code ? lp_json_u64(f->code_size) : json_null());
    json_object_set_new(o, "error", lp_json_error(error));
}

bool lp_json_fingerprint(json_t *o, const lp_report *r, const void *doc)
{
    const lp_doc_fingerprint *d = doc;
    bool failed = d->error && d->error->code;
    lp_json_fingerprint_fields(o, d->path, failed ? NULL : d->fp, d->error);
    return true;
}

void lp_json_proc_fingerprint_fields(json_t *o, const lp_proc_fingerprint *p)
{
    json_t *m = json_null(), *f = json_null();
    if (p) {
        m = json_object();
        json_object_set_new(m, "code_sha256", json_string(p->mem_code_sha256));
        json_object_set_new(m, "code_size", lp_json_u64(p->mem_code_size));
        json_object_set_new(m, "load_bias", lp_json_u64(p->load_bias));
        f = json_object();
        lp_json_fingerprint_fields(f, p->exe, &p->file, NULL);
    }
    json_object_set_new(o, "exe", p ? lp_json_str(p->exe) : json_null());
    json_object_set_new(o, "exe_state", p ? json_string(lp_exe_state_name(p->exe_state)) : json_null());
    json_object_set_new(o, "memory", m);
    json_object_set_new(o, "file", f);
    json_object_set_new(o, "match", p ? json_boolean(p->match) : json_null());
}

bool lp_json_fingerprint_pid(json_t *o, const lp_report *r, const void *doc)
{
    const lp_proc_fingerprint *p = doc;
    json_object_set_new(o, "pid", json_integer(p->pid));
    lp_json_proc_fingerprint_fields(o, p);
    return true;
}

bool lp_json_verify(json_t *o, const lp_report *r, const void *doc)
{
    const lp_doc_verify *d = doc;
    const lp_verify_result *v = d->r;
    const lp_baseline *b = d->baseline;
    json_object_set_new(o, "pid", json_integer(d->pid));
    lp_json_proc_fingerprint_fields(o, v ? &v->fp : NULL);
    json_object_set_new(o, "verdict", v ? json_string(lp_verdict_name(v->verdict)) : json_null());
    json_object_set_new(o, "label", v ? lp_json_str(v->label) : json_null());
    json_t *bj = json_null();
    if (b) {
        bj = json_object();
        json_object_set_new(bj, "given", lp_json_str(b->text));
        json_object_set_new(bj, "label", lp_json_str(b->label));
        json_object_set_new(bj, "go_build_id", lp_json_str(b->go_build_id));
    }
    json_object_set_new(o, "baseline", bj);
    json_object_set_new(o, "reason", v ? lp_json_str(v->reason) : json_null());
    json_object_set_new(o, "next_step", v ? lp_json_str(v->next_step) : json_null());
    json_object_set_new(o, "error", lp_json_error(v ? NULL : d->error));
    return true;
}

bool lp_json_registry_entry(json_t *o, const lp_report *r, const void *doc)
{
    const lp_reg_entry *e = doc;
    json_object_set_new(o, "id", json_integer(e->id));
    json_object_set_new(o, "label", lp_json_str(e->label));
    json_object_set_new(o, "go_build_id", lp_json_str(e->go_build_id));
    json_object_set_new(o, "gnu_build_id", lp_json_str(e->gnu_build_id));
    json_object_set_new(o, "sha256", lp_json_str(e->sha256));
    json_object_set_new(o, "code_sha256", lp_json_str(e->code_sha256));
    json_object_set_new(o, "code_size", lp_json_u64(e->code_size));
    json_object_set_new(o, "path", lp_json_str(e->path));
    json_object_set_new(o, "added_at", lp_json_str(e->added_at));
    return true;
}
