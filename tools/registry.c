/*
 * registry.c - `linkproof registry`: the store of trusted fingerprints.
 * add, list, show, remove, export and import (JSON lines). Exit 0 ok,
 * 1 show/remove found nothing, 2 usage or database errors.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "linkproof/fingerprint.h"
#include "linkproof/limits.h"
#include "linkproof/registry.h"
#include "report/report.h"

void usage_registry(FILE *fp)
{
    fputs("usage: linkproof registry [--registry DB] add --label LABEL FILE...\n"
          "       linkproof registry [--registry DB] list [--json]\n"
          "       linkproof registry [--registry DB] show ID|BUILD_ID|SHA256 [--json]\n"
          "       linkproof registry [--registry DB] remove ID|BUILD_ID|SHA256\n"
          "       linkproof registry [--registry DB] export [FILE]\n"
          "       linkproof registry [--registry DB] import [FILE]\n"
          "\n"
          "The store of trusted fingerprints that 'linkproof verify' consults: each entry is a\n"
          "build's Go and GNU build IDs, file and code SHA-256, and a label (a release, an image\n"
          "reference, a commit). SQLite with a WAL journal and full-sync commits: safe for several\n"
          "processes at once, and a committed entry survives a crash; an import is one\n"
          "transaction (all or nothing). export/import use JSON lines, one entry per line.\n"
          "\n"
          "  --registry DB   default: $LINKPROOF_REGISTRY, else $XDG_DATA_HOME/linkproof/registry.db,\n"
          "                  else ~/.local/share/linkproof/registry.db\n"
          "\n"
          "exit status: 0 ok; 1 show/remove found nothing; 2 usage, unreadable file, or a\n"
          "database that is not a registry, corrupt, or locked for too long\n",
          fp);
}

static json_t *entry_json(const lp_reg_entry *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(e->id));
    json_object_set_new(o, "label", lp_json_str(e->label));
    json_object_set_new(o, "go_build_id", e->go_build_id ? lp_json_str(e->go_build_id) : json_null());
    json_object_set_new(o, "gnu_build_id", e->gnu_build_id ? lp_json_str(e->gnu_build_id) : json_null());
    json_object_set_new(o, "sha256", lp_json_str(e->sha256));
    json_object_set_new(o, "code_sha256", lp_json_str(e->code_sha256));
    json_object_set_new(o, "code_size", json_integer((json_int_t)e->code_size));
    json_object_set_new(o, "path", e->path ? lp_json_str(e->path) : json_null());
    json_object_set_new(o, "added_at", e->added_at ? lp_json_str(e->added_at) : json_null());
    return o;
}

static void print_list(const lp_reg_list *l, bool json, FILE *out)
{
    if (!json)
        fprintf(out, "%-5s %-22s %-20s %-16s %s\n", "ID", "LABEL", "ADDED", "CODE SHA256", "GO BUILD ID");
    for (size_t i = 0; i < l->n; i++) {
        const lp_reg_entry *e = &l->e[i];
        if (json) {
            json_t *o = entry_json(e);
            lp_json_write_line(out, o);
            json_decref(o);
        } else {
            fprintf(out, "%-5lld %-22s %-20s %.16s %s\n", (long long)e->id, e->label,
                    e->added_at ? e->added_at : "-", e->code_sha256, e->go_build_id ? e->go_build_id : "-");
        }
    }
}

int cmd_registry(int argc, char **argv)
{
    enum { O_REG = 256, O_LABEL, O_JSON };
    static const struct option opts[] = {
        {"registry", required_argument, NULL, O_REG},
        {"label", required_argument, NULL, O_LABEL},
        {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *regpath = NULL, *label = NULL;
    bool json = false;
    int ch;
    optind = 1;
    /* options may come before or after the subcommand */
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case O_REG: regpath = optarg; break;
        case O_LABEL: label = optarg; break;
        case O_JSON: json = true; break;
        case 'h': usage_registry(stdout); return LP_EXIT_OK;
        default: lp_cli_bad_option("registry", argv); return LP_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        lp_cli_error("registry: no command (add, list, show, remove, export, import); see 'linkproof help registry'");
        return LP_EXIT_USAGE;
    }
    const char *cmd = argv[optind++];
    int nargs = argc - optind;
    char **args = argv + optind;
    bool is_add = !strcmp(cmd, "add"), is_list = !strcmp(cmd, "list"), is_show = !strcmp(cmd, "show"),
         is_rm = !strcmp(cmd, "remove"), is_exp = !strcmp(cmd, "export"), is_imp = !strcmp(cmd, "import");
    if (!(is_add || is_list || is_show || is_rm || is_exp || is_imp)) {
        lp_cli_error("registry: '%s' is not a registry command (add, list, show, remove, export, import)", cmd);
        return LP_EXIT_USAGE;
    }
    if ((is_add && (nargs < 1 || !label)) || (is_list && nargs) || ((is_show || is_rm) && nargs != 1) ||
        ((is_exp || is_imp) && nargs > 1)) {
        lp_cli_error("registry %s: wrong arguments%s; see 'linkproof help registry'", cmd,
                     is_add && !label ? " (--label LABEL is required)" : "");
        return LP_EXIT_USAGE;
    }
    char *defpath = regpath ? NULL : lp_registry_default_path();
    const char *path = regpath ? regpath : defpath;
    if (!path) {
        lp_cli_error("registry: no --registry, $LINKPROOF_REGISTRY, $XDG_DATA_HOME or $HOME to find it by");
        return LP_EXIT_USAGE;
    }
    lp_err err;
    lp_err_clear(&err);
    lp_registry *reg = NULL;
    int status = LP_EXIT_OK;
    if (lp_registry_open(path, is_add || is_imp, &reg, &err) != LP_OK) {
        if (err.code == LP_ERR_NOTFOUND && (is_list || is_exp)) {
            /* nothing added yet: an empty registry */
            if (is_list && !json)
                print_list(&(lp_reg_list){0}, false, stdout);
        } else {
            lp_cli_error("registry: %s", err.msg);
            status = err.code == LP_ERR_NOTFOUND ? LP_EXIT_FINDING : LP_EXIT_USAGE;
        }
        free(defpath);
        return status;
    }
    lp_reg_list l = {0};
    if (is_add) {
        for (int i = 0; i < nargs; i++) {
            lp_fingerprint f;
            bool added = false;
            lp_code rc = lp_fingerprint_file(args[i], &f, &err);
            if (!rc && !f.has_code)
                rc = lp_err_set(&err, LP_ERR_UNSUPPORTED, "'%s': not an object file: nothing to trust",
                                args[i]);
            if (rc || lp_registry_add(reg, &f, args[i], label, &added, &err) != LP_OK) {
                lp_cli_error("registry add: %s", err.msg);
                status = LP_EXIT_USAGE;
            } else {
                printf("%s %s (code %.16s…) as %s\n", added ? "added" : "already there:", args[i],
                       f.code_sha256, label);
            }
            lp_fingerprint_release(&f);
        }
    } else if (is_list || is_exp) {
        FILE *out = stdout;
        if (is_exp && nargs == 1 && !(out = fopen(args[0], "w"))) {
            lp_cli_error("registry export: cannot write '%s'", args[0]);
            status = LP_EXIT_USAGE;
        } else if (lp_registry_list(reg, &l, &err) != LP_OK) {
            lp_cli_error("registry: %s", err.msg);
            status = LP_EXIT_USAGE;
        } else {
            print_list(&l, json || is_exp, out);
        }
        if (out && out != stdout && fclose(out) != 0) {
            lp_cli_error("registry export: cannot write '%s'", args[0]);
            status = LP_EXIT_USAGE;
        }
    } else if (is_show) {
        if (lp_registry_find(reg, args[0], &l, &err) != LP_OK) {
            lp_cli_error("registry: %s", err.msg);
            status = LP_EXIT_USAGE;
        } else if (!l.n) {
            lp_cli_error("registry show: nothing matches '%s'", args[0]);
            status = LP_EXIT_FINDING;
        } else {
            print_list(&l, json, stdout);
        }
    } else if (is_rm) {
        size_t n = 0;
        if (lp_registry_remove(reg, args[0], &n, &err) != LP_OK) {
            lp_cli_error("registry: %s", err.msg);
            status = LP_EXIT_USAGE;
        } else if (!n) {
            lp_cli_error("registry remove: nothing matches '%s'", args[0]);
            status = LP_EXIT_FINDING;
        } else {
            printf("removed %zu entr%s\n", n, n == 1 ? "y" : "ies");
        }
    } else {
        size_t len = 0, added = 0;
        char *text = NULL;
        /* a regular file opened non-blocking (or stdin), at most the import limit */
        lp_code rc = nargs ? lp_file_read_all(args[0], "import file", lp_limit(LP_LIMIT_IMPORT),
                                              LP_LIMIT_IMPORT, &text, &len, &err)
                           : lp_fd_read_all(0, "(stdin)", lp_limit(LP_LIMIT_IMPORT), LP_LIMIT_IMPORT,
                                            &text, &len, &err);
        if (rc) {
            lp_cli_error("registry import: %s (nothing was imported)", err.msg);
            status = LP_EXIT_USAGE;
        } else if (lp_registry_import(reg, text, len, nargs ? args[0] : "(stdin)", &added, &err) != LP_OK) {
            lp_cli_error("registry import: %s (nothing was imported)", err.msg);
            status = LP_EXIT_USAGE;
        } else {
            printf("imported %zu new entr%s\n", added, added == 1 ? "y" : "ies");
        }
        free(text);
    }
    lp_reg_list_release(&l);
    lp_registry_close(&reg);
    free(defpath);
    return status;
}
