/*
 * registry.c - `linkproof registry`: the store of trusted fingerprints
 * (store/registry.c). add, list, show, remove, rename, export and import
 * (JSON lines), copy between registries. A registry is an SQLite path or a
 * PostgreSQL connection string (the library tells them apart). Commands that
 * only read open the registry read-only; add and import read all their input
 * before they open (or create) it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "linkproof/registry.h"

static const lp_cmd_doc doc = {
    .name = "registry",
    .usage = {"registry [--registry DB] add --label LABEL [--image IMAGE [--platform P]] FILE...",
              "registry [--registry DB] list|show KEY [options]",
              "registry [--registry DB] remove KEY | rename KEY NEW_LABEL",
              "registry [--registry DB] export [FILE] | import [FILE]",
              "registry copy FROM TO"},
    .about =
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
        "--json applies to list and show (one document per entry).",
    .exits = {{0, "ok"},
              {1, "show/remove/rename found nothing, or add found a FILE's build there under\n"
                  "another label"},
              {2, "usage (a KEY prefix that names several builds, an invalid label, a password in\n"
                  "DB), unreadable FILE or input, a database that is not a registry, corrupt, newer\n"
                  "or locked for too long, a PostgreSQL server that cannot be reached, refused the\n"
                  "login or the permission, or was lost during the command"},
              {-1, NULL}},
    .kind = LP_DOC_REGISTRY_ENTRY,
};

static const char *const subcommands[] = {"add", "list", "show", "remove", "rename", "export", "import", "copy",
                                          NULL};

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

static int do_add(lp_report *r, const char *path, const char *label, char **files, int nfiles,
                  lp_root *root)
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
        return lp_cli_usage("registry add: out of memory");
    }
    /* inside an image, each FILE is named (and recorded) as IMAGE:PATH */
    char **names = calloc((size_t)nfiles, sizeof *names);
    if (!names) {
        free(fps);
        free(ok);
        return lp_cli_usage("registry add: out of memory");
    }
    for (int i = 0; i < nfiles; i++) {
        if (root && asprintf(&names[i], "%s:%s", lp_root_label(root), files[i]) < 0)
            names[i] = NULL;
        if (!names[i])
            names[i] = strdup(files[i]);
    }
    char **given = files;
    files = names;
    for (int i = 0; i < nfiles; i++) {
        lp_code rc = files[i] ? lp_fingerprint_file_in(root, given[i], &fps[i], &err)
                              : lp_err_set(&err, LP_ERR_NOMEM, "out of memory");
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
            lp_doc_registry_change c = {added ? LP_REG_ADDED : LP_REG_ALREADY, 1, files[i], fps[i].code_sha256, label, 0};
            lp_report_write(r, LP_DOC_REGISTRY_CHANGE, &c);
        }
    }
    for (int i = 0; i < nfiles; i++) {
        lp_fingerprint_release(&fps[i]);
        free(names[i]);
    }
    free(names);
    free(fps);
    free(ok);
    lp_registry_close(&reg);
    return status;
}

static int do_import(lp_report *r, const char *path, const char *file)
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
        return lp_cli_usage("registry import: %s (nothing was imported)", err.msg);
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
    lp_doc_registry_change c = {LP_REG_IMPORTED, 0, NULL, NULL, NULL, 0};
    if (l.n == 0 && !existed) {
        lp_report_write(r, LP_DOC_REGISTRY_CHANGE, &c); /* nothing to keep: no new file for it */
    } else if (lp_registry_open(path, LP_REG_CREATE, &reg, &err) != LP_OK) {
        /* the server may go away between connecting and the first write: still nothing imported */
        lp_cli_error("registry import: %s (nothing was imported)", err.msg);
        status = LP_EXIT_USAGE;
    } else if (lp_registry_import_list(reg, &l, name, &added, &err) != LP_OK) {
        lp_cli_error("registry import: %s%s", err.msg,
                     lp_registry_outcome_unknown(reg) ? "" : " (nothing was imported)");
        status = LP_EXIT_USAGE;
    } else {
        c.count = added;
        lp_report_write(r, LP_DOC_REGISTRY_CHANGE, &c);
    }
    lp_registry_close(&reg);
    if (status != LP_EXIT_OK && !existed)
        remove_new(path);
    lp_reg_list_release(&l);
    return status;
}

