/*
 * test_smap.c - the string map under random inserts, replacements and
 * deletions, against a plain array as the oracle: every key present is found
 * with its value, every key deleted is gone, and the count agrees, at every
 * step (linear probing with backward-shift deletion is easy to get wrong).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/smap.h"

#define NKEYS 600

static uint32_t rng = 12345;
static uint32_t next(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

static void check_all(const smap *m, char keys[][16], const intptr_t *vals, const bool *in)
{
    size_t count = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        if (in[i]) {
            count++;
            assert_true(smap_has(m, keys[i]));
            assert_int_equal((intptr_t)smap_get(m, keys[i]), vals[i]);
        } else {
            assert_false(smap_has(m, keys[i]));
            assert_null(smap_get(m, keys[i]));
        }
    }
    assert_int_equal(m->n, count);
}

static void test_random_ops(void **state)
{
    (void)state;
    static char keys[NKEYS][16];
    intptr_t vals[NKEYS] = {0};
    bool in[NKEYS] = {false};
    for (size_t i = 0; i < NKEYS; i++)
        snprintf(keys[i], sizeof keys[i], "k%zu/%u", i, (unsigned)(i * 7919u % 101u));
    smap m = {0};
    for (int step = 0; step < 20000; step++) {
        size_t i = next() % NKEYS;
        unsigned op = next() % 3;
        if (op < 2) {
            vals[i] = (intptr_t)(step + 1);
            assert_true(smap_put(&m, keys[i], (void *)vals[i]));
            in[i] = true;
        } else {
            assert_int_equal(smap_del(&m, keys[i]), in[i]);
            in[i] = false;
        }
        if (step % 97 == 0)
            check_all(&m, keys, vals, in);
    }
    check_all(&m, keys, vals, in);
    /* delete everything, then the table is empty and still usable */
    for (size_t i = 0; i < NKEYS; i++)
        if (in[i]) {
            assert_true(smap_del(&m, keys[i]));
            in[i] = false;
        }
    assert_int_equal(m.n, 0);
    check_all(&m, keys, vals, in);
    assert_true(smap_put(&m, "again", (void *)1));
    assert_true(smap_has(&m, "again"));
    assert_false(smap_del(&m, "absent"));
    smap_release(&m, NULL);
    assert_null(smap_get(&m, "again"));
    assert_false(smap_del(&m, "again"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_ops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
