/*
 * test_files.h - the one helper the unit tests share for writing a text file
 * DIR/NAME (include after cmocka.h: a file that cannot be written fails the
 * test).
 */
#ifndef LP_TEST_FILES_H
#define LP_TEST_FILES_H

#include <stdio.h>

static inline void test_write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

#endif
