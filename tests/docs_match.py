#!/usr/bin/env python3
"""The documentation matches the tool: every command `linkproof --help` lists has a row in
the README's command table and an entry in the man page's COMMANDS; every option of every
command's --help (written from the options it parses) is in the man page; every format a
command offers is named there; every schema file docs/json-schema.md links to exists, and
every one in docs/schema/ is linked; the man page is of the version meson.build gives the
tool; HACKING.md exists and names each test suite.

Environment: LP_BIN, LP_SOURCE_ROOT. The last line is "N passed, M failed".
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest  # noqa: E402

run = lptest.Runner(60).run


def read(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        return f.read()


def main():
    t = lptest.Tally()
    lp = lptest.lp_bin()
    root = lptest.source_root()
    readme, man = read(root, "README.md"), read(root, "docs/linkproof.1")
    man_text = man.replace("\\-", "-").replace("\\fI", "").replace("\\fR", "").replace("\\fB", "")
    rc, out, _ = run([lp, "--help"])
    text = lptest.dec(out)
    block = text.split("commands:\n", 1)[1].split("\n\n", 1)[0] if "commands:\n" in text else ""
    commands = [l.split()[0] for l in block.split("\n") if l.strip()]
    t.check(rc == 0 and len(commands) >= 13, "linkproof --help", "exit %s, commands %r" % (rc, commands))
    table = [l for l in readme.split("\n") if l.startswith("| `linkproof ")]
    for c in commands:
        t.check(any(l.startswith("| `linkproof %s" % c) for l in table), "README " + c,
                "no row for `linkproof %s` in the README's command table" % c)
        t.check(re.search(r"(?m)^\.B %s$" % re.escape(c), man) is not None, "man " + c,
                "no .B %s entry in docs/linkproof.1" % c)
        if c == "help":
            continue
        rc, out, err = run([lp, c, "--help"])
        h = lptest.dec(out)
        t.check(rc == 0 and h.startswith("usage: linkproof %s" % c) and "exit status:" in h, c + " --help",
                "exit %s; want usage and an exit-status table: %r" % (rc, h[:200]))
        opts = set(re.findall(r"(?m)^\s+(?:-\w, )?(--[a-z0-9-]+)", h)) - {"--help"}
        for o in sorted(opts):
            t.check(o in man_text, "man %s %s" % (c, o), "docs/linkproof.1 does not mention %s of %s" % (o, c))
        m = re.search(r"--format FORMAT\s+(.*) \(default text\)", h)
        for f in (m.group(1).split(", ") if m else []):
            t.check(f in man_text, "man %s --format %s" % (c, f), "docs/linkproof.1 does not name format %s" % f)
    js = read(root, "docs/json-schema.md")
    linked = set(re.findall(r"\(schema/([a-z-]+\.json)\)", js))
    files = {n for n in os.listdir(os.path.join(root, "docs", "schema")) if n.endswith(".json")}
    for n in sorted(linked):
        t.check(n in files, "json-schema.md " + n, "links to docs/schema/%s, which does not exist" % n)
    for n in sorted(files):
        t.check(n in linked, "docs/schema/" + n, "docs/json-schema.md does not link to it")
    # the version is meson.build's, in the tool and on the man page
    rc, out, _ = run([lp, "--version"])
    ver = lptest.dec(out).split()[-1] if rc == 0 and out.strip() else None
    m = re.search(r"(?m)^version : '([^']+)'", read(root, "meson.build").replace("  version", "version"))
    t.check(m and ver == m.group(1), "--version", "linkproof --version says %r, meson.build %r"
            % (ver, m.group(1) if m else None))
    th = re.search(r'(?m)^\.TH LINKPROOF 1 \S+ "linkproof ([^"]+)"', man)
    t.check(th and th.group(1) == ver, "man .TH", "the man page is of linkproof %r, the tool says %r"
            % (th.group(1) if th else None, ver))
    hacking = read(root, "HACKING.md")
    for suite in ("unit", "oracle", "robustness", "fuzz", "install"):
        t.check("--suite %s" % suite in hacking, "HACKING.md " + suite, "does not say how to run the %s suite" % suite)
    return t.finish("docs_match")


if __name__ == "__main__":
    sys.exit(main())
