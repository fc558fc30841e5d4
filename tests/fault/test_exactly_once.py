"""Exactly once against the real services, the wiring the unit harness (tests/unit/
sinks/test_sink_runner.cpp) cannot see: for each sink, SIGKILL three times then a restart that must
not stop before everything is stored; a rebalance during a database outage; Redis frozen with
SIGSTOP past the client timeout (an EXEC applied whose reply is lost); two members under the
cooperative protocol; a clean SIGTERM. Each store is read back by its own client (psycopg2,
redis-py, pyignite) and the topic by kafka-python. The combinations live in the unit harness;
these stay small.

Needs pyignite: run by /usr/bin/python3 (ctest), the script re-executes itself with .local/venv's
python (deploy/local/python-env)."""
import os

import with_pyignite  # noqa: F401,E402  (first: may re-execute this script with .local/venv's python)

import re  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import unittest  # noqa: E402

from harness import (SERVICES, SinkProcess, assert_exactly_once, cleanup, create_topic, fresh,  # noqa: E402
                     new_store, produce, services, store_name, wait_until)

COUNT = 60_000
OUTAGE_S = 8  # how long a fault lasts: a parameter of the fault, not a wait for readiness


def backlog(what, kind, partitions, source, count):
    """A fresh topic holding `count` messages of `source`, a fresh group and an empty store."""
    topic = fresh(what)
    create_topic(topic, partitions)
    produce(topic, source, count)
    return topic, fresh("g"), new_store(kind)


def service_pid(name):
    out = subprocess.run([SERVICES, "status", name], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"pid (\d+)", out).group(1))


class CrashAndRestart(unittest.TestCase):
    """The lab's loss: a sink killed three times, then started again. Before the fix a restart
    with --idle-exit exited 0 with the backlog unread (waiting for the group counted as idle)."""

    def run_case(self, kind, source="counter", stop=("--until-end",)):
        topic, group, store = backlog("eo", kind, 3, source, COUNT)
        for i, fraction in enumerate((0.0, 0.15, 0.35)):
            sink = SinkProcess(topic, group, store.uri, store_name(store), batch_rows=500)
            if i == 0:  # killed while it joins the group, as in the first seconds of a user's run
                wait_until(lambda: "assigned:" in sink.stderr() or sink.proc.poll() is not None, 60, "the join")
            else:
                wait_until(lambda: store.count(topic) >= fraction * COUNT or sink.proc.poll() is not None, 120,
                           f"{fraction:.0%} stored")
            self.assertIsNone(sink.proc.poll(), sink.stderr())
            sink.kill9()
        last = SinkProcess(topic, group, store.uri, store_name(store), *stop)
        code, _ = last.finish(timeout=180)
        self.assertEqual(code, 0, last.stderr())
        assert_exactly_once(self, store, topic, group)
        cleanup(store, group)

    def test_postgres(self):
        # --idle-exit counts only time with nothing left to read: it must not give up while the
        # group still holds the dead members' partitions.
        self.run_case("postgres", stop=("--idle-exit", "3"))

    def test_redis_tweets(self):
        self.run_case("redis", "synthetic-tweets")

    def test_ignite(self):
        self.run_case("ignite")


class Faults(unittest.TestCase):
    def test_rebalance_during_a_postgres_outage(self):
        topic, group, store = backlog("out", "postgres", 4, "counter", COUNT)
        a = SinkProcess(topic, group, store.uri, store.table, "--until-end", batch_rows=500)
        b = SinkProcess(topic, group, store.uri, store.table, batch_rows=500)
        try:
            wait_until(lambda: store.count(topic) > 0, 120, "the first rows stored")
            services("stop", "postgres")
            b.kill9()  # its partitions move to a while the database is down
            wait_until(lambda: "wait paused" in a.stderr() or "consumption paused" in a.stderr()
                       or a.proc.poll() is not None, 60, "the rebalance to meet the outage")
            time.sleep(OUTAGE_S)
            self.assertIsNone(a.proc.poll(), "a sink must wait out an outage:\n" + a.stderr())
        finally:
            services("start", "postgres")
        code, _ = a.finish(timeout=180)
        self.assertEqual(code, 0, a.stderr())
        assert_exactly_once(self, store, topic, group)
        cleanup(store, group)

    def test_redis_frozen_past_the_client_timeout(self):
        """SIGSTOP holds Redis mid-stream for longer than the sink's reply timeout (--sink-timeout
        5); on SIGCONT it applies the EXEC it had read, whose reply nobody reads: the retry is
        fenced and must keep what was consumed meanwhile. Tweets, so a transaction applied twice
        would also show in the hashtag counters."""
        topic, group, store = backlog("stop", "redis", 3, "synthetic-tweets", COUNT // 2)
        sink = SinkProcess(topic, group, store.uri, store.prefix, "--until-end", "--sink-timeout", "5",
                           batch_rows=1000)
        pid = service_pid("redis")
        try:
            wait_until(lambda: store.count(topic) > 0, 120, "the first rows stored")
            os.kill(pid, signal.SIGSTOP)
            time.sleep(OUTAGE_S)
        finally:
            os.kill(pid, signal.SIGCONT)
        code, _ = sink.finish(timeout=180)
        self.assertEqual(code, 0, sink.stderr())
        self.assertIn("consumption paused", sink.stderr())
        assert_exactly_once(self, store, topic, group)
        cleanup(store, group)

    def test_two_members_under_the_cooperative_protocol(self):
        topic, group, store = backlog("coop", "postgres", 4, "counter", COUNT)
        coop = ("-X", "partition.assignment.strategy=cooperative-sticky", "--until-end")
        a = SinkProcess(topic, group, store.uri, store.table, *coop, batch_rows=500)
        wait_until(lambda: store.count(topic) > 0, 120, "the first rows stored")
        b = SinkProcess(topic, group, store.uri, store.table, *coop, batch_rows=500)
        for m in (a, b):
            code, _ = m.finish(timeout=180)
            self.assertEqual(code, 0, m.stderr())
        self.assertRegex(a.stderr(), r"assigned: \S+ \[0,1,2,3\]")
        assert_exactly_once(self, store, topic, group)
        cleanup(store, group)

    def test_sigterm_writes_what_it_holds_and_exits_zero(self):
        topic, group, store = backlog("term", "postgres", 3, "counter", COUNT)
        sink = SinkProcess(topic, group, store.uri, store.table)
        wait_until(lambda: store.count(topic) > 0, 60, "first rows")
        sink.proc.send_signal(signal.SIGTERM)
        code, _ = sink.finish()
        self.assertEqual(code, 0, sink.stderr())
        rest = SinkProcess(topic, group, store.uri, store.table, "--until-end")
        self.assertEqual(rest.finish()[0], 0, rest.stderr())
        assert_exactly_once(self, store, topic, group)
        cleanup(store, group)


if __name__ == "__main__":
    unittest.main(verbosity=2)
