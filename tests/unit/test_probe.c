/*
 * Unit tests: the probe on this very process: a listener with two
 * connections waiting in its accept queue, read through sock_diag and
 * through /proc, and the errors for processes that do not exist.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "linkproof/probe.h"

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
        assert_true(p->threads >= 1);
        assert_true(p->have_netstat);
        lp_probe_free(&p);
        assert_null(p);
    }
    close(c1);
    close(c2);
    close(ls);
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
        cmocka_unit_test(missing_process),
    };
    return cmocka_run_group_tests_name("probe", tests, NULL, NULL);
}
