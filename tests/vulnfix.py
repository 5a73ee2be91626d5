"""Fixtures for the vulns tests and bench/vulns.sh: the Go programs of
tests/fixtures/vulnsrc built with Debian's Go (offline; golang.org/x/text
replaced by the stand-in there, at the affected version v0.3.6), and the
test database (../shared/data/go-vulndb/osv.tar.gz) unpacked and laid out
three ways: a folder of OSV reports, the layout vuln.go.dev serves
(index/modules.json + ID/), and the legacy layout Debian's govulncheck
(0.0~git20230201) reads through GOVULNDB=file:///DIR (index.json,
MODULE.json, ID/, aliases.json).
The stand-in module is served by a local file:// GOPROXY (zips made here), so
the binaries record golang.org/x/text v0.3.6 with its h1: sum, as a real
dependency would be; `replaced` replaces it with v0.3.8 (a fixed version).
"""
import gzip
import json
import os
import shutil
import subprocess
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, 'fixtures', 'vulnsrc')
SNAPSHOT = os.environ.get('LP_VULNDB_SNAPSHOT') or os.path.normpath(
    os.path.join(HERE, '..', '..', 'shared', 'data', 'go-vulndb', 'osv.tar.gz'))
CDX_DIR = os.environ.get('LP_CYCLONEDX_SCHEMA') or os.path.normpath(
    os.path.join(HERE, '..', '..', 'shared', 'data', 'cyclonedx'))
# programs calling golang.org/x/text, and those that do not
TEXT_PROGS = ['none', 'parse', 'accept', 'methods', 'replaced']
STD_PROGS = ['hello', 'nethttp']
PROGS = TEXT_PROGS + STD_PROGS


def go_env(tmp):
    env = dict(os.environ)
    for k in ('GOOS', 'GOARCH', 'GOFLAGS', 'GOWORK', 'GOTOOLCHAIN', 'CGO_ENABLED'):
        env.pop(k, None)
    cache = os.environ.get('LP_GOCACHE') or os.path.join(tmp, 'gocache')
    env.update(GOCACHE=cache, GOPATH=os.path.join(tmp, 'gopath'), GOPROXY='off',
               GOFLAGS='-mod=mod', CGO_ENABLED='0', GONOSUMDB='*', GONOSUMCHECK='1',
               GOSUMDB='off', HOME=tmp)
    return env


# versions of the stand-in served by the local module proxy (same code, affected and fixed)
PROXY_VERSIONS = ['v0.3.6', 'v0.3.8']
# program -> (required version, replacement or None)
REQUIRES = {'none': ('v0.3.6', None), 'parse': ('v0.3.6', None), 'accept': ('v0.3.6', None),
            'methods': ('v0.3.6', None), 'replaced': ('v0.3.6', 'v0.3.8')}


def make_proxy(tmp):
    """A file:// GOPROXY serving the stand-in golang.org/x/text at PROXY_VERSIONS."""
    import zipfile
    proxy = os.path.join(tmp, 'proxy')
    vdir = os.path.join(proxy, 'golang.org', 'x', 'text', '@v')
    if os.path.isdir(vdir):
        return proxy
    os.makedirs(vdir)
    src = os.path.join(SRC, 'text')
    with open(os.path.join(src, 'go.mod')) as f:
        gomod = f.read()
    for v in PROXY_VERSIONS:
        with open(os.path.join(vdir, v + '.info'), 'w') as f:
            json.dump({'Version': v, 'Time': '2021-01-01T00:00:00Z'}, f)
        with open(os.path.join(vdir, v + '.mod'), 'w') as f:
            f.write(gomod)
        with zipfile.ZipFile(os.path.join(vdir, v + '.zip'), 'w') as z:
            for root, _, files in os.walk(src):
                for n in sorted(files):
                    full = os.path.join(root, n)
                    rel = os.path.relpath(full, src)
                    z.write(full, 'golang.org/x/text@%s/%s' % (v, rel))
    with open(os.path.join(vdir, 'list'), 'w') as f:
        f.write('\n'.join(PROXY_VERSIONS) + '\n')
    return proxy


