/*
 * main.c - a program that uses the installed library the way a user would:
 * the umbrella header and pkg-config, nothing from the source tree. It reads
 * the facts of each FILE and prints one line each; tests/pkgconfig.sh builds
 * it against the shared and the static library and checks what it prints.
 */
#include <stdio.h>
#include <string.h>

#include <linkproof/linkproof.h>

int main(int argc, char **argv)
{
    /* the headers and the library linked are the same release */
    if (strcmp(lp_version(), LINKPROOF_VERSION) != 0) {
        fprintf(stderr, "library %s, headers %s\n", lp_version(), LINKPROOF_VERSION);
        return 1;
    }
    printf("version %s\n", lp_version());
    int status = 0;
    for (int i = 1; i < argc; i++) {
        lp_facts *f = NULL;
        lp_err err;
        lp_err_clear(&err);
        if (lp_facts_collect(argv[i], &f, &err) != LP_OK) {
            printf("%s: error %s: %s\n", argv[i], lp_code_name(err.code), err.msg);
            lp_facts_free(&f);
            status = 2;
            continue;
        }
        char plat[64] = "-";
        lp_file_platform(argv[i], plat, sizeof plat);
        printf("%s: object %d go %d machine %s platform %s\n", argv[i], f->is_object, f->is_go,
               f->is_object ? f->machine : "-", plat);
        lp_facts_free(&f);
    }
    return status;
}
