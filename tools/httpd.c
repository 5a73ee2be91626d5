/*
 * httpd.c - the HTTP server of `linkproof exporter`, on libmicrohttpd (Debian's
 * libmicrohttpd12): no HTTP parsing of our own.
 *
 * Owns: loading libmicrohttpd (dlopen on the first `exporter`: every other run
 * of linkproof starts without it and the TLS libraries it links), the
 * listening address, the routes and the content negotiation.
 *
 * Invariants: only GET and HEAD of /metrics, / and /healthz are answered with
 * 200; another method on those paths is 405 with Allow, any other path 404;
 * a request is answered on its first call, so a body is never buffered. One
 * internal polling thread answers every connection, so scrapes run one at a
 * time; the daemon bounds open connections, the bytes of one request
 * (headers over the limit get libmicrohttpd's 431/413 and the connection is
 * closed) and idle time. OpenMetrics is written when the Accept header names
 * application/openmetrics-text, Prometheus text (0.0.4) otherwise.
 */
#include "httpd.h"

#include <dlfcn.h>
#include <errno.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MHD_FUNCS(X)                                                                                  \
    X(struct MHD_Daemon *, MHD_start_daemon, (unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *, \
                                              MHD_AccessHandlerCallback, void *, ...))                \
    X(void, MHD_stop_daemon, (struct MHD_Daemon *))                                                   \
    X(const union MHD_DaemonInfo *, MHD_get_daemon_info, (struct MHD_Daemon *, enum MHD_DaemonInfoType, ...)) \
    X(struct MHD_Response *, MHD_create_response_from_buffer, (size_t, void *, enum MHD_ResponseMemoryMode)) \
    X(enum MHD_Result, MHD_add_response_header, (struct MHD_Response *, const char *, const char *))  \
    X(enum MHD_Result, MHD_queue_response, (struct MHD_Connection *, unsigned int, struct MHD_Response *)) \
    X(void, MHD_destroy_response, (struct MHD_Response *))                                            \
    X(const char *, MHD_lookup_connection_value, (struct MHD_Connection *, enum MHD_ValueKind, const char *))

static struct {
#define X(ret, name, args) ret(*name) args;
    MHD_FUNCS(X)
#undef X
} mhd;
static pthread_once_t mhd_once = PTHREAD_ONCE_INIT;
static char mhd_error[256];

static void mhd_load(void)
{
#ifdef LP_MHD_LINKED
    /* a build that links libmicrohttpd in (a static one) */
#define X(ret, name, args) mhd.name = name;
    MHD_FUNCS(X)
#undef X
#else
    void *h = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(mhd_error, sizeof mhd_error,
                 "libmicrohttpd.so.12 could not be loaded (%s); install libmicrohttpd12", e ? e : "not found");
        return;
    }
    void *f;
#define X(ret, name, args)                                                                   \
    if (!(f = dlsym(h, #name))) {                                                            \
        snprintf(mhd_error, sizeof mhd_error, "libmicrohttpd.so.12 has no %s", #name);       \
        return;                                                                              \
    }                                                                                        \
    memcpy(&mhd.name, &f, sizeof f);
    MHD_FUNCS(X)
#undef X
#endif
}

struct lp_httpd {
    struct MHD_Daemon *d;
    lp_httpd_opts o;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len,
                             bool owned, const char *allow)
{
    struct MHD_Response *r = mhd.MHD_create_response_from_buffer(
        len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        if (owned)
            free(body);
        return MHD_NO;
    }
    mhd.MHD_add_response_header(r, "Content-Type", type);
    if (allow)
        mhd.MHD_add_response_header(r, "Allow", allow);
    enum MHD_Result q = mhd.MHD_queue_response(c, status, r);
    mhd.MHD_destroy_response(r);
    return q;
}

#define NOT_FOUND "not found: the metrics are at /metrics\n"
#define NOT_ALLOWED "method not allowed\n"
#define FAILED "the scrape failed\n"

static char *cstr(const char *s) { return (char *)(uintptr_t)s; } /* persistent bodies are never written */

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size,
                              void **con_cls)
{
    lp_httpd *h = cls;
    static const char plain[] = "text/plain; charset=utf-8";
    bool metrics = strcmp(url, "/metrics") == 0;
    bool known = metrics || strcmp(url, "/") == 0 || strcmp(url, "/healthz") == 0;
    if (!known)
        return reply(c, MHD_HTTP_NOT_FOUND, plain, cstr(NOT_FOUND), sizeof NOT_FOUND - 1, false, NULL);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, plain, cstr(NOT_ALLOWED), sizeof NOT_ALLOWED - 1, false, "GET, HEAD");
    if (strcmp(url, "/healthz") == 0)
        return reply(c, MHD_HTTP_OK, plain, cstr("ok\n"), 3, false, NULL);
    if (!metrics) {
        static const char index[] = "<html><head><title>linkproof exporter</title></head><body>"
                                    "<a href=\"/metrics\">/metrics</a></body></html>\n";
        return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", cstr(index), sizeof index - 1, false, NULL);
    }
    const char *accept = mhd.MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
    bool om = accept && strstr(accept, "application/openmetrics-text") != NULL;
    char *buf = NULL;
    size_t len = 0;
    if (!h->o.metrics(h->o.ctx, om, &buf, &len)) {
        free(buf);
        return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, plain, cstr(FAILED), sizeof FAILED - 1, false, NULL);
    }
    return reply(c, MHD_HTTP_OK,
                 om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                    : "text/plain; version=0.0.4; charset=utf-8",
                 buf, len, true, NULL);
}

