/*
 * inspect.c - `linkproof inspect [--json] FILE...`: the facts about each file.
 * Text by default, one JSON object per line with --json. Exit 0 when every
 * file was read (non-Go and non-object files included), 2 when any was not.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report/report.h"

void usage_inspect(FILE *fp)
{
    fputs("usage: linkproof inspect [--json] [--inits] [--color=WHEN] [--var NAME[=VALUE]]... FILE...\n"
          "       linkproof inspect --image IMAGE [--platform P] [options] PATH...\n"
          "\n"
          "For each FILE: format, class, byte order, machine, ELF type; Go version, main\n"
          "module, dependencies and build settings; Go and GNU build IDs; linkage (static or\n"
          "dynamic, PIE, interpreter, needed libraries, RPATH/RUNPATH); symbol table and DWARF;\n"
          "the function table (functions, packages, init functions, cgo evidence, the name\n"
          "resolver: go, cgo, none or system); a verdict for every -X in the recorded -ldflags\n"
          "(injected, missing, different, empty, overwritten at run time, not-injected,\n"
          "unconfirmed, unverifiable) with its confidence and evidence (docs/check.md: injected\n"
          "only when the name is tied to the value, by its symbol or by the build record and\n"
          "the linker's own -X string); and a note wherever the recorded build settings\n"
          "disagree with the binary or it holds a known trap (static glibc and NSS, a PIE that\n"
          "needs the loader, plugin without cgo).\n"
          "The text leads with version, module, linkage, cgo, resolver, -X and notes.\n"
          "Nothing is executed; what is read: headers, notes, the dynamic section, the\n"
          "build-info blob, the function table, init code and the data -X targets live in.\n"
          "\n"
          "  --json          one JSON object per file per line (docs/json-schema.md)\n"
          "  --inits         list every init function (the text shows their count and the main\n"
          "                  module's; JSON always has them all)\n"
          "  --color=WHEN    auto (default: only on a terminal, never with NO_COLOR), always, never\n"
          "  --var NAME[=VALUE]  also check this -X target (repeatable); needed when -ldflags\n"
          "                  is not recorded (-trimpath) or to check a value you expect\n"
          "  --image IMAGE   read each PATH inside a container image (docker-save tarball, OCI\n"
          "                  layout directory or tarball; :TAG or @sha256:DIGEST picks one),\n"
          "                  without extracting it; the file is named IMAGE:PATH\n"
          "  --platform P    the platform to take from a multi-platform image (default: the\n"
          "                  host's)\n"
          "\n"
          "exit status: 0 every file was read (Go or not); 2 usage error, or a file could not\n"
          "be read or is malformed (its error is reported and the other files still are)\n",
          fp);
}

int cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"color", required_argument, NULL, 'c'},
        {"colour", required_argument, NULL, 'c'},
        {"var", required_argument, NULL, 'v'},
        {"image", required_argument, NULL, 'i'},
        {"platform", required_argument, NULL, 'p'},
        {"inits", no_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false, all_inits = false;
    const char *image = NULL, *platform = NULL;
    lp_root *root = NULL;
    lp_color_mode cm = LP_COLOR_AUTO;
    lp_xtarget *vars = NULL;
    size_t n_vars = 0;
    int status = LP_EXIT_OK;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        switch (ch) {
        case 'j': json = true; break;
        case 'c':
            if (!lp_cli_color("inspect", optarg, &cm))
                return LP_EXIT_USAGE;
            break;
        case 'v': {
            lp_err e;
            lp_xtarget *nv = realloc(vars, (n_vars + 1) * sizeof *nv);
            if (!nv) {
                lp_cli_error("out of memory");
                status = LP_EXIT_USAGE;
                goto out;
            }
            vars = nv;
            if (lp_xtarget_parse(optarg, &vars[n_vars], &e) != LP_OK) {
                lp_cli_error("inspect: --var %s", e.msg);
                status = LP_EXIT_USAGE;
                goto out;
            }
            n_vars++;
            break;
        }
        case 'i': image = optarg; break;
        case 'p': platform = optarg; break;
        case 'I': all_inits = true; break;
        case 'h': usage_inspect(stdout); goto out;
        default: lp_cli_bad_option("inspect", argv); status = LP_EXIT_USAGE; goto out;
        }
    }
    if (optind >= argc) {
        lp_cli_error("inspect: no FILE given");
        usage_inspect(stderr);
        status = LP_EXIT_USAGE;
        goto out;
    }
    if (platform && !image) {
        lp_cli_error("inspect: --platform picks a platform of an --image");
        status = LP_EXIT_USAGE;
        goto out;
    }
    if (image && !lp_cli_open_image("inspect", image, platform, NULL, &root)) {
        status = LP_EXIT_USAGE;
        goto out;
    }
    lp_out o = {stdout, lp_color_enabled(stdout, cm), all_inits};
    lp_facts_opts fo = {vars, n_vars};
    for (int i = optind; i < argc; i++) {
        lp_facts *f = NULL;
        lp_err err;
        lp_err_clear(&err);
        lp_code rc = root ? lp_facts_collect_in_root(root, argv[i], &fo, &f, &err)
                          : lp_facts_collect_opts(argv[i], &fo, &f, &err);
        if (!f) {
            lp_cli_error("%s", err.msg);
            status = LP_EXIT_USAGE;
            goto out;
        }
        if (rc) {
            status = LP_EXIT_USAGE;
            lp_cli_error("%s", f->error.msg);
        }
        if (json) {
            json_t *j = lp_facts_json(f);
            bool ok = j && lp_json_write_line(stdout, j);
            json_decref(j);
            if (!ok) {
                lp_facts_free(&f);
                lp_cli_error("cannot write JSON output");
                status = LP_EXIT_USAGE;
                goto out;
            }
        } else if (!rc) {
            if (i > optind)
                fputc('\n', stdout);
            lp_facts_text(&o, f);
        }
        lp_facts_free(&f);
    }
out:
    lp_root_free(&root);
    lp_xtargets_free(&vars, n_vars);
    return status;
}
