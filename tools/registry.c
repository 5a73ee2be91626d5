/*
 * registry.c - `linkproof registry`: the store of trusted fingerprints.
 * add, list, show, remove, rename, export and import (JSON lines), copy
 * between registries. A registry is an SQLite path or a PostgreSQL connection
 * string (the library tells them apart). Commands that only read open the
 * registry read-only; add and import read all their input before they open
 * (or create) it. Exit 0 ok, 1 show/remove/rename found nothing or add met a
 * build there under another label, 2 usage or database errors.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "linkproof/fingerprint.h"
#include "linkproof/limits.h"
#include "linkproof/registry.h"
#include "report/report.h"

void usage_registry(FILE *fp)
{
    fputs("usage: linkproof registry [--registry DB] add --label LABEL FILE...\n"
          "       linkproof registry [--registry DB] list [--json]\n"
          "       linkproof registry [--registry DB] show KEY [--json]\n"
          "       linkproof registry [--registry DB] remove KEY\n"
          "       linkproof registry [--registry DB] rename KEY NEW_LABEL\n"
          "       linkproof registry [--registry DB] export [FILE]\n"
          "       linkproof registry [--registry DB] import [FILE]\n"
          "       linkproof registry copy FROM TO\n"
          "\n"
          "The store of trusted fingerprints that 'linkproof verify' consults: each entry is a\n"
          "build's Go and GNU build IDs, file and code SHA-256, and a label (a release, an image\n"
          "reference, a commit). Two backends, the same behaviour:\n"
          "  SQLite      a file (the default): WAL journal and full-sync commits, nothing running\n"
          "  PostgreSQL  a database a fleet shares (DB is postgresql://..., postgres://..., or\n"
          "              libpq's key=value form: 'host=db1 dbname=linkproof', 'service=fleet');\n"
          "              libpq's environment applies (PGHOST, PGSERVICE, PGSSLMODE, ...) and the\n"
          "              password comes from ~/.pgpass or $PGPASSFILE: one in DB is refused\n"
          "Safe for many writers at once; a committed entry survives a crash; an import or a copy\n"
          "is one transaction (all or nothing). export/import use JSON lines, one entry per line.\n"
          "copy FROM TO copies every entry of one registry into another (SQLite to PostgreSQL or\n"
          "back), creating TO if needed; all or nothing.\n"
          "\n"
          "One build (one code SHA-256) has one label; several builds may share a label (the\n"
          "programs of one release). 'add' of a build that is there under another label changes\n"
          "nothing and exits 1: 'rename' gives it the new one. Labels are UTF-8 text without\n"
          "control characters.\n"
          "KEY is an ID, a label (all its builds), a Go or GNU build ID, a SHA-256 or code\n"
          "SHA-256, or a unique prefix (4 characters or more) of one of those, such as the code\n"
          "prefix 'list' prints.\n"
          "list, show and export only read: they open the registry read-only, so they work on\n"
          "read-only media, for users who may not write it and for PostgreSQL roles that may\n"
          "only SELECT. import reads and checks all of its input before it opens the registry:\n"
          "invalid input, a directory, or a build that is there under another label imports\n"
          "nothing and leaves no new file (or PostgreSQL tables).\n"
          "\n"
          "  --registry DB   an SQLite path or a PostgreSQL connection string; default:\n"
          "                  $LINKPROOF_REGISTRY, else $XDG_DATA_HOME/linkproof/registry.db, else\n"
          "                  ~/.local/share/linkproof/registry.db\n"
          "\n"
          "exit status: 0 ok; 1 show/remove/rename found nothing, or add found a FILE's build\n"
          "there under another label; 2 usage (a KEY prefix that names several builds, an\n"
          "invalid label, a password in DB), unreadable FILE or input, a database that is not a\n"
          "registry, corrupt, newer or locked for too long, a PostgreSQL server that cannot be\n"
          "reached, refused the login or the permission, or was lost during the command\n",
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
            /* the label padded to 22 characters, not bytes (labels are UTF-8) */
            size_t chars = 0;
            for (const char *c = e->label; *c; c++)
                chars += ((unsigned char)*c & 0xc0) != 0x80;
            fprintf(out, "%-5lld ", (long long)e->id);
            lp_put_safe(out, e->label);
            fprintf(out, "%*s %-20s %.16s %s\n", chars < 22 ? (int)(22 - chars) : 0, "",
                    e->added_at ? e->added_at : "-", e->code_sha256, e->go_build_id ? e->go_build_id : "-");
        }
    }
}

/* Remove a registry this command created (and its journal files) after a failure. */
static void remove_new(const char *path)
{
    static const char *const ext[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        char p[4200];
        if ((size_t)snprintf(p, sizeof p, "%s%s", path, ext[i]) < sizeof p)
            unlink(p);
    }
}

