/*
 * httpd.h - the exporter's HTTP server (httpd.c): libmicrohttpd, loaded on
 * first use, serving GET/HEAD of /metrics, / and /healthz, one request at a
 * time, within bounds on connections, request size and time.
 */
#ifndef LP_HTTPD_H
#define LP_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Write the metrics: *buf (malloc'd, freed by the server) of *len bytes; false: 500. */
typedef bool (*lp_httpd_metrics)(void *ctx, bool openmetrics, char **buf, size_t *len);

typedef struct lp_httpd_opts {
    const char *listen;       /* "HOST:PORT", "[V6]:PORT" or ":PORT" (every IPv4 address) */
    unsigned max_connections; /* open connections at once */
    unsigned timeout_s;       /* an idle connection is closed after this */
    size_t max_request;       /* bytes of one request's headers */
    lp_httpd_metrics metrics;
    void *ctx;
} lp_httpd_opts;

typedef struct lp_httpd lp_httpd;

/* Start serving; NULL with one line in @p why (no libmicrohttpd, a bad address, the port taken). */
lp_httpd *lp_httpd_start(const lp_httpd_opts *o, char *why, size_t n);
/* The port it listens on (the one the kernel chose for port 0). */
uint16_t lp_httpd_port(const lp_httpd *h);
/* Stop: the request being served is finished, the others closed. Sets *h to NULL. */
void lp_httpd_stop(lp_httpd **h);

#endif
