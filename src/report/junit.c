/*
 * junit.c - the JUnit XML format, for CI systems that show test reports:
 * `check` as a testsuite per file and a testcase per assertion, a <failure>
 * for each violated one and an <error type="undecided"> for each that could
 * not be decided (the test could not reach a verdict), a read error as an
 * <error> of its own.
 *
 * Invariant: every string is escaped for XML text and attributes (TAB, LF
 * and CR as character references, so attributes keep them).
 */
#include <string.h>

#include "report/report_internal.h"

static void xml_esc(FILE *fp, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '&': fputs("&amp;", fp); break;
        case '"': fputs("&quot;", fp); break;
        default:
            if (c < 0x20)
                fprintf(fp, "&#x%02x;", c);
            else
                fputc(c, fp);
        }
    }
}

static bool junit_check(lp_report *r, const void *doc)
{
    const lp_check_run *run = doc;
    FILE *fp = r->o.fp;
    size_t tests = 0, fails = 0, errors = 0;
    for (size_t i = 0; i < run->n; i++) {
        const lp_check_file *cf = &run->files[i];
        errors += (cf->error.code != LP_OK) + cf->rep.n_undecided;
        tests += cf->error.code ? 1 : cf->rep.n;
        fails += cf->rep.n_fail;
    }
    fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<testsuites name=\"linkproof check\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
            tests, fails, errors);
    for (size_t i = 0; i < run->n; i++) {
        const lp_check_file *cf = &run->files[i];
        fputs("  <testsuite name=\"", fp);
        xml_esc(fp, cf->f->path);
        fprintf(fp, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n", cf->error.code ? 1 : cf->rep.n,
                cf->rep.n_fail, (size_t)(cf->error.code != LP_OK) + cf->rep.n_undecided);
        if (cf->error.code) {
            fputs("    <testcase classname=\"linkproof.check\" name=\"read\"><error message=\"", fp);
            xml_esc(fp, cf->error.msg);
            fputs("\"/></testcase>\n", fp);
        }
        for (size_t k = 0; k < cf->rep.n; k++) {
            const lp_check_result *c = &cf->rep.r[k];
            fputs("    <testcase classname=\"linkproof.check\" name=\"", fp);
            xml_esc(fp, c->a->text);
            fputs("\"", fp);
            if (c->status == LP_CHECK_OK) {
                fputs("><system-out>confidence: ", fp);
                xml_esc(fp, c->confidence ? c->confidence : "low");
                fputs("</system-out></testcase>\n", fp);
                continue;
            }
            bool fail = c->status == LP_CHECK_FAIL;
            fputs(fail ? "><failure type=\"violated\" message=\"expected " : "><error type=\"undecided\" message=\"expected ",
                  fp);
            xml_esc(fp, c->expected);
            fputs("; found ", fp);
            xml_esc(fp, c->found);
            fputs(" (confidence: ", fp);
            xml_esc(fp, c->confidence ? c->confidence : "low");
            fputs(")\">", fp);
            xml_esc(fp, c->cause ? c->cause : "");
            fputs(fail ? "</failure></testcase>\n" : "</error></testcase>\n", fp);
        }
        fputs("  </testsuite>\n", fp);
    }
    fputs("</testsuites>\n", fp);
    return !ferror(fp);
}

const lp_report_format lp_report_junit = {
    .name = "junit",
    .kinds = {[LP_DOC_CHECK] = {.write = junit_check}},
};
