#!/usr/bin/env python3
"""A PostgreSQL server of the test's own, in a temporary directory (Debian's `postgresql`).

The tests never use a server the machine started: PgServer runs initdb and pg_ctl from the
installed server binaries (/usr/lib/postgresql/N/bin, the newest N; or initdb on PATH) into a
new directory, as an unprivileged user when the tests run as root (CI does, and initdb refuses
root): the directory is given to `nobody` and every server command runs through
`setpriv --reuid=65534`. The server listens on a Unix socket in that directory and, when
asked, on a free loopback port (127.0.0.1) with password (SCRAM) logins for TCP; local socket
logins are trusted. It is stopped and its directory removed at the end (context manager).

Used by tests/fingerprint_cli.py, bench/registry.sh and, as a wrapper, by the unit tests:

    python3 tests/pgserver.py -- PROGRAM ARGS...

starts a server, runs PROGRAM with LP_TEST_PG set to a connection string of its superuser
(database `postgres`, on the socket), stops the server and exits with PROGRAM's status; 77
(skipped) when no PostgreSQL server binaries are installed, unless CI is set.
"""

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lptest  # noqa: E402

SKIP = 77
NOBODY = 65534
SUPERUSER = "postgres"


def server_bindir():
    """The directory of initdb/pg_ctl/postgres: the newest /usr/lib/postgresql/N/bin, else
    initdb's directory on PATH; None when there is none."""
    cands = []
    for d in glob.glob("/usr/lib/postgresql/*/bin"):
        try:
            cands.append((int(os.path.basename(os.path.dirname(d))), d))
        except ValueError:
            pass
    for _, d in sorted(cands, reverse=True):
        if all(os.access(os.path.join(d, x), os.X_OK) for x in ("initdb", "pg_ctl", "postgres")):
            return d
    w = shutil.which("initdb")
    return os.path.dirname(os.path.realpath(w)) if w else None


