/*
 * prometheus.h - the Prometheus text exposition writer (prometheus.c): a
 * metric family's HELP and TYPE lines, and its samples with labels, escaped as
 * the format requires. `probe --format prometheus` uses it; so will every
 * other writer of metrics (an exporter), so that metrics are formatted in one
 * place.
 */
#ifndef LP_REPORT_PROMETHEUS_H
#define LP_REPORT_PROMETHEUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct lp_prom_label {
    const char *name;  /* a constant label name */
    const char *value; /* escaped when written */
} lp_prom_label;

/* "# HELP name help" and "# TYPE name type" (gauge, counter, ...). */
void lp_prom_family(FILE *fp, const char *name, const char *type, const char *help);
/* The same, OpenMetrics-aware when @p om: a counter's family without "_total", type "info" as
 * OpenMetrics has it (in the text format: a gauge named ..._info). */
void lp_prom_family_om(FILE *fp, bool om, const char *name, const char *type, const char *help);
/* "name{l1="v1",...} value" */
void lp_prom_sample(FILE *fp, const char *name, const lp_prom_label *labels, size_t n, uint64_t value);
void lp_prom_sample_real(FILE *fp, const char *name, const lp_prom_label *labels, size_t n, double value);

#endif
