"""A password given to streamlab appears nowhere it writes: not on a child's command line
(/proc/<pid>/cmdline, readable by every local user) while `streamlab bench` runs its consumers,
psql and the lab-style baseline, not in the report, not on stdout or stderr; and `--sink env:NAME`
keeps it off consume's own command line. The password is the local PostgreSQL's own (from the
password file `deploy/local/services env` names in PGPASSFILE), given in the URI and kept from
the children's PGPASSFILE, so the whole path runs for real and needs it. And the local PostgreSQL
itself wants a password over TCP: none, a wrong one and the superuser are refused; the local
Redis wants one too, which the sink takes from REDISCLI_AUTH."""
import json
import os
import re
import subprocess
import tempfile
import threading
import unittest
import urllib.request

from harness import BROKERS, POSTGRES, REDIS, STREAMLAB, create_topic, env, fresh, produce, wait_until

PGPASSFILE = env("PGPASSFILE")


def local_password():
    """The first password of the password file (host:port:database:user:password lines)."""
    with open(PGPASSFILE) as f:
        return f.readline().rstrip("\n").split(":", 4)[4]


PASSWORD = local_password()
assert len(PASSWORD) >= 16, "the password file's password is too short to look for"


def with_password(uri, password=PASSWORD):
    """postgres://user@host… or postgres://host… → the same with user:PASSWORD@."""
    m = re.match(r"^(postgres(?:ql)?://)(?:([^@/:]*)(?::[^@/]*)?@)?(.*)$", uri)
    assert m, uri
    return f"{m.group(1)}{m.group(2) or 'postgres'}:{password}@{m.group(3)}"


def without_pgpassfile(**extra):
    """The environment without the password file: only the URI can hold the password."""
    e = {k: v for k, v in os.environ.items() if k != "PGPASSFILE"}
    e.update(extra)
    return e


class CommandLineWatch:
    """Reads every process's command line until stopped; remembers those holding the password."""

    def __init__(self):
        self.seen, self.found, self.done = 0, [], threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        line = f.read().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    continue
                self.seen += 1
                if PASSWORD in line and "test_secrets" not in line:
                    self.found.append(line)
            self.done.wait(0.01)

    def stop(self):
        self.done.set()
        self.thread.join()