def clean_env(**extra):
    """os.environ without libpq's variables (PGHOST, PGUSER, PGPASSWORD, ...), so that nothing
    of the machine's own setup reaches a test, plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    env.update(extra)
    return env


class PgServer:
    def __init__(self, tcp=False, fsync=False, prefix="lp-pg-"):
        self.bindir = server_bindir()
        if not self.bindir:
            raise FileNotFoundError("no PostgreSQL server binaries (apt-get install postgresql)")
        self.tcp = tcp
        self.fsync = fsync
        self.prefix = prefix
        self.dir = None
        self.port = None
        self.running = False
        self.as_root = os.geteuid() == 0
        self.n_db = 0

    # ------------------------------------------------------------ running server commands

    def _as_owner(self, argv):
        if self.as_root:
            return ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups", "--"] + argv
        return argv

    def _run(self, argv, timeout=120, check=True):
        p = subprocess.run(self._as_owner(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=clean_env(HOME=self.dir), cwd=self.dir, timeout=timeout)
        if check and p.returncode != 0:
            raise RuntimeError("%s: exit %d: %s %s" % (argv[0], p.returncode, p.stdout.decode()[-2000:],
                                                       p.stderr.decode()[-2000:]))
        return p

    @property
    def data(self):
        return os.path.join(self.dir, "data")

    @property
    def sockdir(self):
        return self.dir

    def start(self):
        # a test stopped by meson's timeout (SIGTERM) still stops its server on the way out
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        self.dir = tempfile.mkdtemp(prefix=self.prefix)
        if self.as_root:
            os.chown(self.dir, NOBODY, NOBODY)
        os.chmod(self.dir, 0o755)
        self._run([os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", SUPERUSER, "-E", "UTF8",
                   "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"])
        conf = [
            "unix_socket_directories = '%s'" % self.sockdir,
            "listen_addresses = '%s'" % ("127.0.0.1" if self.tcp else ""),
            "max_connections = 100",
            "shared_buffers = 32MB",
            "logging_collector = off",
            "fsync = %s" % ("on" if self.fsync else "off"),
            "full_page_writes = %s" % ("on" if self.fsync else "off"),
        ]
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\n".join(conf) + "\n")
        for attempt in range(5):
            self.port = lptest.free_port() if self.tcp else 5432 + attempt
            try:
                self._pg_ctl("start", "-w", "-t", "60", "-l", os.path.join(self.dir, "server.log"),
                             "-o", "-p %d" % self.port)
                self.running = True
                return self
            except RuntimeError:
                if attempt == 4:
                    raise
        return self

    def _pg_ctl(self, *args, check=True):
        return self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data] + list(args), check=check)

    def stop(self, mode="fast"):
        if self.running:
            self._pg_ctl("stop", "-w", "-t", "60", "-m", mode, check=False)
            self.running = False

    def restart(self):
        self._pg_ctl("start", "-w", "-t", "60", "-l", os.path.join(self.dir, "server.log"), "-o",
                     "-p %d" % self.port)
        self.running = True

    def close(self):
        try:
            self.stop("immediate")
        finally:
            if self.dir:
                shutil.rmtree(self.dir, ignore_errors=True)
                self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def log_tail(self, n=4000):
        try:
            with open(os.path.join(self.dir, "server.log"), errors="replace") as f:
                return f.read()[-n:]
        except OSError:
            return ""

    # ------------------------------------------------------------ clients

    def url(self, db="postgres", user=SUPERUSER, **extra):
        """A URI on the Unix socket."""
        q = "host=%s&port=%d&user=%s" % (self.sockdir, self.port, user)
        for k, v in extra.items():
            q += "&%s=%s" % (k, v)
        return "postgresql:///%s?%s" % (db, q)

    def kv(self, db="postgres", user=SUPERUSER):
        """The key=value form of the same."""
        return "host=%s port=%d dbname=%s user=%s" % (self.sockdir, self.port, db, user)

    def tcp_url(self, db="postgres", user=SUPERUSER):
        return "postgresql://%s@127.0.0.1:%d/%s" % (user, self.port, db)

    def psql(self, sql, db="postgres", user=SUPERUSER, check=True):
        """Runs sql with psql (-X: no psqlrc; ON_ERROR_STOP); returns stdout as text."""
        psql = os.path.join(self.bindir, "psql")
        if not os.access(psql, os.X_OK):
            psql = shutil.which("psql") or psql
        p = subprocess.run([psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", self.sockdir, "-p",
                            str(self.port), "-U", user, "-d", db, "-c", sql],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(), timeout=120)
        if check and p.returncode != 0:
            raise RuntimeError("psql %r: exit %d: %s" % (sql[:200], p.returncode, p.stderr.decode()[-1000:]))
        return p.stdout.decode("utf-8", "replace")

    def new_db(self, name="lp"):
        """A new, empty database (UTF-8); its name."""
        self.n_db += 1
        safe = "".join(c if c.isalnum() else "_" for c in name.lower())[:40]
        db = "%s_%d" % (safe or "db", self.n_db)
        self.psql('CREATE DATABASE "%s"' % db)
        return db

    def dump(self, db):
        """Everything a database holds, for before/after comparisons: its tables (with their
        columns and indexes) and every row, as text."""
        tables = self.psql("SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n "
                           "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'i', 'S', 'v') AND n.nspname "
                           "NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
                           "ORDER BY 1", db=db).split()
        out = ["relations: %r" % tables]
        for t in tables:
            kind = self.psql("SELECT relkind FROM pg_class WHERE oid = '%s'::regclass" % t, db=db).strip()
            if kind == "r":
                out.append("%s: %s" % (t, self.psql("SELECT * FROM %s ORDER BY 1" % t, db=db)))
                out.append("%s columns: %s" % (t, self.psql(
                    "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) "
                    "FROM pg_attribute WHERE attrelid = '%s'::regclass AND attnum > 0" % t, db=db)))
        return "\n".join(out)

    def tables(self, db, schema="public"):
        """The tables of a schema of db."""
        return self.psql("SELECT tablename FROM pg_tables WHERE schemaname = '%s' ORDER BY 1" % schema,
                         db=db).split()


def main(argv):
    if "--" not in argv:
        print("usage: pgserver.py -- PROGRAM ARGS...", file=sys.stderr)
        return 2
    prog = argv[argv.index("--") + 1:]
    if not server_bindir():
        msg = "no PostgreSQL server binaries (Debian: postgresql)"
        if os.environ.get("CI"):
            print("FAIL: %s, and CI is set" % msg)
            return 1
        print("SKIP: %s" % msg)
        return SKIP
    with PgServer() as pg:
        env = dict(os.environ)
        env["LP_TEST_PG"] = pg.kv()
        return subprocess.run(prog, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
