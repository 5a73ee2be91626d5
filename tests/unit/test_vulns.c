/*
 * Unit tests: semantic-version order (src/vuln/semver.c) against semver.org's
 * precedence examples and Go's pseudo-versions, Go versions as semver
 * (govulncheck's mapping), OSV range walks (src/vuln/osv.c) on reports
 * written here, and the Go support verdict (src/facts/gosupport.c) on days
 * around the end of Go 1.19's support.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "linkproof/gosupport.h"
#include "linkproof/vulns.h"
#include "vuln/osv.h"

static void test_semver_order(void **state)
{
    (void)state;
    /* semver.org 2.0.0 §11, in increasing order */
    const char *seq[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                         "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "v1.0.1",
                         "1.9.0", "1.10.0", "1.11.0", "2.0.0"};
    size_t n = sizeof seq / sizeof seq[0];
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < n; k++) {
            int c = lp_semver_cmp(seq[i], seq[k]);
            assert_true(i < k ? c < 0 : i > k ? c > 0 : c == 0);
        }
    /* build metadata ignored; pseudo-versions are prereleases of the next patch */
    assert_int_equal(lp_semver_cmp("v9.5.7+incompatible", "9.5.7"), 0);
    assert_true(lp_semver_cmp("v0.0.0-20230313153246-f686da832f85", "0.0.0-20230922105210-14b16010c2ee") < 0);
    assert_true(lp_semver_cmp("v1.6.1-0.20260526150512-ac60be5f0435", "1.6.1") < 0);
    assert_true(lp_semver_cmp("v1.6.1-0.20260526150512-ac60be5f0435", "1.6.0") > 0);
    assert_true(lp_semver_cmp("1.20.0-0", "1.20.0-rc.1") < 0);
    /* huge numbers compare as digit strings */
    assert_true(lp_semver_cmp("99999999999999999999999.0.0", "99999999999999999999998.0.0") > 0);
    assert_false(lp_semver_valid("1.2"));
    assert_false(lp_semver_valid("01.2.3"));
    assert_false(lp_semver_valid("1.2.3-"));
    assert_false(lp_semver_valid("(devel)"));
    assert_true(lp_semver_valid("v1.2.3-rc.1+build.5"));
}

static void test_go_semver(void **state)
{
    (void)state;
    char b[64];
    assert_true(lp_go_semver("go1.19.8", b, sizeof b));
    assert_string_equal(b, "1.19.8");
    assert_true(lp_go_semver("go1.20", b, sizeof b));
    assert_string_equal(b, "1.20.0");
    assert_true(lp_go_semver("go1.21rc2", b, sizeof b));
    assert_string_equal(b, "1.21.0-rc.2");
    assert_true(lp_go_semver("go1.22.0 X:boringcrypto", b, sizeof b));
    assert_string_equal(b, "1.22.0");
    assert_false(lp_go_semver("devel go1.23-abc", b, sizeof b));
    assert_false(lp_go_semver("go1.19.8.1", b, sizeof b));
}

static const char report[] =
    "{\"id\":\"GO-T-1\",\"affected\":[{\"package\":{\"name\":\"m\"},\"ranges\":[{\"type\":\"SEMVER\","
    "\"events\":[{\"fixed\":\"1.19.10\"},{\"introduced\":\"0\"},{\"introduced\":\"1.20.0-0\"},"
    "{\"fixed\":\"1.20.5\"}]}]}]}";

static void test_osv_ranges(void **state)
{
    (void)state;
    lp_osv *o = NULL;
    lp_err e;
    assert_int_equal(lp_osv_parse(report, strlen(report), "t", &o, &e), LP_OK);
    const char *fix;
    assert_true(lp_osv_affects(&o->aff[0], "v1.19.8", &fix));
    assert_string_equal(fix, "1.19.10");
    assert_false(lp_osv_affects(&o->aff[0], "v1.19.10", &fix));
    assert_true(lp_osv_affects(&o->aff[0], "v1.20.0-rc.1", &fix));
    assert_string_equal(fix, "1.20.5");
    assert_false(lp_osv_affects(&o->aff[0], "v1.20.5", &fix));
    assert_false(lp_osv_affects(&o->aff[0], "v1.21.0", &fix));
    assert_false(lp_osv_affects(&o->aff[0], "(devel)", &fix));
    lp_osv_free(&o);
    /* hostile: wrong types and both events in one are errors of one line, naming the file */
    const char *bad[] = {"[]", "{\"id\":5}", "{\"id\":\"x\",\"affected\":[{\"package\":{}}]}",
                         ("{\"id\":\"x\",\"affected\":[{\"package\":{\"name\":\"m\"},\"ranges\":[{\"type\":"
                          "\"SEMVER\",\"events\":[{\"introduced\":\"1\",\"fixed\":\"2\"}]}]}]}"),
                         "{\"id\":\"x\",\"id\":\"y\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_not_equal(lp_osv_check(bad[i], strlen(bad[i]), "f.json", &e), LP_OK);
        assert_non_null(strstr(e.msg, "f.json"));
        assert_null(strchr(e.msg, '\n'));
    }
}

static void test_gosupport(void **state)
{
    (void)state;
    lp_gosupport g;
    lp_gosupport_eval("go1.19.8", "2023-08-07", &g);
    assert_int_equal(g.status, LP_GOSUP_SUPPORTED);
    assert_string_equal(g.eol, "2023-08-08");
    lp_gosupport_eval("go1.19.8", "2023-08-08", &g);
    assert_int_equal(g.status, LP_GOSUP_UNSUPPORTED);
    lp_gosupport_eval("go1.19.8", "2022-08-01", &g); /* before 1.19 came out */
    assert_int_equal(g.status, LP_GOSUP_UNKNOWN);
    lp_gosupport_eval("go1.99.1", "2026-09-01", &g);
    assert_int_equal(g.status, LP_GOSUP_UNKNOWN);
    lp_gosupport_eval("devel go1.x", "2026-09-01", &g);
    assert_int_equal(g.status, LP_GOSUP_UNKNOWN);
    /* the newest release in the data: supported near the data date, unknown long after */
    lp_gosupport_eval("go1.27.0", lp_gosupport_data_date(), &g);
    assert_int_equal(g.status, LP_GOSUP_SUPPORTED);
    lp_gosupport_eval("go1.27.0", "2030-01-01", &g);
    assert_int_equal(g.status, LP_GOSUP_UNKNOWN);
    assert_true(lp_date_valid("2024-02-29"));
    assert_false(lp_date_valid("2023-02-29"));
    assert_false(lp_date_valid("2023-13-01"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_semver_order),
        cmocka_unit_test(test_go_semver),
        cmocka_unit_test(test_osv_ranges),
        cmocka_unit_test(test_gosupport),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