static int do_copy(lp_report *r, const char *from_path, const char *to_path)
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
        lp_cli_error("registry copy: %s%s", err.msg, lp_registry_outcome_unknown(to) ? "" : " (nothing was copied)");
    else
        status = LP_EXIT_OK;
    lp_registry_close(&from);
    lp_registry_close(&to);
    if (status == LP_EXIT_OK) {
        lp_doc_registry_change c = {LP_REG_COPIED, read, NULL, NULL, NULL, added};
        lp_report_write(r, LP_DOC_REGISTRY_CHANGE, &c);
    } else if (!existed) {
        remove_new(to_path);
    }
    return status;
}

/* list, show, export: the entries, read-only */
static int do_read(lp_report *r, lp_registry *reg, const char *cmd, char **args, int nargs)
{
    lp_reg_list l = {0};
    lp_err err;
    int status = LP_EXIT_OK;
    bool show = strcmp(cmd, "show") == 0, exp = strcmp(cmd, "export") == 0;
    lp_report *er = NULL;
    FILE *out = NULL;
    if (exp) {
        /* the registry's own line format, to FILE or stdout */
        if (nargs == 1 && !(out = fopen(args[0], "w"))) {
            return lp_cli_usage("registry export: cannot write '%s'", args[0]);
        }
        lp_report_opts eo = {.format = LP_OUT_JSON, .fp = out ? out : stdout};
        if (!(er = lp_report_open(&eo))) {
            if (out)
                fclose(out);
            return lp_cli_usage("out of memory");
        }
    }
    lp_code rc = !reg ? LP_OK : show ? lp_registry_find(reg, args[0], &l, &err) : lp_registry_list(reg, &l, &err);
    if (rc) {
        lp_cli_error("registry%s: %s", show ? " show" : "", err.msg);
        status = LP_EXIT_USAGE; /* show: a prefix of several builds */
    } else if (show && !l.n) {
        lp_cli_error("registry show: nothing matches '%s'", args[0]);
        status = LP_EXIT_FINDING;
    } else {
        if (!exp)
            lp_report_begin(r, LP_DOC_REGISTRY_ENTRY); /* the table's header, also when empty */
        for (size_t i = 0; i < l.n; i++)
            lp_report_write(exp ? er : r, exp ? LP_DOC_REGISTRY_EXPORT : LP_DOC_REGISTRY_ENTRY, &l.e[i]);
    }
    if (er && !lp_report_close(&er) && status == LP_EXIT_OK) {
        lp_cli_error("registry export: cannot write '%s'", out ? args[0] : "(stdout)");
        status = LP_EXIT_USAGE;
    }
    if (out && fclose(out) != 0 && status == LP_EXIT_OK) {
        lp_cli_error("registry export: cannot write '%s'", args[0]);
        status = LP_EXIT_USAGE;
    }
    lp_reg_list_release(&l);
    return status;
}

static int do_change(lp_report *r, lp_registry *reg, const char *cmd, char **args)
{
    size_t n = 0;
    lp_err err;
    bool rm = strcmp(cmd, "remove") == 0;
    lp_code rc = rm ? lp_registry_remove(reg, args[0], &n, &err) : lp_registry_rename(reg, args[0], args[1], &n, &err);
    if (rc != LP_OK) {
        return lp_cli_usage("registry %s: %s", cmd, err.msg); /* a prefix of several builds */
    }
    if (!n) {
        lp_cli_error("registry %s: nothing matches '%s'", cmd, args[0]);
        return LP_EXIT_FINDING;
    }
    lp_doc_registry_change c = {rm ? LP_REG_REMOVED : LP_REG_RENAMED, n, NULL, NULL, rm ? NULL : args[1], 0};
    lp_report_write(r, LP_DOC_REGISTRY_CHANGE, &c);
    return LP_EXIT_OK;
}

