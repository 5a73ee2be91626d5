/*
 * cli.c - what every command shares: the one table from library codes and
 * verdicts to exit statuses, one-line errors on stderr (escaped as stdout
 * is), the report on stdout, the option callbacks several commands use, and
 * the tests' pause hook.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int lp_cli_exit_for(lp_code code) { return code == LP_OK ? LP_EXIT_OK : LP_EXIT_USAGE; }

int lp_cli_parsed(int n) { return n == LP_PARSE_HELP ? LP_EXIT_OK : LP_EXIT_USAGE; }

int lp_cli_exit_check(lp_check_outcome o)
{
    switch (o) {
    case LP_CHECK_ALL_OK: return LP_EXIT_OK;
    case LP_CHECK_SOME_FAIL: return LP_EXIT_FINDING;
    case LP_CHECK_SOME_UNDECIDED: return LP_EXIT_UNDECIDED;
    case LP_CHECK_SOME_ERROR: return LP_EXIT_USAGE;
    }
    return LP_EXIT_USAGE;
}

int lp_cli_exit_verdict(lp_verdict v)
{
    return v == LP_VERIFY_OK ? LP_EXIT_OK : v == LP_VERIFY_ROLLBACK ? LP_EXIT_ROLLBACK : LP_EXIT_FUSE;
}

void lp_cli_error(const char *fmt, ...)
{
    /* the message names inputs (tar entries, section names, labels): escaped as on stdout */
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    fflush(stdout);
    fputs("linkproof: ", stderr);
    if (n >= 0 && msg)
        lp_put_safe_n(stderr, msg, (size_t)n);
    else
        fputs("out of memory", stderr);
    fputc('\n', stderr);
    free(msg);
}

int lp_cli_usage(const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    lp_cli_error("%s", n >= 0 && msg ? msg : "out of memory");
    free(msg);
    return LP_EXIT_USAGE;
}

int lp_cli_fail(const lp_err *e, const char *prefix)
{
    if (prefix)
        lp_cli_error("%s: %s", prefix, e->msg);
    else
        lp_cli_error("%s", e->msg);
    return lp_cli_exit_for(e->code ? e->code : LP_ERR_IO);
}

lp_report *lp_cli_report(const lp_cli_out *out, unsigned flags, const char *command)
{
    lp_report_opts o = {.format = out->format, .fp = stdout, .aux = stderr, .color = out->color,
                        .flags = flags, .command = command};
    lp_report *r = lp_report_open(&o);
    if (!r)
        lp_cli_error("out of memory");
    return r;
}

lp_report *lp_cli_report_to(const lp_cli_out *out, unsigned flags, const char *command, FILE *fp)
{
    lp_report_opts o = {.format = out->format, .fp = fp, .aux = stderr, .color = out->color,
                        .flags = flags, .command = command};
    lp_report *r = lp_report_open(&o);
    if (!r)
        lp_cli_error("out of memory");
    return r;
}

FILE *lp_cli_atomic_open(lp_cli_atomic *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->path = path;
    const char *slash = strrchr(path, '/');
    int dlen = slash ? (int)(slash - path + 1) : 0;
    if (asprintf(&a->tmp, "%.*s.%s.XXXXXX", dlen, path, slash ? slash + 1 : path) < 0) {
        a->tmp = NULL;
        lp_cli_error("out of memory");
        return NULL;
    }
    int fd = mkostemp(a->tmp, O_CLOEXEC);
    if (fd < 0) {
        lp_cli_error("cannot write '%s': %s", path, strerror(errno));
        free(a->tmp);
        a->tmp = NULL;
        return NULL;
    }
    /* what a collector running as another user may read; mkostemp makes it 0600 */
    fchmod(fd, 0644);
    a->fp = fdopen(fd, "w");
    if (!a->fp) {
        close(fd);
        lp_cli_atomic_abort(a);
        lp_cli_error("out of memory");
    }
    return a->fp;
}

bool lp_cli_atomic_commit(lp_cli_atomic *a)
{
    bool ok = a->fp && fflush(a->fp) == 0 && !ferror(a->fp) && fsync(fileno(a->fp)) == 0;
    if (a->fp && fclose(a->fp) != 0)
        ok = false;
    a->fp = NULL;
    if (ok && rename(a->tmp, a->path) != 0)
        ok = false;
    if (!ok) {
        lp_cli_error("cannot write '%s': %s", a->path, strerror(errno));
        lp_cli_atomic_abort(a);
        return false;
    }
    free(a->tmp);
    a->tmp = NULL;
    return true;
}

