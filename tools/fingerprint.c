/*
 * fingerprint.c - `linkproof fingerprint FILE...` and `--pid PID`: build IDs
 * and SHA-256 of the file and of its code; for a process, its code as mapped
 * in memory beside the file it runs, and whether they match.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "linkproof/fingerprint.h"
#include "linkproof/proc.h"
#include "report/report.h"

void usage_fingerprint(FILE *fp)
{
    fputs("usage: linkproof fingerprint [--json] FILE...\n"
          "       linkproof fingerprint [--json] --pid PID\n"
          "\n"
          "For a FILE: Go build ID, GNU build ID, SHA-256 of the file, and SHA-256 of its code (the\n"
          "executable PT_LOAD segments' bytes, in program-header order).\n"
          "For a process: the same code hash computed from its memory (/proc/PID/mem, at the\n"
          "segments' addresses plus the load bias of a PIE), beside the fingerprint of the file it\n"
          "runs (/proc/PID/exe: also when that file was deleted or replaced on disk, which is\n"
          "reported), and whether memory and file match. Reading another process's memory needs\n"
          "ptrace access (root, or the same user as kernel.yama.ptrace_scope allows).\n"
          "Every read goes through one /proc/PID directory descriptor, and the process's start\n"
          "time and executable are checked after the reads: a process that exits, or is replaced\n"
          "by another one under the same id, while it is read is an error (\"changed while being\n"
          "read\"), never a fingerprint.\n"
          "\n"
          "  --json     one JSON object per file or process per line (docs/fingerprint.md)\n"
          "\n"
          "exit status: 0 read (and, with --pid, memory matches the file); 1 --pid: memory differs\n"
          "from the file; 2 usage, unreadable file, no such process, no permission, or a\n"
          "process that changed while being read\n",
          fp);
}

json_t *lp_fingerprint_json(const lp_fingerprint *f, const char *path)
{
    json_t *o = json_object();
    json_object_set_new(o, "path", path ? lp_json_str(path) : json_null());
    json_object_set_new(o, "go_build_id", f->go_build_id ? lp_json_str(f->go_build_id) : json_null());
    json_object_set_new(o, "gnu_build_id", f->gnu_build_id ? json_string(f->gnu_build_id) : json_null());
    json_object_set_new(o, "sha256", json_string(f->sha256));
    json_object_set_new(o, "code_sha256", f->has_code ? json_string(f->code_sha256) : json_null());
    json_object_set_new(o, "code_size", f->has_code ? json_integer((json_int_t)f->code_size) : json_null());
    return o;
}

json_t *lp_proc_fingerprint_json(const lp_proc_fingerprint *p)
{
    json_t *o = json_object(), *m = json_object();
    json_object_set_new(o, "pid", json_integer(p->pid));
    json_object_set_new(o, "exe", p->exe ? lp_json_str(p->exe) : json_null());
    json_object_set_new(o, "exe_state", json_string(lp_exe_state_name(p->exe_state)));
    json_object_set_new(m, "code_sha256", json_string(p->mem_code_sha256));
    json_object_set_new(m, "code_size", json_integer((json_int_t)p->mem_code_size));
    json_object_set_new(m, "load_bias", json_integer((json_int_t)p->load_bias));
    json_object_set_new(o, "memory", m);
    json_t *f = lp_fingerprint_json(&p->file, p->exe);
    json_object_set_new(f, "error", json_null());
    json_object_set_new(o, "file", f);
    json_object_set_new(o, "match", json_boolean(p->match));
    return o;
}

static void text_file(const lp_fingerprint *f)
{
    printf("  %-14s%s\n", "go build id", f->go_build_id ? f->go_build_id : "-");
    printf("  %-14s%s\n", "gnu build id", f->gnu_build_id ? f->gnu_build_id : "-");
    printf("  %-14s%s\n", "sha256", f->sha256);
    if (f->has_code)
        printf("  %-14s%s (%llu bytes)\n", "code sha256", f->code_sha256, (unsigned long long)f->code_size);
    else
        printf("  %-14s- (not an object file)\n", "code sha256");
}

int cmd_fingerprint(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"pid", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    int pid = 0, ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        switch (ch) {
        case 'j': json = true; break;
        case 'p':
            if (!lp_cli_pid("fingerprint", optarg, &pid))
                return LP_EXIT_USAGE;
            break;
        case 'h': usage_fingerprint(stdout); return LP_EXIT_OK;
        default: lp_cli_bad_option("fingerprint", argv); return LP_EXIT_USAGE;
        }
    }
    if ((pid != 0) == (optind < argc)) {
        lp_cli_error("fingerprint: give FILE... or --pid PID; see 'linkproof help fingerprint'");
        return LP_EXIT_USAGE;
    }
    lp_err err;
    lp_err_clear(&err);
    if (pid) {
        lp_proc_fingerprint p;
        lp_proc *proc = NULL;
        lp_code rc = lp_cli_proc_open(pid, &proc, &err);
        if (rc == LP_OK)
            rc = lp_fingerprint_proc(proc, &p, &err);
        lp_proc_close(&proc);
        if (rc != LP_OK) {
            lp_cli_error("fingerprint: %s", err.msg);
            return LP_EXIT_USAGE;
        }
        if (json) {
            json_t *o = lp_proc_fingerprint_json(&p);
            lp_json_write_line(stdout, o);
            json_decref(o);
        } else {
            printf("process %d:\n  %-14s%s (%s)\n", pid, "exe", p.exe, lp_exe_state_name(p.exe_state));
            text_file(&p.file);
            printf("  %-14s%s (%llu bytes, load bias 0x%llx)\n", "memory code", p.mem_code_sha256,
                   (unsigned long long)p.mem_code_size, (unsigned long long)p.load_bias);
            printf("  %-14s%s\n", "match",
                   p.match ? "yes: the code in memory is the file's code"
                           : "NO: the code in memory differs from the file it runs");
            if (p.exe_state != LP_EXE_PRESENT)
                printf("  %-14sthe file at %s was %s after the process started\n", "note", p.exe,
                       p.exe_state == LP_EXE_DELETED ? "deleted" : "replaced");
        }
        int st = p.match ? LP_EXIT_OK : LP_EXIT_FINDING;
        lp_proc_fingerprint_release(&p);
        return st;
    }
    int status = LP_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        lp_fingerprint f;
        lp_code rc = lp_fingerprint_file(argv[i], &f, &err);
        if (rc) {
            lp_cli_error("%s", err.msg);
            status = LP_EXIT_USAGE;
        }
        if (json) {
            json_t *o = rc ? json_object() : lp_fingerprint_json(&f, argv[i]);
            if (rc) {
                json_object_set_new(o, "path", lp_json_str(argv[i]));
                json_object_set_new(o, "go_build_id", json_null());
                json_object_set_new(o, "gnu_build_id", json_null());
                json_object_set_new(o, "sha256", json_null());
                json_object_set_new(o, "code_sha256", json_null());
                json_object_set_new(o, "code_size", json_null());
            }
            json_object_set_new(o, "error", rc ? lp_json_str(err.msg) : json_null());
            lp_json_write_line(stdout, o);
            json_decref(o);
        } else if (!rc) {
            printf("%s:\n", argv[i]);
            text_file(&f);
        }
        lp_fingerprint_release(&f);
    }
    return status;
}