class Secrets(unittest.TestCase):
    def test_bench_keeps_the_password_out_of_argv_report_and_output(self):
        with tempfile.TemporaryDirectory(prefix="secrets-") as out:
            watch = CommandLineWatch()
            try:
                # The URI as a user keeps it out of their own command line: in the environment.
                p = subprocess.run([STREAMLAB, "bench", "-b", BROKERS, "--scenario", "sink-postgres-counters",
                                    "--scale", "0.01", "--out", out], capture_output=True, text=True, timeout=600,
                                   env=without_pgpassfile(STREAMLAB_POSTGRES=with_password(POSTGRES)))
            finally:
                watch.stop()
            self.assertEqual(p.returncode, 0, p.stderr[-3000:])
            with open(os.path.join(out, "report.json")) as f:
                doc = json.load(f)
            tools = {b["tool"] for b in doc["scenarios"][0]["baselines"]}
            # The children that had the URI ran: the consumers, psql, the lab-style consumer.
            self.assertTrue({"psql \\copy", "lab-style postgres"} <= tools, tools)
            self.assertGreater(watch.seen, 100)
            self.assertEqual(watch.found[:3], [])
            self.assertNotIn(PASSWORD, p.stdout + p.stderr)
            for root, _, files in os.walk(out):
                for name in files:
                    with open(os.path.join(root, name), "rb") as f:
                        self.assertNotIn(PASSWORD.encode(), f.read(), name)

    def test_the_dashboard_shows_no_password(self):
        """A sink consumer with --web, its PostgreSQL URI holding the password: neither the page's
        snapshots (/events, what a browser shows) nor /metrics carry it."""
        topic = fresh("secret-web")
        create_topic(topic, 1)
        produce(topic, "counter", 10)
        log = tempfile.TemporaryFile(mode="w+")
        p = subprocess.Popen([STREAMLAB, "consume", "-b", BROKERS, "-t", topic, "-g", fresh("g"), "--from",
                              "beginning", "--sink", "env:MY_SINK", "--table", fresh("t").replace("-", "_"), "--quiet",
                              "--web", "127.0.0.1:0"], stdout=subprocess.DEVNULL, stderr=log, text=True,
                             env=without_pgpassfile(MY_SINK=with_password(POSTGRES)))
        try:
            def url():
                log.seek(0)
                m = re.search(r"dashboard: (http://\S+)", log.read())
                return m.group(1) if m else None
            wait_until(lambda: url() or p.poll() is not None, 30, "the dashboard's URL")
            base = url()
            self.assertTrue(base, "no dashboard")
            # The first snapshots after the 10 rows are stored: the sink's part is filled in.
            with urllib.request.urlopen(base + "events", timeout=10) as events:
                snapshots = []
                while not any('"rows":10' in e.replace(" ", "") for e in snapshots) and len(snapshots) < 100:
                    line = events.readline().decode()
                    if line.startswith("data: "):
                        snapshots.append(line)
            self.assertTrue(any('"rows":10' in e.replace(" ", "") for e in snapshots), snapshots[-1][:800])
            self.assertTrue(any("postgres" in e for e in snapshots), snapshots[-1][:800])
            with urllib.request.urlopen(base + "metrics", timeout=10) as r:
                metrics = r.read().decode()
            self.assertIn("streamlab_sink_rows_total", metrics)
            for text in snapshots + [metrics]:
                self.assertNotIn(PASSWORD, text)
        finally:
            p.terminate()
            p.wait(timeout=30)
            log.seek(0)
            self.assertNotIn(PASSWORD, log.read())
            log.close()

    def test_consume_takes_the_sink_from_the_environment(self):
        topic = fresh("secret-env")
        create_topic(topic, 1)
        produce(topic, "counter", 10)
        env = without_pgpassfile(MY_SINK=with_password(POSTGRES))
        p = subprocess.run([STREAMLAB, "consume", "-b", BROKERS, "-t", topic, "-g", fresh("g"), "--from", "beginning",
                            "--sink", "env:MY_SINK", "--table", fresh("t").replace("-", "_"), "--until-end",
                            "--json"], capture_output=True, text=True, timeout=120, env=env)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertEqual(json.loads(p.stdout)["sink"]["rows"], 10)
        self.assertNotIn(PASSWORD, p.stdout + p.stderr)
        p = subprocess.run([STREAMLAB, "consume", "-b", BROKERS, "-t", topic, "--sink", "env:NOT_SET_ANYWHERE"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("NOT_SET_ANYWHERE is not set", p.stderr)

    def test_local_postgres_wants_a_password(self):
        """No password, a wrong one, the superuser: each refused over TCP; the password file is 0600."""
        self.assertEqual(os.stat(PGPASSFILE).st_mode & 0o077, 0, oct(os.stat(PGPASSFILE).st_mode))
        superuser = re.sub(r"://[^@/]*@", "://postgres@", POSTGRES)
        for uri, why in ((POSTGRES, "no password"), (with_password(POSTGRES, "wrong-" + PASSWORD), "wrong"),
                         (superuser, "superuser"), (with_password(superuser), "superuser, a role's password")):
            p = subprocess.run(["psql", "-X", "-w", "-c", "select 1", uri], capture_output=True, text=True,
                               timeout=60, env=without_pgpassfile())
            self.assertEqual(p.returncode, 2, (why, p.stdout))
            self.assertRegex(p.stderr, r"password authentication failed|no password supplied", why)
        p = subprocess.run(["psql", "-X", "-w", "-tAc", "select 1", POSTGRES], capture_output=True, text=True,
                           timeout=60)  # with PGPASSFILE, as `deploy/local/services env` sets it
        self.assertEqual((p.returncode, p.stdout.strip()), (0, "1"), p.stderr)

    def test_local_redis_wants_a_password(self):
        """Without REDISCLI_AUTH the local Redis refuses, and a Redis sink stops with exit 1 naming
        it (authentication stops a pipeline); with it, from the environment alone, the sink stores."""
        self.assertIn("REDISCLI_AUTH", os.environ)
        no_auth = {k: v for k, v in os.environ.items() if k != "REDISCLI_AUTH"}
        host, port = re.match(r"redis://([^:/]+):(\d+)", REDIS).groups()
        p = subprocess.run(["redis-cli", "-h", host, "-p", port, "ping"], capture_output=True, text=True,
                           timeout=30, env=no_auth)
        self.assertIn("NOAUTH", p.stdout + p.stderr)
        topic = fresh("secret-redis")
        create_topic(topic, 1)
        produce(topic, "counter", 10)
        args = [STREAMLAB, "consume", "-b", BROKERS, "-t", topic, "-g", fresh("g"), "--from", "beginning", "--sink",
                REDIS, "--table", fresh("k"), "--until-end", "--json"]
        p = subprocess.run(args, capture_output=True, text=True, timeout=120, env=no_auth)
        self.assertEqual(p.returncode, 1, p.stderr[-2000:])
        self.assertIn("NOAUTH", p.stderr)
        p = subprocess.run(args, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertEqual(json.loads(p.stdout)["sink"]["rows"], 10)
        self.assertNotIn(os.environ["REDISCLI_AUTH"], p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
