/*
 * regexlimit.c - bounds a POSIX extended regular expression before it is
 * compiled (see regexlimit.h). One pass over the pattern: bracket
 * expressions and escapes are skipped, a stack follows the groups, and for
 * every repetition operator it is known how many repetitions it sits inside.
 * Refused: a repetition right after another ("e++", "a*{2}": redundant in
 * an ERE, and the blow-up), repetitions nested deeper than
 * LP_REGEX_MAX_NESTING, {m,n} counts whose product passes
 * LP_REGEX_MAX_COUNTS, patterns over LP_REGEX_MAX_LEN bytes.
 */
#include "util/regexlimit.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define MAX_GROUPS 64

static lp_code refuse(lp_err *err, const char *what, const char *why)
{
    return lp_err_set(err, LP_ERR_LIMIT, "%s: the regular expression %s (it would take "
                      "regcomp too much memory)",
                      what, why);
}

lp_code lp_regex_check(const char *re, const char *what, lp_err *err)
{
    size_t len = strlen(re);
    if (len > LP_REGEX_MAX_LEN)
        return refuse(err, what, "is longer than 512 bytes");
    unsigned depth_of[MAX_GROUPS + 1] = {0}; /* per open group: deepest repetition inside */
    size_t top = 0;
    unsigned last_atom = 0;  /* repetition depth inside the atom just ended (a group's) */
    bool atom = false;       /* an atom just ended: a repetition may follow */
    bool repeated = false;   /* the last token was a repetition */
    uint64_t counts = 1;
    for (size_t i = 0; i < len; i++) {
        char c = re[i];
        bool rep = c == '*' || c == '+' || c == '?' || c == '{';
        if (rep && (repeated || !atom)) {
            if (repeated)
                return refuse(err, what, "repeats a repetition");
            if (c == '{')
                goto literal; /* '{' not after an atom is a literal in glibc's ERE */
            continue;         /* a leading '*' is a literal; nothing to bound */
        }
        if (rep) {
            if (c == '{') {
                size_t j = i + 1;
                uint64_t hi = 0, lo = 0;
                bool comma = false;
                while (j < len && re[j] != '}') {
                    if (re[j] == ',')
                        comma = true;
                    else if (re[j] >= '0' && re[j] <= '9') {
                        uint64_t *v = comma ? &hi : &lo;
                        *v = *v * 10 + (uint64_t)(re[j] - '0');
                        if (*v > 100000)
                            *v = 100000;
                    }
                    j++;
                }
                uint64_t n = comma ? (hi ? hi : lo) : lo;
                counts *= n ? n : 1;
                if (counts > LP_REGEX_MAX_COUNTS)
                    return refuse(err, what, "repeats more than 1024 times in all ({m,n} counts "
                                  "multiplied)");
                i = j;
            }
            unsigned d = last_atom + 1;
            if (d > LP_REGEX_MAX_NESTING)
                return refuse(err, what, "nests repetitions more than 4 deep");
            if (depth_of[top] < d)
                depth_of[top] = d;
            repeated = true;
            atom = false;
            continue;
        }
        repeated = false;
        if (c == '(') {
            if (top == MAX_GROUPS)
                return refuse(err, what, "nests groups more than 64 deep");
            depth_of[++top] = 0;
            atom = false;
            continue;
        }
        if (c == ')' && top > 0) {
            last_atom = depth_of[top--];
            if (depth_of[top] < last_atom)
                depth_of[top] = last_atom;
            atom = true;
            continue;
        }
        if (c == '|' || c == '^' || c == '$') {
            atom = false;
            continue;
        }
    literal:
        if (c == '\\' && i + 1 < len) {
            i++;
        } else if (c == '[') {
            /* a bracket expression: ']' first is a member; [:class:] and friends inside */
            size_t j = i + 1;
            if (j < len && re[j] == '^')
                j++;
            if (j < len && re[j] == ']')
                j++;
            while (j < len && re[j] != ']') {
                if (re[j] == '[' && j + 1 < len && (re[j + 1] == ':' || re[j + 1] == '.' || re[j + 1] == '=')) {
                    char end = re[j + 1];
                    j += 2;
                    while (j + 1 < len && !(re[j] == end && re[j + 1] == ']'))
                        j++;
                    j += 2;
                    continue;
                }
                j++;
            }
            i = j < len ? j : len;
        }
        last_atom = 0;
        atom = true;
    }
    return LP_OK;
}
