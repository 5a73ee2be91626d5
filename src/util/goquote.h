/*
 * goquote.h - Go's string-literal rules (strconv.Quote, Unquote,
 * QuotedPrefix) for the build-info lines that `go version -m` prints.
 */
#ifndef LP_UTIL_GOQUOTE_H
#define LP_UTIL_GOQUOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"

/* strconv.IsPrint */
bool lp_go_isprint(unsigned r);
/* Append strconv.Quote(s[0:n]) to sb. */
void lp_go_quote(lp_strbuf *sb, const char *s, size_t n);
/* strconv.QuoteRune(r) (what %q prints for a byte or rune). */
void lp_go_quote_rune(lp_strbuf *sb, unsigned r);
/*
 * strconv.QuotedPrefix: length of the quoted literal at the start of s[0:n],
 * or 0 if s does not start with one.
 */
size_t lp_go_quoted_prefix(const char *s, size_t n);
/* strconv.Unquote of s[0:n] (a double-quoted or back-quoted literal); false on syntax error. */
bool lp_go_unquote(lp_strbuf *out, const char *s, size_t n);

#endif