void lp_cli_atomic_abort(lp_cli_atomic *a)
{
    if (a->fp)
        fclose(a->fp);
    a->fp = NULL;
    if (a->tmp)
        unlink(a->tmp);
    free(a->tmp);
    a->tmp = NULL;
}

bool lp_cli_report_done(lp_report **r)
{
    if (lp_report_close(r))
        return true;
    lp_cli_error("error writing output");
    return false;
}

bool lp_cli_parse_pid(void *value, intptr_t data, const char *arg, char *why, size_t n)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (*end || end == arg || errno || v <= 0 || v > INT_MAX) {
        snprintf(why, n, "--pid '%s' is not a process id", arg);
        return false;
    }
    *(int *)value = (int)v;
    return true;
}

bool lp_cli_parse_count(void *value, intptr_t data, const char *arg, char *why, size_t n)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (*end || end == arg || arg[0] == '-' || errno) {
        snprintf(why, n, "--%s '%s': expected a count", (const char *)data, arg);
        return false;
    }
    *(uint64_t *)value = v;
    return true;
}

bool lp_cli_parse_append(void *value, intptr_t data, const char *arg, char *why, size_t n)
{
    lp_strs *s = value;
    const char **nv = realloc(s->v, (s->n + 1) * sizeof *nv);
    if (!nv) {
        snprintf(why, n, "out of memory");
        return false;
    }
    s->v = nv;
    s->v[s->n++] = arg;
    return true;
}

bool lp_cli_parse_cpu(void *value, intptr_t data, const char *arg, char *why, size_t n)
{
    if (!lp_cpu_name_ok(arg)) {
        snprintf(why, n, "--cpu '%s' is not a CPU linkproof knows (%s)", arg, lp_cpu_names());
        return false;
    }
    *(const char **)value = arg;
    return true;
}

/*
 * The test hook of $LINKPROOF_TEST_PAUSE=DIR (tests only, undocumented for users): at
 * each stage of reading a process, create DIR/paused.STAGE and wait (at most 60 s) until
 * something opens the FIFO DIR/resume for writing and closes it. A test changes the
 * process at that moment (kills it, starts another under the same id).
 */
static void pause_hook(void *ctx, const lp_proc *p, const char *stage)
{
    const char *dir = ctx;
    char path[4200];
    (void)p;
    snprintf(path, sizeof path, "%s/paused.%s", dir, stage);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
    snprintf(path, sizeof path, "%s/resume", dir);
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    /* a FIFO opened for reading without a writer reads EOF at once: wait for the writer first */
    for (int waited = 0; waited < 60000; waited += 10) {
        struct pollfd pf = {fd, POLLIN, 0};
        char b[64];
        if (poll(&pf, 1, 10) > 0 && (pf.revents & POLLIN) && read(fd, b, sizeof b) > 0)
            continue;
        if (pf.revents & POLLHUP)
            break; /* the writer came and went */
    }
    close(fd);
}

lp_proc_hook lp_cli_proc_hook(void **ctx)
{
    const char *dir = getenv("LINKPROOF_TEST_PAUSE");
    *ctx = (void *)(uintptr_t)dir;
    return dir && *dir ? pause_hook : NULL;
}

bool lp_cli_open_image(const lp_cli_image *img, const char *cmd, lp_root **root)
{
    *root = NULL;
    if (img->platform && !img->image) {
        lp_cli_error("%s: --platform picks a platform of an --image", cmd);
        return false;
    }
    if (!img->image)
        return true;
    lp_image_opts io = {img->platform, NULL, false};
    lp_err err;
    lp_err_clear(&err);
    if (lp_root_open_image(root, img->image, &io, &err) != LP_OK) {
        lp_cli_error("%s: %s", cmd, err.msg);
        return false;
    }
    return true;
}

lp_code lp_cli_facts(lp_root *root, const char *file, const lp_facts_opts *fo, lp_facts **f, lp_err *err)
{
    return root ? lp_facts_collect_in_root(root, file, fo, f, err) : lp_facts_collect_opts(file, fo, f, err);
}

lp_code lp_cli_src(lp_root *root, const char *file, lp_src **src, lp_err *err)
{
    return root ? lp_root_open(root, file, src, err) : lp_src_open(src, file, err);
}
bool lp_cli_parse_date(void *value, intptr_t data, const char *arg, char *why, size_t n)
{
    (void)data;
    if (!lp_date_valid(arg)) {
        snprintf(why, n, "'%s' is not a date YYYY-MM-DD", arg);
        return false;
    }
    *(const char **)value = arg;
    return true;
}
