/*
 * diff.c - `linkproof diff A B [--json]`: what changed between two builds.
 * Exit 0 when every compared fact is the same, 1 when any differs, 2 when
 * either file cannot be read.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "linkproof/diff.h"
#include "report/report.h"

void usage_diff(FILE *fp)
{
    fputs("usage: linkproof diff [--json] [--color=WHEN] A B\n"
          "\n"
          "What differs between two builds, most consequential first: package initializers\n"
          "(e.g. a main.init.0 lost with CGO_ENABLED=0) and cgo code, linkage (static or\n"
          "dynamic, PIE, interpreter, needed libraries, RPATH/RUNPATH), Go version, main\n"
          "module, -X verdicts and values, build settings, dependencies (added, removed,\n"
          "version changed), packages, stripping, format, and build IDs.\n"
          "\n"
          "  --json          one JSON object: {\"a\", \"b\", \"identical\", \"changes\": [{\"group\",\n"
          "                  \"kind\": removed|added|changed, \"item\", \"a\", \"b\"}]}\n"
          "  --color=WHEN    auto (default), always, never\n"
          "\n"
          "exit status: 0 identical in every compared fact; 1 they differ; 2 usage error or\n"
          "an unreadable input\n",
          fp);
}

static const char *group_title(const char *g)
{
    static const struct { const char *g, *t; } titles[] = {
        {"init_functions", "init functions"}, {"cgo", "cgo"}, {"linkage", "linkage"},
        {"needed", "needed libraries"}, {"xvars", "-X variables"}, {"go", "go"}, {"main", "main module"},
        {"settings", "build settings"}, {"deps", "dependencies"}, {"packages", "packages"},
        {"stripping", "stripping"}, {"format", "format"}, {"identity", "build ids"},
    };
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
        if (strcmp(titles[i].g, g) == 0)
            return titles[i].t;
    return g;
}

static void text(lp_out *o, const char *pa, const char *pb, const lp_diff *d)
{
    FILE *fp = o->fp;
    fprintf(fp, "--- %s\n+++ %s\n", pa, pb);
    const char *group = NULL;
    for (size_t i = 0; i < d->n; i++) {
        const lp_change *c = &d->changes[i];
        if (!group || strcmp(group, c->group) != 0) {
            group = c->group;
            fprintf(fp, o->color ? "\033[1m%s\033[0m\n" : "%s\n", group_title(group));
        }
        const char *col = !o->color ? "" : c->kind == LP_REMOVED ? "\033[31m"
                                         : c->kind == LP_ADDED   ? "\033[32m"
                                                                 : "\033[33m";
        const char *end = o->color ? "\033[0m" : "";
        bool kv = strcmp(c->group, "settings") == 0; /* settings read as KEY=VALUE */
        if (kv && c->kind != LP_CHANGED)
            fprintf(fp, "  %s%c %s=%s%s\n", col, c->kind == LP_REMOVED ? '-' : '+', c->item,
                    c->kind == LP_REMOVED ? c->a : c->b, end);
        else if (c->kind == LP_CHANGED)
            fprintf(fp, "  %s~ %s: %s -> %s%s\n", col, c->item, c->a, c->b, end);
        else if (c->kind == LP_REMOVED)
            fprintf(fp, "  %s- %s%s%s%s\n", col, c->item, c->a ? " " : "", c->a ? c->a : "", end);
        else
            fprintf(fp, "  %s+ %s%s%s%s\n", col, c->item, c->b ? " " : "", c->b ? c->b : "", end);
    }
    if (d->n == 0)
        fputs("identical in every compared fact\n", fp);
    else
        fprintf(fp, "%zu difference%s\n", d->n, d->n == 1 ? "" : "s");
}

static json_t *json_of(const char *pa, const char *pb, const lp_diff *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "a", lp_json_str(pa));
    json_object_set_new(o, "b", lp_json_str(pb));
    json_object_set_new(o, "identical", json_boolean(d->n == 0));
    json_t *arr = json_array();
    for (size_t i = 0; i < d->n; i++) {
        const lp_change *c = &d->changes[i];
        json_t *j = json_object();
        json_object_set_new(j, "group", json_string(c->group));
        json_object_set_new(j, "kind", json_string(lp_change_kind_name(c->kind)));
        json_object_set_new(j, "item", lp_json_str(c->item));
        json_object_set_new(j, "a", c->a ? lp_json_str(c->a) : json_null());
        json_object_set_new(j, "b", c->b ? lp_json_str(c->b) : json_null());
        json_array_append_new(arr, j);
    }
    json_object_set_new(o, "changes", arr);
    return o;
}

int cmd_diff(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"color", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    lp_color_mode cm = LP_COLOR_AUTO;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        switch (ch) {
        case 'j': json = true; break;
        case 'c':
            if (!lp_cli_color("diff", optarg, &cm))
                return LP_EXIT_USAGE;
            break;
        case 'h': usage_diff(stdout); return LP_EXIT_OK;
        default: lp_cli_bad_option("diff", argv); return LP_EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        lp_cli_error("diff: expected two files, A and B");
        usage_diff(stderr);
        return LP_EXIT_USAGE;
    }
    lp_facts *fa = NULL, *fb = NULL;
    lp_err err;
    int status = LP_EXIT_OK;
    for (int k = 0; k < 2; k++) {
        lp_facts **f = k ? &fb : &fa;
        if (lp_facts_collect(argv[optind + k], f, &err) != LP_OK) {
            lp_cli_error("%s", err.msg);
            status = LP_EXIT_USAGE;
        }
    }
    lp_diff d = {0};
    if (status == LP_EXIT_OK && lp_facts_diff(fa, fb, &d, &err) != LP_OK) {
        lp_cli_error("%s", err.msg);
        status = LP_EXIT_USAGE;
    }
    if (status == LP_EXIT_OK) {
        if (json) {
            json_t *j = json_of(argv[optind], argv[optind + 1], &d);
            lp_json_write_line(stdout, j);
            json_decref(j);
        } else {
            lp_out o = {.fp = stdout, .color = lp_color_enabled(stdout, cm)};
            text(&o, argv[optind], argv[optind + 1], &d);
        }
        status = d.n ? LP_EXIT_FINDING : LP_EXIT_OK;
    }
    lp_diff_release(&d);
    lp_facts_free(&fa);
    lp_facts_free(&fb);
    return status;
}
