"""Exactly once across a rebalance (three sinks in one group, one killed) and across a
database outage (the server stopped for 10 s mid-run; the sink waits, then resumes by itself)."""
import time
import unittest

from harness import (PostgresStore, RedisStore, SinkProcess, create_topic, fresh, produce, reference, services,
                     wait_until)
from test_exactly_once import check_postgres, check_redis

COUNT = 200_000
OUTAGE_S = 10  # how long the fault lasts: a parameter of the fault, not a wait for readiness


class Rebalance(unittest.TestCase):
    def run_case(self, store, check):
        topic, group = fresh("rb"), fresh("g")
        create_topic(topic, 3)
        produce(topic, "counter", COUNT)
        ref = reference(topic, COUNT)
        members = [SinkProcess(topic, group, store.uri, store_name(store), "--idle-exit", "10") for _ in range(3)]
        wait_until(lambda: store.count(topic) >= 0.3 * COUNT, 120, "30% stored")
        members[1].kill9()
        for m in (members[0], members[2]):
            code, _ = m.finish(timeout=180)
            self.assertEqual(code, 0, m.stderr())
        check(self, store, topic, ref)
        store.cleanup()

    def test_postgres(self):
        table = fresh("t").replace("-", "_")
        self.run_case(PostgresStore(table), check_postgres)

    def test_redis(self):
        self.run_case(RedisStore(fresh("p")), check_redis)


def store_name(store):
    return store.table if isinstance(store, PostgresStore) else store.prefix


class Outage(unittest.TestCase):
    def run_case(self, service, store, check):
        topic, group = fresh("out"), fresh("g")
        create_topic(topic, 3)
        produce(topic, "counter", COUNT)
        ref = reference(topic, COUNT)
        # Small batches keep the sink busy long enough for the outage to fall mid-run.
        sink = SinkProcess(topic, group, store.uri, store_name(store), "--idle-exit", "10", batch_rows=500)
        try:
            wait_until(lambda: store.count(topic) > 0, 120, "the first rows stored")
            services("stop", service)
            wait_until(lambda: "consumption paused" in sink.stderr(), 60, "the sink to notice the outage")
            time.sleep(OUTAGE_S)
            self.assertIsNone(sink.proc.poll(), "the sink must wait out an outage:\n" + sink.stderr())
        finally:
            services("start", service)
        code, _ = sink.finish(timeout=240)
        self.assertEqual(code, 0, sink.stderr())
        self.assertIn("consumption resumed", sink.stderr())
        check(self, store, topic, ref)
        store.cleanup()

    def test_postgres(self):
        self.run_case("postgres", PostgresStore(fresh("t").replace("-", "_")), check_postgres)

    def test_redis(self):
        self.run_case("redis", RedisStore(fresh("p")), check_redis)


if __name__ == "__main__":
    unittest.main(verbosity=2)
