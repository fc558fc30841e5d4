"""The pipeline through secured services (STREAMLAB_SECURE=1 deploy/local/services: a private CA,
Kafka SASL_SSL with SCRAM-SHA-512, PostgreSQL over TLS with verify-full, Redis with an ACL user
over TLS, Ignite with authentication and SSL on its thin-client port), started by this test beside
the plaintext ones and stopped after it. These are the README's "Secured clusters" commands.

Produce, consume and every sink go through them with the passwords where `services env` puts them
(a -F file for Kafka, PGPASSFILE, REDISCLI_AUTH, STREAMLAB_IGNITE_PASSWORD), none in a URI or on a
command line; kcat (-F, the same file), psycopg2, redis-py and pyignite read back, each over TLS.
Then a wrong password, a certificate of a CA nobody trusts and a plaintext client at a TLS port
each end with exit 1 and a message naming the cause, and store nothing; a malformed TLS setting
is exit 2. No password appears in anything streamlab printed."""
import with_pyignite  # noqa: F401  (first: re-executes with .local/venv's python, for pyignite)

import json  # noqa: E402
import os  # noqa: E402
import shlex  # noqa: E402
import subprocess  # noqa: E402
import unittest  # noqa: E402
import urllib.parse  # noqa: E402

import psycopg2  # noqa: E402
import redis  # noqa: E402

from harness import SERVICES, STREAMLAB, fresh  # noqa: E402

COUNT = 3000


def secure_services(action, timeout=300):
    p = subprocess.run([SERVICES, action], env={**os.environ, "STREAMLAB_SECURE": "1"}, capture_output=True,
                       text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"STREAMLAB_SECURE=1 services {action} exited {p.returncode}: {p.stderr[-3000:]}")
    return p.stdout


def exports(text):
    """`export NAME=VALUE` lines (shell-quoted) → {NAME: VALUE}."""
    out = {}
    for line in text.splitlines():
        words = shlex.split(line)
        if len(words) == 2 and words[0] == "export":
            name, _, value = words[1].partition("=")
            out[name] = value
    return out


def properties(path):
    with open(path) as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line and not line.startswith("#"))


def with_query(uri, **changes):
    """The URI with these query parameters set (None: removed)."""
    parts = urllib.parse.urlsplit(uri)
    query = dict(urllib.parse.parse_qsl(parts.query))
    for k, v in changes.items():
        if v is None:
            query.pop(k, None)
        else:
            query[k] = v
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query, safe="/")))


