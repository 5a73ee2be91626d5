/*
 * test_cgroup.c - /proc/PID/cgroup as scan --procs and the exporter read it:
 * one reader (lp_proc_read_record, checked against this process's own file read
 * with stdio) and the rules on its text: the container id is the last run of
 * exactly 64 lowercase hex digits in the first path that has one
 * (lp_cgroup_parse), the path shown is the v2 line, else the first v1 path naming a container
 * (lp_cgroup_path), a --cgroup prefix matches any line, and every copy is
 * bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "linkproof/exporter.h"
#include "proc/proc_internal.h"

#define ID_A "4f1c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a"
#define ID_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void v2_docker_scope(void **state)
{
    (void)state;
    const char *t = "0::/system.slice/docker-" ID_A ".scope\n";
    char id[65], path[256];
    assert_true(lp_cgroup_parse(t, NULL, id));
    assert_string_equal(id, ID_A);
    assert_true(lp_cgroup_parse(t, "/system.slice", id));
    assert_false(lp_cgroup_parse(t, "/kubepods", id));
    assert_true(lp_cgroup_path(t, path, sizeof path));
    assert_string_equal(path, "/system.slice/docker-" ID_A ".scope");
}

static void kubepods(void **state)
{
    (void)state;
    const char *t = "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f1e.slice/"
                    "cri-containerd-" ID_B ".scope\n";
    char id[65], path[512];
    assert_true(lp_cgroup_parse(t, "/kubepods.slice", id));
    assert_string_equal(id, ID_B);
    assert_true(lp_cgroup_path(t, path, sizeof path));
    assert_non_null(strstr(path, "cri-containerd-" ID_B));
}

/* hybrid hierarchy: the v2 line is shown even when it is "/", the id comes from the v1 line that
 * has one; scan --procs and the exporter agree on both */
static void hybrid_v1_v2(void **state)
{
    (void)state;
    const char *t = "12:pids:/docker/" ID_A "\n"
                    "11:memory:/docker/" ID_A "\n"
                    "1:name=systemd:/docker/" ID_A "\n"
                    "0::/\n";
    char id[65], path[256];
    assert_true(lp_cgroup_parse(t, "/docker", id));
    assert_string_equal(id, ID_A);
    assert_true(lp_cgroup_path(t, path, sizeof path));
    assert_string_equal(path, "/");
}

/* v1 only: the first path naming a container; none names one: no path, no id */
static void v1_only(void **state)
{
    (void)state;
    char id[65], path[256];
    const char *t = "4:memory:/user.slice\n3:cpu,cpuacct:/docker/" ID_B "\n2:pids:/docker/" ID_A "\n";
    assert_true(lp_cgroup_path(t, path, sizeof path));
    assert_string_equal(path, "/docker/" ID_B);
    assert_true(lp_cgroup_parse(t, NULL, id));
    assert_string_equal(id, ID_B);
    const char *u = "4:memory:/user.slice/user-0.slice\n3:cpu:/\n";
    assert_false(lp_cgroup_path(u, path, sizeof path));
    assert_string_equal(path, "");
    assert_true(lp_cgroup_parse(u, NULL, id));
    assert_string_equal(id, "");
    assert_true(lp_cgroup_parse(u, "/user.slice", id));
}

/* 63 or 65 hex digits are not an id; upper case is not the kernel's */
static void not_an_id(void **state)
{
    (void)state;
    char id[65];
    char t[300];
    snprintf(t, sizeof t, "0::/docker/%.63s\n", ID_A);
    lp_cgroup_parse(t, NULL, id);
    assert_string_equal(id, "");
    snprintf(t, sizeof t, "0::/docker/%sa\n", ID_A);
    lp_cgroup_parse(t, NULL, id);
    assert_string_equal(id, "");
    snprintf(t, sizeof t, "0::/docker/%s\n", "4F1C2B9A8D7E6F5A4B3C2D1E0F9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F1A");
    lp_cgroup_parse(t, NULL, id);
    assert_string_equal(id, "");
}

/* lines without two colons, empty lines, no final newline: nothing read, nothing out of bounds */
static void malformed(void **state)
{
    (void)state;
    char id[65], path[16];
    const char *t = "no colons\n\n:\n::";
    assert_false(lp_cgroup_parse(t, "/x", id));
    assert_string_equal(id, "");
    assert_false(lp_cgroup_path("no colons\n\n:\n", path, sizeof path));
    /* "::" is a line with an empty path (not v2: it has no hierarchy 0) */
    assert_false(lp_cgroup_path(t, path, sizeof path));
    assert_true(lp_cgroup_path("0::", path, sizeof path));
    assert_string_equal(path, "");
}

/* a path longer than the buffer is cut, NUL-terminated */
static void bounded(void **state)
{
    (void)state;
    char *t = malloc(3 + 20000 + 2);
    assert_non_null(t);
    memcpy(t, "0::", 3);
    memset(t + 3, 'a', 20000);
    t[3] = '/';
    memcpy(t + 3 + 20000, "\n", 2);
    char small[8], id[65];
    assert_true(lp_cgroup_path(t, small, sizeof small));
    assert_int_equal(strlen(small), 7);
    assert_memory_equal(small, "/aaaaaa", 7);
    assert_true(lp_cgroup_parse(t, "/aaa", id));
    assert_string_equal(id, "");
    free(t);
}

/* the reader against this process's own file, read with stdio */
static void reader_matches_stdio(void **state)
{
    (void)state;
    char want[LP_CGROUP_MAX + 1];
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f)
        skip();
    size_t n = fread(want, 1, LP_CGROUP_MAX, f);
    fclose(f);
    want[n] = '\0';
    int dirfd = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(dirfd >= 0);
    char got[LP_CGROUP_MAX + 1];
    assert_int_equal(lp_proc_read_record(dirfd, "cgroup", got, sizeof got) == 0, n > 0);
    assert_string_equal(got, want);
    /* a small buffer: a prefix, NUL-terminated */
    char small[5];
    if (n > 0) {
        assert_int_equal(lp_proc_read_record(dirfd, "cgroup", small, sizeof small), 0);
        assert_int_equal(strlen(small), n < 4 ? n : 4);
        assert_memory_equal(small, want, strlen(small));
    }
    assert_int_equal(lp_proc_read_record(dirfd, "cgroup", small, 0), EINVAL);
    close(dirfd);
    /* a directory with no such file */
    int tmp = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_int_equal(lp_proc_read_record(tmp, "cgroup", got, sizeof got), ENOENT);
    assert_string_equal(got, "");
    close(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(v2_docker_scope), cmocka_unit_test(kubepods),  cmocka_unit_test(hybrid_v1_v2),
        cmocka_unit_test(v1_only),         cmocka_unit_test(not_an_id), cmocka_unit_test(malformed),
        cmocka_unit_test(bounded),         cmocka_unit_test(reader_matches_stdio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
