"""Network faults between a sink and its store, made by Toxiproxy (deploy/local/services start
toxiproxy) on the proxy in front of each store, while a sink consumer writes through it:

- the connection cut in the middle of a batch (a limit_data toxic: the proxy closes the connection
  once it has passed that many bytes towards the store, on every connection, until it is removed);
- a store that stops answering without closing the socket (a timeout toxic of 0 on the answers: the
  requests arrive and are applied, the answers are held back): the sink must see it within
  --sink-timeout, drop the connection and store on once the store answers again.

Each store is then read back by its own client (psycopg2, redis-py, pyignite), past the proxy, and
`streamlab verify` must find every message exactly once. Toxiproxy's proxies are this test's alone
(only bench's wan scenario also shapes them, and it runs serially), so this runs beside the others.

Needs pyignite: run by /usr/bin/python3 (ctest), the script re-executes itself with .local/venv's
python (deploy/local/python-env)."""
import os

import with_pyignite  # noqa: F401,E402  (first: may re-execute this script with .local/venv's python)

import json  # noqa: E402
import unittest  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402

from harness import (SinkProcess, assert_exactly_once, cleanup, create_topic, env, fresh, new_store,  # noqa: E402
                     produce, store_name, wait_until)

TOXIPROXY = env("STREAMLAB_TOXIPROXY")
THROUGH_PROXY = {"postgres": env("STREAMLAB_WAN_POSTGRES"), "redis": env("STREAMLAB_WAN_REDIS"),
                 "ignite": env("STREAMLAB_WAN_IGNITE")}
COUNT = 20_000
BATCH_ROWS = 2_000  # tens of kilobytes on the wire per batch in every store
CUT_AFTER_BYTES = 20_000  # so the cut falls inside a batch
LATENCY_MS = 30  # on every answer of the store, so a drain outlasts the toxic's arrival


def toxiproxy(method, path, body=None):
    request = urllib.request.Request(TOXIPROXY + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def proxy_of(uri):
    """The name of the Toxiproxy proxy that listens on the host:port of `uri`."""
    listen = uri.split("://", 1)[1].split("@")[-1].split("/")[0].split(",")[0]
    with urllib.request.urlopen(TOXIPROXY + "/proxies", timeout=10) as response:
        proxies = json.load(response)
    names = [name for name, p in proxies.items() if p["listen"] == listen]
    assert names, f"Toxiproxy has no proxy listening on {listen}: {proxies.keys()}"
    return names[0]


class Toxic:
    """A toxic on a proxy for the length of a `with` block (removed even when the block fails)."""

    def __init__(self, proxy, kind, stream, **attributes):
        self.path = f"/proxies/{proxy}/toxics"
        self.name = f"test_{kind}_{stream}"
        self.body = {"name": self.name, "type": kind, "stream": stream, "toxicity": 1.0, "attributes": attributes}

    def __enter__(self):
        try:
            toxiproxy("DELETE", f"{self.path}/{self.name}")  # left by an interrupted run
        except urllib.error.HTTPError:
            pass
        toxiproxy("POST", self.path, self.body)
        return self

    def __exit__(self, *exc):
        toxiproxy("DELETE", f"{self.path}/{self.name}")


class NetworkFaults(unittest.TestCase):
    def run_through_fault(self, kind, make_toxic, *extra, expect=None):
        """COUNT counters into a fresh store through its proxy; once the first rows are stored the
        toxic strikes, and stays until the sink says it paused; then the sink must store to the end.
        Every answer of the store is held back LATENCY_MS throughout: a drain of COUNT rows in ten
        batches then takes a second or more, so the toxic strikes before the sink is done (without
        it, PostgreSQL stored all 20,000 rows in the ~50 ms between the first rows and the toxic)."""
        topic, group, store = fresh(f"net-{kind}"), fresh("g"), new_store(kind)
        create_topic(topic, 3)
        produce(topic, "counter", COUNT)
        proxy = proxy_of(THROUGH_PROXY[kind])
        with Toxic(proxy, "latency", "downstream", latency=LATENCY_MS):
            sink = SinkProcess(topic, group, THROUGH_PROXY[kind], store_name(store), "--until-end", *extra,
                               batch_rows=BATCH_ROWS)
            wait_until(lambda: store.count(topic) > 0 or sink.proc.poll() is not None, 120, "the first rows stored")
            self.assertIsNone(sink.proc.poll(), sink.stderr())
            with make_toxic(proxy):
                wait_until(lambda: "consumption paused" in sink.stderr() or sink.proc.poll() is not None, 120,
                           "the sink to notice the fault")
            code, _ = sink.finish(timeout=300)
        self.assertEqual(code, 0, sink.stderr())
        self.assertIn("consumption paused", sink.stderr())
        self.assertIn("consumption resumed", sink.stderr())
        if expect:
            self.assertIn(expect, sink.stderr())
        assert_exactly_once(self, store, topic, group)
        cleanup(store, group)

    def cut_mid_batch(self, kind):
        self.run_through_fault(kind, lambda proxy: Toxic(proxy, "limit_data", "upstream", bytes=CUT_AFTER_BYTES))

    def silent_store(self, kind, expect=None):
        # The answers held back, the socket left open: only --sink-timeout can tell.
        self.run_through_fault(kind, lambda proxy: Toxic(proxy, "timeout", "downstream", timeout=0),
                               "--sink-timeout", "2", expect=expect)

    def test_postgres_connection_cut_mid_batch(self):
        self.cut_mid_batch("postgres")

    def test_redis_connection_cut_mid_batch(self):
        self.cut_mid_batch("redis")

    def test_ignite_connection_cut_mid_batch(self):
        self.cut_mid_batch("ignite")

    def test_postgres_stops_answering(self):
        self.silent_store("postgres", expect="in 2 s; the connection is dropped")

    def test_redis_stops_answering(self):
        self.silent_store("redis", expect="no answer within --sink-timeout")

    def test_ignite_stops_answering(self):
        self.silent_store("ignite", expect="timed out waiting for a response")


if __name__ == "__main__":
    unittest.main(verbosity=2)