static int do_add(const char *path, const char *label, char **files, int nfiles)
{
    /* fingerprint first: a FILE that cannot be read creates no registry */
    lp_fingerprint *fps = calloc((size_t)nfiles, sizeof *fps);
    bool *ok = calloc((size_t)nfiles, sizeof *ok);
    int status = LP_EXIT_OK, n_ok = 0;
    lp_err err;
    lp_err_clear(&err);
    if (!fps || !ok) {
        free(fps);
        free(ok);
        lp_cli_error("registry add: out of memory");
        return LP_EXIT_USAGE;
    }
    for (int i = 0; i < nfiles; i++) {
        lp_code rc = lp_fingerprint_file(files[i], &fps[i], &err);
        if (!rc && !fps[i].has_code)
            rc = lp_err_set(&err, LP_ERR_UNSUPPORTED, "'%s': not an object file: nothing to trust", files[i]);
        if (rc) {
            lp_cli_error("registry add: %s", err.msg);
            status = LP_EXIT_USAGE;
        } else {
            ok[i] = true;
            n_ok++;
        }
    }
    lp_registry *reg = NULL;
    if (n_ok && lp_registry_open(path, LP_REG_CREATE, &reg, &err) != LP_OK) {
        lp_cli_error("registry: %s", err.msg);
        status = LP_EXIT_USAGE;
    }
    for (int i = 0; reg && i < nfiles; i++) {
        if (!ok[i])
            continue;
        bool added = false;
        if (lp_registry_add(reg, &fps[i], files[i], label, &added, &err) != LP_OK) {
            lp_cli_error("registry add: %s", err.msg);
            /* there under another label: nothing changed, a finding unless worse happened */
            int st = err.code == LP_ERR_INVAL ? LP_EXIT_FINDING : LP_EXIT_USAGE;
            if (st > status)
                status = st;
        } else {
            printf("%s %s (code %.16s…) as ", added ? "added" : "already there:", files[i], fps[i].code_sha256);
            lp_put_safe(stdout, label);
            putchar('\n');
        }
    }
    for (int i = 0; i < nfiles; i++)
        lp_fingerprint_release(&fps[i]);
    free(fps);
    free(ok);
    lp_registry_close(&reg);
    return status;
}

static int do_import(const char *path, const char *file)
{
    const char *name = file ? file : "(stdin)";
    size_t len = 0, added = 0;
    char *text = NULL;
    lp_err err;
    lp_err_clear(&err);
    /* a regular file opened non-blocking (or stdin), at most the import limit */
    lp_code rc = file ? lp_file_read_all(file, "import file", lp_limit(LP_LIMIT_IMPORT), LP_LIMIT_IMPORT,
                                         &text, &len, &err)
                      : lp_fd_read_all(0, name, lp_limit(LP_LIMIT_IMPORT), LP_LIMIT_IMPORT, &text, &len,
                                       &err);
    if (rc) {
        lp_cli_error("registry import: %s (nothing was imported)", err.msg);
        return LP_EXIT_USAGE;
    }
    /* every line checked before the registry is opened: bad input creates nothing */
    lp_reg_list l = {0};
    int status = LP_EXIT_OK;
    if (lp_registry_parse(text, len, name, &l, &err) != LP_OK) {
        lp_cli_error("registry import: %s (nothing was imported)", err.msg);
        free(text);
        return LP_EXIT_USAGE;
    }
    free(text);
    /* a PostgreSQL registry's tables are created inside the import's transaction */
    struct stat st;
    bool existed = lp_registry_is_postgres(path) || stat(path, &st) == 0;
    lp_registry *reg = NULL;
    if (l.n == 0 && !existed) {
        printf("imported 0 new entries\n"); /* nothing to keep: no new file for it */
    } else if (lp_registry_open(path, LP_REG_CREATE, &reg, &err) != LP_OK) {
        lp_cli_error("registry: %s", err.msg);
        status = LP_EXIT_USAGE;
    } else if (lp_registry_import_list(reg, &l, name, &added, &err) != LP_OK) {
        lp_cli_error("registry import: %s (nothing was imported)", err.msg);
        status = LP_EXIT_USAGE;
    } else {
        printf("imported %zu new entr%s\n", added, added == 1 ? "y" : "ies");
    }
    lp_registry_close(&reg);
    if (status != LP_EXIT_OK && !existed)
        remove_new(path);
    lp_reg_list_release(&l);
    return status;
}