lp_httpd *lp_httpd_start(const lp_httpd_opts *o, char *why, size_t n)
{
    pthread_once(&mhd_once, mhd_load);
    if (mhd_error[0]) {
        snprintf(why, n, "%s", mhd_error);
        return NULL;
    }
    /* HOST:PORT, [V6]:PORT, :PORT; numeric only: no name lookup at start-up */
    char host[128] = "", port[16] = "";
    const char *a = o->listen, *colon = strrchr(a, ':');
    const char *h0 = a, *h1 = colon;
    if (*a == '[') {
        const char *close = strchr(a, ']');
        if (!close || close[1] != ':') {
            snprintf(why, n, "--listen '%s': expected HOST:PORT, [IPV6]:PORT or :PORT", a);
            return NULL;
        }
        h0 = a + 1;
        h1 = close;
        colon = close + 1;
    }
    if (!colon || (size_t)(h1 - h0) >= sizeof host || strlen(colon + 1) >= sizeof port || !colon[1]) {
        snprintf(why, n, "--listen '%s': expected HOST:PORT, [IPV6]:PORT or :PORT", a);
        return NULL;
    }
    char *pend;
    unsigned long pv = strtoul(colon + 1, &pend, 10);
    if (*pend || colon[1] < '0' || colon[1] > '9' || pv > 65535) {
        snprintf(why, n, "--listen '%s': the port must be a number from 0 to 65535", a);
        return NULL;
    }
    memcpy(host, h0, (size_t)(h1 - h0));
    host[h1 - h0] = '\0';
    snprintf(port, sizeof port, "%s", colon + 1);
    /* inet_pton, not getaddrinfo: numeric only, and nothing for a static glibc to load */
    struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)pv)};
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)pv)};
    bool is6 = false;
    if (!host[0])
        v4.sin_addr.s_addr = htonl(INADDR_ANY);
    else if (inet_pton(AF_INET, host, &v4.sin_addr) != 1) {
        if (inet_pton(AF_INET6, host, &v6.sin6_addr) != 1) {
            snprintf(why, n, "--listen '%s': '%s' is not a numeric IPv4 or IPv6 address", a, host);
            return NULL;
        }
        is6 = true;
    }
    const struct sockaddr *sa = is6 ? (const struct sockaddr *)&v6 : (const struct sockaddr *)&v4;
    lp_httpd *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(why, n, "out of memory");
        return NULL;
    }
    h->o = *o;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | (is6 ? MHD_USE_IPv6 : 0);
    errno = 0;
    h->d = mhd.MHD_start_daemon(flags, 0, NULL, NULL, handle, h,
                                MHD_OPTION_SOCK_ADDR, sa,
                                MHD_OPTION_CONNECTION_LIMIT, (unsigned int)o->max_connections,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)o->timeout_s,
                                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)o->max_request,
                                MHD_OPTION_END);
    int e = errno;
    if (!h->d) {
        snprintf(why, n, "--listen '%s': cannot listen there%s%s", a, e ? ": " : "", e ? strerror(e) : "");
        free(h);
        return NULL;
    }
    return h;
}

uint16_t lp_httpd_port(const lp_httpd *h)
{
    const union MHD_DaemonInfo *i = mhd.MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    return i ? i->port : 0;
}

void lp_httpd_stop(lp_httpd **ph)
{
    if (!ph || !*ph)
        return;
    mhd.MHD_stop_daemon((*ph)->d);
    free(*ph);
    *ph = NULL;
}