class Secured(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        secure_services("start")
        cls.addClassCleanup(secure_services, "stop")  # also when the rest of this set-up fails
        cls.e = exports(secure_services("env"))
        # The plaintext services' passwords and settings give way to the secured ones'.
        cls.env = {**os.environ, **cls.e}
        cls.ca = cls.e["STREAMLAB_CA"]
        cls.untrusted_ca = os.path.join(os.path.dirname(cls.ca), "untrusted-ca.crt")
        kafka = properties(cls.e["STREAMLAB_CONFIG"])
        with open(cls.e["PGPASSFILE"]) as f:
            pg_password = f.readline().rstrip("\n").split(":", 4)[4]
        cls.passwords = [kafka["sasl.password"], pg_password, cls.e["REDISCLI_AUTH"],
                         cls.e["STREAMLAB_IGNITE_PASSWORD"]]
        for p in cls.passwords:
            assert len(p) >= 16, "a generated password too short to look for"
        cls.topic = fresh("sec")
        cls.run_ok("topic", "create", "-t", cls.topic, "-p", "3")
        summary = json.loads(cls.run_ok("produce", "-t", cls.topic, "--count", str(COUNT), "--json").stdout)
        assert summary["acked"] == COUNT, summary
        cls.untouched = fresh("sec-untouched")  # what the refused producers aim at
        cls.run_ok("topic", "create", "-t", cls.untouched, "-p", "1")

    @classmethod
    def run_sl(cls, *args, env=None, timeout=240):
        p = subprocess.run([STREAMLAB, *args], env={**cls.env, **(env or {})}, capture_output=True, text=True,
                           timeout=timeout)
        for password in cls.passwords:
            assert password not in p.stdout + p.stderr, f"streamlab {args[0]} printed a password"
        return p

    @classmethod
    def run_ok(cls, *args, **kw):
        p = cls.run_sl(*args, **kw)
        assert p.returncode == 0, f"streamlab {' '.join(args)} exited {p.returncode}: {p.stderr[-3000:]}"
        return p

    def sinks(self):
        """(kind, URI) of each secured store, as `services env` gives them: no password in them."""
        return [("postgres", self.e["STREAMLAB_POSTGRES"]), ("redis", self.e["STREAMLAB_REDIS"]),
                ("ignite", self.e["STREAMLAB_IGNITE"])]

    # --- the stores read back by their own clients, over TLS ------------------------------------

    def pg_count(self, table):
        with psycopg2.connect(self.e["STREAMLAB_POSTGRES"], passfile=self.e["PGPASSFILE"]) as c, c.cursor() as cur:
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", (f'"{table}"',))
            if not cur.fetchone()[0]:
                return 0
            cur.execute(f'SELECT count(*) FROM "{table}"')
            return cur.fetchone()[0]

    def redis_count(self, prefix):
        r = redis.Redis(host="localhost", port=urllib.parse.urlsplit(self.e["STREAMLAB_REDIS"]).port,
                        username="streamlab", password=self.e["REDISCLI_AUTH"], ssl=True, ssl_ca_certs=self.ca)
        try:
            return sum(1 for _ in r.scan_iter(match=f"{prefix}:msg:*", count=1000))
        finally:
            r.close()

    def ignite_count(self, table):
        from pyignite import Client
        client = Client(use_ssl=True, ssl_ca_certfile=self.ca, username="streamlab",
                        password=self.e["STREAMLAB_IGNITE_PASSWORD"], timeout=30)
        port = int(urllib.parse.urlsplit(self.e["STREAMLAB_IGNITE"]).port)
        client.connect("localhost", port)
        try:
            with client.sql("SELECT COUNT(*) FROM SYS.TABLES WHERE TABLE_NAME = ?",
                            query_args=[table.upper()]) as cursor:
                if next(cursor)[0] == 0:
                    return 0
            with client.sql(f"SELECT COUNT(*) FROM {table}") as cursor:
                return next(cursor)[0]
        finally:
            client.close()

    def stored(self, kind, table):
        return {"postgres": self.pg_count, "redis": self.redis_count, "ignite": self.ignite_count}[kind](table)

    # --- the tests -----------------------------------------------------------------------------

    def test_every_sink_through_the_secured_services(self):
        # kcat reads the same -F file: the topic holds what produce said it sent.
        kcat = subprocess.run(["kcat", "-F", self.e["STREAMLAB_CONFIG"], "-b", self.e["STREAMLAB_BROKERS"], "-C",
                               "-t", self.topic, "-o", "beginning", "-e", "-q"],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(kcat.returncode, 0, kcat.stderr)
        self.assertEqual(len(kcat.stdout.splitlines()), COUNT)
        for kind, uri in self.sinks():
            with self.subTest(sink=kind):
                table, group = fresh(kind).replace("-", "_"), fresh("g")
                p = self.run_ok("consume", "-t", self.topic, "-g", group, "--from", "beginning", "--sink", uri,
                                "--table", table, "--until-end", "--quiet", "--json")
                self.assertEqual(json.loads(p.stdout)["sink"]["rows"], COUNT, p.stdout)
                v = self.run_sl("verify", "-t", self.topic, "-g", group, "--sink", uri, "--table", table, "--json")
                self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
                self.assertEqual(self.stored(kind, table), COUNT)

    def refused(self, kind, uri, expect, env=None):
        """A sink consumer that must stop at once: exit 1, `expect` in its error, nothing stored."""
        table = fresh(kind).replace("-", "_")
        p = self.run_sl("consume", "-t", self.topic, "-g", fresh("g"), "--from", "beginning", "--sink", uri,
                        "--table", table, "--until-end", "--quiet", env=env, timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr[-2000:])
        self.assertIn(expect, p.stderr)
        self.assertEqual(self.stored(kind, table), 0)

    def kafka_refused(self, expect, *properties):
        p = self.run_sl("produce", "-t", self.untouched, "--count", "10", *[a for kv in properties for a in ("-X", kv)],
                        timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr[-2000:])
        self.assertIn(expect, p.stderr.splitlines()[-1])  # the error itself names the cause
        high = subprocess.run(["kcat", "-F", self.e["STREAMLAB_CONFIG"], "-b", self.e["STREAMLAB_BROKERS"], "-C",
                               "-t", self.untouched, "-o", "beginning", "-e", "-q"],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(high.stdout, "", "a refused producer's messages reached the topic")

    def test_a_wrong_password(self):
        self.kafka_refused("SASL authentication error", "sasl.password=not-the-password")
        pg, rd, ig = (uri for _, uri in self.sinks())
        self.refused("postgres", pg, "password authentication failed",
                     env={"PGPASSFILE": "/nonexistent", "PGPASSWORD": "not-the-password"})
        self.refused("redis", rd, "WRONGPASS", env={"REDISCLI_AUTH": "not-the-password"})
        self.refused("ignite", ig, "password is incorrect", env={"STREAMLAB_IGNITE_PASSWORD": "not-the-password"})

    def test_a_certificate_nobody_trusts(self):
        self.kafka_refused("certificate verify failed", f"ssl.ca.location={self.untrusted_ca}")
        pg, rd, ig = (uri for _, uri in self.sinks())
        self.refused("postgres", with_query(pg, sslrootcert=self.untrusted_ca), "certificate verify failed")
        self.refused("redis", with_query(rd, cacert=self.untrusted_ca), "certificate is not trusted")
        self.refused("ignite", with_query(ig, cacert=self.untrusted_ca), "certificate is not trusted")

    def test_a_plaintext_client_at_a_tls_port(self):
        self.kafka_refused("security.protocol", "security.protocol=plaintext")
        pg, rd, ig = (uri for _, uri in self.sinks())
        self.refused("postgres", with_query(pg, sslmode="disable", sslrootcert=None), "no encryption")
        self.refused("redis", with_query(rd.replace("rediss://", "redis://", 1), cacert=None), "the port speaks TLS")
        self.refused("ignite", with_query(ig, tls=None, cacert=None), "the port speaks TLS")

    def test_a_malformed_tls_setting_is_a_usage_error(self):
        for uri in (self.e["STREAMLAB_REDIS"].replace("rediss://", "redis://", 1),  # a CA file without TLS
                    with_query(self.e["STREAMLAB_IGNITE"], tls="maybe")):
            with self.subTest(uri=uri):
                p = self.run_sl("consume", "-t", self.topic, "--sink", uri, "--until-end", timeout=60)
                self.assertEqual(p.returncode, 2, p.stderr[-2000:])
        p = self.run_sl("produce", "-t", self.untouched, "--count", "1", "-F", "/nonexistent/client.properties")
        self.assertEqual(p.returncode, 2, p.stderr[-2000:])


if __name__ == "__main__":
    unittest.main(verbosity=2)
