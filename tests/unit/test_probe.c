/*
 * Unit tests: the probe on this very process: a listener with two
 * connections waiting in its accept queue, read through sock_diag and
 * through /proc (its thread count against this test's own reading of
 * /proc/self/status), a made-up /proc/PID directory (a command name with
 * ") " in it, a zombie, descriptors and a dup'ed socket), and the errors for
 * processes that do not exist.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "linkproof/probe.h"
#include "proc/proc_internal.h"
#include "test_files.h"

/* Threads: of /proc/self/status, read here (not by the code under test) */
static unsigned long long status_threads(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long n = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %llu", &n) == 1)
            break;
    if (f)
        fclose(f);
    return n;
}

static void own_listener(void **state)
{
    (void)state;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(ls >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(ls, 3), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &al), 0);
    int c1 = socket(AF_INET, SOCK_STREAM, 0), c2 = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(c1, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(connect(c2, (struct sockaddr *)&a, sizeof a), 0);
    usleep(50000); /* let the handshakes land in the accept queue */

    static const lp_probe_source srcs[] = {LP_PROBE_SOCK_DIAG, LP_PROBE_PROC};
    for (size_t k = 0; k < 2; k++) {
        lp_probe *p = NULL;
        lp_err e;
        if (lp_probe_read_from(getpid(), srcs[k], &p, &e) != LP_OK)
            fail_msg("%s", e.msg);
        assert_string_equal(p->tcp_source, k == 0 ? "sock_diag" : "proc");
        assert_true(p->fds >= 3);
        assert_true(p->states[10] >= 1); /* listen */
        assert_true(p->states[1] >= 2);  /* our two clients, established */
        const lp_listener *l = NULL;
        for (size_t i = 0; i < p->n_listeners; i++)
            if (p->listeners[i].port == ntohs(a.sin_port))
                l = &p->listeners[i];
        if (!l)
            fail_msg("no listener on port %u", ntohs(a.sin_port));
        assert_string_equal(l->address, "127.0.0.1");
        assert_false(l->ipv6);
        assert_int_equal(l->queue, 2);
        assert_int_equal(l->backlog, k == 0 ? 3 : 0); /* /proc does not show the backlog */
        assert_int_equal(p->threads, status_threads());
        struct rlimit rl; /* prlimit() on this process, or its limits file: what getrlimit says */
        assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
        assert_true(p->fd_limit == (rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur));
        assert_false(p->zombie);
        assert_true(p->have_netstat);
        lp_probe_free(&p);
        assert_null(p);
    }
    close(c1);
    close(c2);
    close(ls);
}

/* a made-up /proc/PID: the stat fields counted after the last ')', every fd counted, a socket
 * behind two fds once (none of them in a table: orphans or unclassified, not sockets seen) */
static void made_up_dir(void **state)
{
    (void)state;
    char dir[] = "/tmp/lp-probe-XXXXXX";
    assert_non_null(mkdtemp(dir));
    test_write_file(dir, "stat", "77 (a) S 1 2 (b) Z 9 77 77 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 5 0 100 1000 25 1\n");
    test_write_file(dir, "limits", "Limit Soft Hard Units\nMax open files            64                 4096 files\n");
    char fd[512], link[600];
    snprintf(fd, sizeof fd, "%s/net", dir);
    assert_int_equal(mkdir(fd, 0755), 0);
    test_write_file(dir, "net/tcp", "  sl  local_address rem_address   st\n");
    test_write_file(dir, "net/tcp6", "  sl  local_address rem_address   st\n");
    snprintf(fd, sizeof fd, "%s/fd", dir);
    assert_int_equal(mkdir(fd, 0755), 0);
    const char *targets[] = {"/dev/null", "socket:[4001]", "socket:[4001]", "pipe:[5]", "socket:[4002]"};
    for (int i = 0; i < 5; i++) {
        snprintf(link, sizeof link, "%s/%d", fd, i);
        assert_int_equal(symlink(targets[i], link), 0);
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(dfd >= 0);
    lp_probe *p = NULL;
    lp_err e;
    if (lp_probe_read_dir(dfd, 77, LP_PROBE_PROC, &p, &e) != LP_OK)
        fail_msg("%s", e.msg);
    assert_int_equal(p->threads, 5);
    assert_true(p->zombie);
    assert_int_equal(p->fds, 5);
    assert_int_equal(p->fd_limit, 64);
    assert_int_equal(p->sockets, 0);
    assert_int_equal(p->orphan_tcp + p->orphan_udp + p->unclassified, 2);
    lp_probe_free(&p);
    /* a stat cut short: no thread count, no verdict of zombie */
    test_write_file(dir, "stat", "77 (a) Z 1 2");
    if (lp_probe_read_dir(dfd, 77, LP_PROBE_PROC, &p, &e) != LP_OK)
        fail_msg("%s", e.msg);
    assert_int_equal(p->threads, 0);
    assert_true(p->zombie);
    lp_probe_free(&p);
    close(dfd);
    for (int i = 0; i < 5; i++) {
        snprintf(link, sizeof link, "%s/%d", fd, i);
        unlink(link);
    }
    rmdir(fd);
    snprintf(link, sizeof link, "%s/stat", dir);
    unlink(link);
    snprintf(link, sizeof link, "%s/limits", dir);
    unlink(link);
    snprintf(link, sizeof link, "%s/net/tcp", dir);
    unlink(link);
    snprintf(link, sizeof link, "%s/net/tcp6", dir);
    unlink(link);
    snprintf(link, sizeof link, "%s/net", dir);
    rmdir(link);
    rmdir(dir);
}

static void missing_process(void **state)
{
    (void)state;
    lp_probe *p = NULL;
    lp_err e;
    assert_int_equal(lp_probe_read(0, &p, &e), LP_ERR_INVAL);
    assert_int_equal(lp_probe_read(0x7ffffff0, &p, &e), LP_ERR_NOTFOUND);
    assert_non_null(strstr(e.msg, "no such process"));
    assert_null(p);
    int pid;
    assert_int_equal(lp_probe_find_exe("no-such-program-linkproof", &pid, &e), LP_ERR_NOTFOUND);
    assert_string_equal(lp_tcp_state_name(8), "close_wait");
    assert_string_equal(lp_tcp_state_name(99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(own_listener),
        cmocka_unit_test(made_up_dir),
        cmocka_unit_test(missing_process),
    };
    return cmocka_run_group_tests_name("probe", tests, NULL, NULL);
}
