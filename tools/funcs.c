/*
 * funcs.c - `linkproof funcs FILE [--package P] [--json]` and
 * `linkproof pkgs FILE [--json]`: the Go function table, read from the
 * pclntab (present even in stripped binaries), and the packages it names.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report/report.h"

void usage_funcs(FILE *fp)
{
    fputs("usage: linkproof funcs [--package P] [--json] FILE\n"
          "\n"
          "Lists the Go functions of FILE from its function table (pclntab), which survives\n"
          "stripping: entry address and the name exactly as the table stores it, in table\n"
          "(address) order. Every Go version from 1.2 on, every architecture, either byte order.\n"
          "\n"
          "  --package P   only functions of package P (its full import path, e.g. main, net/http,\n"
          "                gopkg.in/yaml.v3; the table spells that one gopkg.in/yaml%2ev3)\n"
          "  --json        one JSON object: {\"path\", \"pclntab\": {...}, \"functions\": [{\"entry\", \"name\", \"package\"}]}\n"
          "\n"
          "exit status: 0 listed; 1 FILE has no Go function table; 2 usage or unreadable input\n",
          fp);
}

void usage_pkgs(FILE *fp)
{
    fputs("usage: linkproof pkgs [--json] FILE\n"
          "\n"
          "Lists the packages named by FILE's function table with how many functions each has,\n"
          "sorted by package path. Compiler-generated names (go:, type:) belong to no package\n"
          "and are counted as \"\" in --json.\n"
          "\n"
          "exit status: 0 listed; 1 FILE has no Go function table; 2 usage or unreadable input\n",
          fp);
}

/* Open FILE and read its table; prints the error and returns the exit status on failure. */
static int open_table(const char *path, lp_src **src, lp_obj **obj, lp_pclntab **t)
{
    lp_err err;
    lp_err_clear(&err);
    lp_code rc = lp_src_open(src, path, &err);
    if (!rc)
        rc = lp_obj_open(obj, *src, &err);
    if (!rc)
        rc = lp_pclntab_read(*obj, t, &err);
    if (rc) {
        lp_cli_error("%s", err.msg);
        return rc == LP_ERR_NOTFOUND ? LP_EXIT_FINDING : LP_EXIT_USAGE;
    }
    return LP_EXIT_OK;
}

static int parse(int argc, char **argv, bool *json, const char **pkg, void (*usage)(FILE *))
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"package", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "jp:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'j': *json = true; break;
        case 'p':
            if (!pkg)
                goto bad;
            *pkg = optarg;
            break;
        case 'h': usage(stdout); return -1;
        default: lp_cli_bad_option(pkg ? "funcs" : "pkgs", argv); return -2;
        }
    }
    if (optind != argc - 1) {
        lp_cli_error("%s: expected exactly one FILE; see 'linkproof help %s'", pkg ? "funcs" : "pkgs",
                     pkg ? "funcs" : "pkgs");
        return -2;
    }
    return optind;
bad:
    lp_cli_error("--package is an option of 'linkproof funcs'");
    return -2;
}

int cmd_funcs(int argc, char **argv)
{
    bool json = false;
    const char *pkg = NULL;
    int at = parse(argc, argv, &json, &pkg, usage_funcs);
    if (at < 0)
        return at == -1 ? LP_EXIT_OK : LP_EXIT_USAGE;
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_pclntab *t = NULL;
    int status = open_table(argv[at], &src, &obj, &t);
    if (status == LP_EXIT_OK) {
        const lp_pclntab_info *in = lp_pclntab_get_info(t);
        /* the table spells import paths as the linker does (gopkg.in/yaml%2ev3) */
        char *want = pkg ? lp_go_path_to_prefix(pkg, strlen(pkg)) : NULL;
        size_t plen = want ? strlen(want) : 0;
        json_t *arr = json ? json_array() : NULL;
        for (size_t i = 0; i < lp_pclntab_count(t); i++) {
            const lp_func *f = lp_pclntab_func(t, i);
            size_t pl = lp_go_package_len(f->name, in->version);
            if (want && (pl != plen || strncmp(f->name, want, plen) != 0))
                continue;
            if (json) {
                json_t *o = json_object();
                json_object_set_new(o, "entry", json_integer((json_int_t)f->entry));
                json_object_set_new(o, "name", lp_json_str(f->name));
                char *path = lp_go_prefix_to_path(f->name, pl);
                json_object_set_new(o, "package", path ? lp_json_str(path) : json_null());
                free(path);
                json_array_append_new(arr, o);
            } else {
                printf("0x%08llx  %s\n", (unsigned long long)f->entry, f->name);
            }
        }
        if (json) {
            json_t *o = json_object();
            json_object_set_new(o, "path", lp_json_str(argv[at]));
            json_object_set_new(o, "pclntab", lp_pclntab_json(in, lp_pclntab_count(t)));
            json_object_set_new(o, "functions", arr);
            lp_json_write_line(stdout, o);
            json_decref(o);
        }
        free(want);
    }
    lp_pclntab_free(&t);
    lp_obj_free(&obj);
    lp_src_free(&src);
    return status;
}

typedef struct pkgref {
    const char *name;
    size_t len;
} pkgref;

static int cmp_pkg(const void *a, const void *b)
{
    const pkgref *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->name, y->name, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

int cmd_pkgs(int argc, char **argv)
{
    bool json = false;
    int at = parse(argc, argv, &json, NULL, usage_pkgs);
    if (at < 0)
        return at == -1 ? LP_EXIT_OK : LP_EXIT_USAGE;
    lp_src *src = NULL;
    lp_obj *obj = NULL;
    lp_pclntab *t = NULL;
    int status = open_table(argv[at], &src, &obj, &t);
    if (status == LP_EXIT_OK) {
        const lp_pclntab_info *in = lp_pclntab_get_info(t);
        size_t n = lp_pclntab_count(t);
        pkgref *refs = malloc((n ? n : 1) * sizeof *refs);
        if (!refs) {
            lp_cli_error("out of memory");
            status = LP_EXIT_USAGE;
        } else {
            for (size_t i = 0; i < n; i++) {
                const char *nm = lp_pclntab_func(t, i)->name;
                refs[i] = (pkgref){nm, lp_go_package_len(nm, in->version)};
            }
            qsort(refs, n, sizeof *refs, cmp_pkg);
            json_t *arr = json ? json_array() : NULL;
            for (size_t i = 0; i < n;) {
                size_t j = i + 1;
                while (j < n && cmp_pkg(&refs[i], &refs[j]) == 0)
                    j++;
                /* shown as import paths, not the linker's escaped spelling */
                char *path = lp_go_prefix_to_path(refs[i].name, refs[i].len);
                if (json) {
                    json_t *o = json_object();
                    json_object_set_new(o, "package", path ? lp_json_str(path) : json_null());
                    json_object_set_new(o, "functions", json_integer((json_int_t)(j - i)));
                    json_array_append_new(arr, o);
                } else if (refs[i].len) {
                    printf("%6zu  %s\n", j - i, path ? path : "?");
                } else {
                    printf("%6zu  (no package: compiler-generated)\n", j - i);
                }
                free(path);
                i = j;
            }
            if (json) {
                json_t *o = json_object();
                json_object_set_new(o, "path", lp_json_str(argv[at]));
                json_object_set_new(o, "packages", arr);
                lp_json_write_line(stdout, o);
                json_decref(o);
            }
            free(refs);
        }
    }
    lp_pclntab_free(&t);
    lp_obj_free(&obj);
    lp_src_free(&src);
    return status;
}