int cmd_registry(int argc, char **argv)
{
    lp_cli_out out = LP_CLI_OUT_DEFAULT;
    const char *regpath = NULL, *label = NULL;
    lp_cli_image img = {NULL, NULL};
    const lp_opt opts[] = {
        {LP_OPT_STRING, "registry", 0, &regpath, "DB",
         "an SQLite path or a PostgreSQL connection string; default:\n"
         "$LINKPROOF_REGISTRY, else $XDG_DATA_HOME/linkproof/registry.db, else\n"
         "~/.local/share/linkproof/registry.db", NULL, 0, 0},
        {LP_OPT_STRING, "label", 0, &label, "LABEL", "add: the label of the builds added", NULL, 0, 0},
        LP_OPT_OUTPUT(&out),
        LP_OPT_IMAGE(&img),
        LP_OPT_END_,
    };
    /* options may come before or after the subcommand */
    int n = lp_parse_options(&doc, opts, argc, argv, 0);
    if (n < 0)
        return lp_cli_parsed(n);
    static const char *const names = "add, list, show, remove, rename, export, import, copy";
    if (n == 0) {
        lp_cli_error("registry: no command (%s); see 'linkproof help registry'", names);
        return LP_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    int nargs = n - 1;
    char **args = argv + 2;
    bool known = false;
    for (size_t i = 0; subcommands[i]; i++)
        known = known || strcmp(cmd, subcommands[i]) == 0;
    if (!known) {
        const char *m = lp_did_you_mean(cmd, subcommands);
        if (m)
            return lp_cli_usage("registry: '%s' is not a registry command; did you mean '%s'? (%s)", cmd, m, names);
        return lp_cli_usage("registry: '%s' is not a registry command (%s)", cmd, names);
    }
    bool is_add = !strcmp(cmd, "add"), is_list = !strcmp(cmd, "list"), is_show = !strcmp(cmd, "show"),
         is_rm = !strcmp(cmd, "remove"), is_exp = !strcmp(cmd, "export"), is_imp = !strcmp(cmd, "import"),
         is_mv = !strcmp(cmd, "rename"), is_cp = !strcmp(cmd, "copy");
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
        return lp_cli_usage("registry %s: a label must be non-empty UTF-8 text without control characters", cmd);
    }
    /* the changes (add, remove, rename, import, copy) have text only: a --json that wrote
     * nothing would look like success to a pipeline that parses it */
    if (out.format == LP_OUT_JSON && !(is_list || is_show))
        return lp_cli_usage("registry %s: --json applies to list and show (export writes JSON)", cmd);
    if ((img.image || img.platform) && !is_add)
        return lp_cli_usage("registry %s: --image is for add (FILEs inside an image)", cmd);
    if (is_cp) {
        lp_report *cr = lp_cli_report(&out, 0, "registry copy");
        int st = cr ? do_copy(cr, args[0], args[1]) : LP_EXIT_USAGE;
        if (cr && !lp_cli_report_done(&cr))
            st = LP_EXIT_USAGE;
        return st;
    }
    char *defpath = regpath ? NULL : lp_registry_default_path();
    const char *path = regpath ? regpath : defpath;
    if (!path) {
        return lp_cli_usage("registry: no --registry, $LINKPROOF_REGISTRY, $XDG_DATA_HOME or $HOME to find it by");
    }
    char command[32];
    snprintf(command, sizeof command, "registry %s", cmd);
    lp_report *r = lp_cli_report(&out, 0, command);
    int status = LP_EXIT_USAGE;
    lp_registry *reg = NULL;
    lp_err err;
    lp_err_clear(&err);
    if (!r) {
    } else if (is_add || is_imp) {
        lp_root *root = NULL;
        if (is_add && !lp_cli_open_image(&img, "registry add", &root))
            status = LP_EXIT_USAGE;
        else
            status = is_add ? do_add(r, path, label, args, nargs, root) : do_import(r, path, nargs ? args[0] : NULL);
        lp_root_free(&root);
    } else if (lp_registry_open(path, is_list || is_show || is_exp ? LP_REG_READONLY : 0, &reg, &err) != LP_OK &&
               !(err.code == LP_ERR_NOTFOUND && (is_list || is_exp))) {
        lp_cli_error("registry: %s", err.msg);
        status = err.code == LP_ERR_NOTFOUND ? LP_EXIT_FINDING : LP_EXIT_USAGE;
    } else if (is_list || is_show || is_exp) {
        /* nothing added yet (no file): an empty registry */
        status = do_read(r, reg, cmd, args, nargs);
    } else {
        status = do_change(r, reg, cmd, args);
    }
    if (r && !lp_cli_report_done(&r))
        status = LP_EXIT_USAGE;
    lp_registry_close(&reg);
    free(defpath);
    return status;
}