def build(outdir, tmp):
    """Build every program into outdir/NAME and outdir/NAME-sw (-s -w); returns the names."""
    os.makedirs(outdir, exist_ok=True)
    proxy = make_proxy(tmp)
    env = go_env(tmp)
    env['GOPROXY'] = 'file://' + proxy
    for name in PROGS:
        d = os.path.join(tmp, 'src', name)
        os.makedirs(d, exist_ok=True)
        prog = 'parse' if name == 'replaced' else name
        shutil.copy(os.path.join(SRC, 'prog', prog + '.go'), os.path.join(d, 'main.go'))
        mod = 'module example.com/%s\n\ngo 1.19\n' % name
        if name in REQUIRES:
            req, rep = REQUIRES[name]
            mod += '\nrequire golang.org/x/text %s\n' % req
            if rep:
                mod += '\nreplace golang.org/x/text %s => golang.org/x/text %s\n' % (req, rep)
        with open(os.path.join(d, 'go.mod'), 'w') as f:
            f.write(mod)
        for suffix, ld in (('', []), ('-sw', ['-ldflags=-s -w'])):
            out = os.path.join(outdir, name + suffix)
            subprocess.run(['go', 'build', '-buildvcs=false', '-o', out] + ld + ['.'], cwd=d,
                           env=env, check=True, stdout=subprocess.DEVNULL)
    return PROGS


def unpack(tmp):
    """The snapshot unpacked: returns the folder of OSV reports."""
    dest = os.path.join(tmp, 'snapshot')
    if not os.path.isdir(dest):
        with tarfile.open(SNAPSHOT) as t:
            t.extractall(dest, filter='data') if hasattr(tarfile, 'data_filter') else t.extractall(dest)
    for root, dirs, files in os.walk(dest):
        if any(f.startswith('GO-') and f.endswith('.json') for f in files):
            return root
    raise RuntimeError('no GO-*.json in ' + SNAPSHOT)


def reports(folder):
    for n in sorted(os.listdir(folder)):
        if n.endswith('.json'):
            with open(os.path.join(folder, n)) as f:
                yield json.load(f)


def index_layout(folder, dest, gz=False):
    """The layout vuln.go.dev serves: index/modules.json and ID/<id>.json (gzipped with gz)."""
    os.makedirs(os.path.join(dest, 'index'), exist_ok=True)
    os.makedirs(os.path.join(dest, 'ID'), exist_ok=True)
    mods = {}
    for r in reports(folder):
        data = json.dumps(r).encode()
        if gz:
            with gzip.open(os.path.join(dest, 'ID', r['id'] + '.json.gz'), 'wb') as f:
                f.write(data)
        else:
            with open(os.path.join(dest, 'ID', r['id'] + '.json'), 'wb') as f:
                f.write(data)
        for a in r.get('affected', []):
            m = a['package']['name']
            ids = mods.setdefault(m, [])
            if r['id'] not in [v['id'] for v in ids]:
                ids.append({'id': r['id'], 'modified': r.get('modified')})
    idx = [{'path': m, 'vulns': v} for m, v in sorted(mods.items())]
    data = json.dumps(idx).encode()
    if gz:
        with gzip.open(os.path.join(dest, 'index', 'modules.json.gz'), 'wb') as f:
            f.write(data)
    else:
        with open(os.path.join(dest, 'index', 'modules.json'), 'wb') as f:
            f.write(data)
    return dest


def escape_module(path):
    return ''.join('!' + c.lower() if c.isupper() else c for c in path)


def legacy_layout(folder, dest):
    """The layout govulncheck 0.0~git20230201 reads (client/file.go of golang.org/x/vuln)."""
    os.makedirs(os.path.join(dest, 'ID'), exist_ok=True)
    mods, aliases, ids = {}, {}, []
    for r in reports(folder):
        ids.append(r['id'])
        with open(os.path.join(dest, 'ID', r['id'] + '.json'), 'w') as f:
            json.dump(r, f)
        for a in r.get('aliases') or []:
            aliases.setdefault(a, []).append(r['id'])
        for m in {a['package']['name'] for a in r.get('affected', [])}:
            mods.setdefault(m, []).append(r)
    index = {}
    for m, rs in mods.items():
        p = os.path.join(dest, escape_module(m) + '.json')
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, 'w') as f:
            json.dump(rs, f)
        index[m] = '2026-08-21T00:00:00Z'
    with open(os.path.join(dest, 'index.json'), 'w') as f:
        json.dump(index, f)
    with open(os.path.join(dest, 'aliases.json'), 'w') as f:
        json.dump(aliases, f)
    with open(os.path.join(dest, 'ID', 'index.json'), 'w') as f:
        json.dump(ids, f)
    return dest


def govulncheck(binary, legacy_db, tmp):
    """govulncheck -json on one binary; returns {(id, module): set of symbols} and the raw JSON."""
    env = dict(os.environ, GOVULNDB='file://' + legacy_db, HOME=tmp,
               GOCACHE=os.environ.get('LP_GOCACHE') or os.path.join(tmp, 'gocache'))
    p = subprocess.run(['govulncheck', '-json', binary], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode not in (0, 3):
        raise RuntimeError('govulncheck %s: %s' % (binary, p.stderr.strip()))
    return p.stdout
