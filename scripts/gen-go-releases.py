#!/usr/bin/env python3
"""Turn data/go-releases.tsv into a C table (go_releases.h) for src/facts/gosupport.c.

Usage: gen-go-releases.py IN.tsv OUT.h. Refuses a table that is not sorted by
version and by date, a bad date, or a missing data-date line: the build fails
rather than embedding wrong data.
"""
import re
import sys

src, out = sys.argv[1], sys.argv[2]
rows, data_date = [], None
prev = None
for n, line in enumerate(open(src, encoding='utf-8'), 1):
    line = line.rstrip('\n')
    m = re.match(r'#\s*data-date:\s*(\d{4}-\d{2}-\d{2})\s*$', line)
    if m:
        data_date = m.group(1)
        continue
    if not line or line.startswith('#'):
        continue
    parts = line.split('\t')
    if len(parts) != 2 or not re.fullmatch(r'1\.\d+', parts[0]) or \
            not re.fullmatch(r'\d{4}-\d{2}-\d{2}', parts[1]):
        sys.exit(f'{src}:{n}: expected "1.N<TAB>YYYY-MM-DD"')
    minor = int(parts[0].split('.')[1])
    if prev and (minor != prev[0] + 1 or parts[1] <= prev[1]):
        sys.exit(f'{src}:{n}: not the next major release, or not later than the previous one')
    prev = (minor, parts[1])
    rows.append((minor, parts[1]))
if not data_date or not rows or data_date < rows[-1][1]:
    sys.exit(f'{src}: no "# data-date: YYYY-MM-DD" line on or after the last release')
with open(out, 'w', encoding='utf-8') as f:
    f.write('/* generated from data/go-releases.tsv by scripts/gen-go-releases.py */\n')
    f.write(f'#define LP_GO_RELEASES_DATE "{data_date}"\n')
    f.write('static const struct { int minor; const char *date; } lp_go_releases[] = {\n')
    for minor, d in rows:
        f.write(f'    {{{minor}, "{d}"}},\n')
    f.write('};\n')
