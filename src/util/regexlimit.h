/*
 * regexlimit.h - the check a regular expression from an input (a policy file,
 * --var NAME~REGEX) passes before regcomp(3) compiles it. glibc's compiler
 * grows exponentially with nested repetition: "e" followed by 20 '+' took
 * 700 MB, "(e+)+" nested 20 deep 1.5 GB, "((a{1,32}){1,32}){1,32}" 21 MB and
 * one level more 700 MB. What passes compiles in a few MB.
 */
#ifndef LP_UTIL_REGEXLIMIT_H
#define LP_UTIL_REGEXLIMIT_H

#include "linkproof/error.h"

#define LP_REGEX_MAX_LEN 512u
#define LP_REGEX_MAX_NESTING 4u      /* repetitions of repetitions */
#define LP_REGEX_MAX_COUNTS 1024u    /* the product of every {m,n}'s upper count */

/* LP_OK, or LP_ERR_LIMIT saying which bound @p re (an ERE) goes past; @p what names it. */
lp_code lp_regex_check(const char *re, const char *what, lp_err *err);

#endif