static int do_copy(const char *from_path, const char *to_path)
{
    lp_err err;
    lp_err_clear(&err);
    lp_registry *from = NULL, *to = NULL;
    int status = LP_EXIT_USAGE;
    struct stat st;
    bool existed = lp_registry_is_postgres(to_path) || stat(to_path, &st) == 0;
    size_t read = 0, added = 0;
    if (lp_registry_open(from_path, LP_REG_READONLY, &from, &err) != LP_OK)
        lp_cli_error("registry copy: %s", err.msg);
    else if (lp_registry_open(to_path, LP_REG_CREATE, &to, &err) != LP_OK)
        lp_cli_error("registry copy: %s", err.msg);
    else if (lp_registry_copy(from, to, &read, &added, &err) != LP_OK)
        lp_cli_error("registry copy: %s (nothing was copied)", err.msg);
    else
        status = LP_EXIT_OK;
    lp_registry_close(&from);
    lp_registry_close(&to);
    if (status == LP_EXIT_OK) {
        printf("copied %zu entr%s: %zu new, %zu there already\n", read, read == 1 ? "y" : "ies", added,
               read - added);
    } else if (!existed) {
        remove_new(to_path);
    }
    return status;
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
    static const char *const cmds = "add, list, show, remove, rename, export, import, copy";
    if (optind >= argc) {
        lp_cli_error("registry: no command (%s); see 'linkproof help registry'", cmds);
        return LP_EXIT_USAGE;
    }
    const char *cmd = argv[optind++];
    int nargs = argc - optind;
    char **args = argv + optind;
    bool is_add = !strcmp(cmd, "add"), is_list = !strcmp(cmd, "list"), is_show = !strcmp(cmd, "show"),
         is_rm = !strcmp(cmd, "remove"), is_exp = !strcmp(cmd, "export"), is_imp = !strcmp(cmd, "import"),
         is_mv = !strcmp(cmd, "rename"), is_cp = !strcmp(cmd, "copy");
    if (!(is_add || is_list || is_show || is_rm || is_exp || is_imp || is_mv || is_cp)) {
        lp_cli_error("registry: '%s' is not a registry command (%s)", cmd, cmds);
        return LP_EXIT_USAGE;
    }
    if ((is_add && (nargs < 1 || !label)) || (is_list && nargs) || ((is_show || is_rm) && nargs != 1) ||
        ((is_exp || is_imp) && nargs > 1) || ((is_mv || is_cp) && nargs != 2) || (is_cp && regpath)) {
        lp_cli_error("registry %s: wrong arguments%s; see 'linkproof help registry'", cmd,
                     is_add && !label ? " (--label LABEL is required)"
                     : is_cp && regpath ? " (copy names both: FROM TO, without --registry)"
                                        : "");
        return LP_EXIT_USAGE;
    }
    const char *new_label = is_add ? label : is_mv ? args[1] : NULL;
    if (new_label && !lp_registry_label_ok(new_label)) {
        lp_cli_error("registry %s: a label must be non-empty UTF-8 text without control characters", cmd);
        return LP_EXIT_USAGE;
    }
    if (is_cp)
        return do_copy(args[0], args[1]);
    char *defpath = regpath ? NULL : lp_registry_default_path();
    const char *path = regpath ? regpath : defpath;
    if (!path) {
        lp_cli_error("registry: no --registry, $LINKPROOF_REGISTRY, $XDG_DATA_HOME or $HOME to find it by");
        return LP_EXIT_USAGE;
    }
    int status = LP_EXIT_OK;
    if (is_add || is_imp) {
        status = is_add ? do_add(path, label, args, nargs) : do_import(path, nargs ? args[0] : NULL);
        free(defpath);
        return status;
    }
    lp_err err;
    lp_err_clear(&err);
    lp_registry *reg = NULL;
    bool readonly = is_list || is_show || is_exp;
    if (lp_registry_open(path, readonly ? LP_REG_READONLY : 0, &reg, &err) != LP_OK) {
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
    if (is_list || is_exp) {
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
            lp_cli_error("registry show: %s", err.msg);
            status = LP_EXIT_USAGE; /* a prefix of several builds */
        } else if (!l.n) {
            lp_cli_error("registry show: nothing matches '%s'", args[0]);
            status = LP_EXIT_FINDING;
        } else {
            print_list(&l, json, stdout);
        }
    } else {
        size_t n = 0;
        lp_code rc = is_rm ? lp_registry_remove(reg, args[0], &n, &err)
                           : lp_registry_rename(reg, args[0], args[1], &n, &err);
        if (rc != LP_OK) {
            lp_cli_error("registry %s: %s", cmd, err.msg);
            status = LP_EXIT_USAGE; /* a prefix of several builds */
        } else if (!n) {
            lp_cli_error("registry %s: nothing matches '%s'", cmd, args[0]);
            status = LP_EXIT_FINDING;
        } else if (is_rm) {
            printf("removed %zu entr%s\n", n, n == 1 ? "y" : "ies");
        } else {
            printf("renamed %zu entr%s to ", n, n == 1 ? "y" : "ies");
            lp_put_safe(stdout, args[1]);
            putchar('\n');
        }
    }
    lp_reg_list_release(&l);
    lp_registry_close(&reg);
    free(defpath);
    return status;
}
