"""Exactly once under crashes: for each sink and each kind of message, 200,000 messages, the
sink killed with SIGKILL at three points and restarted each time; at the end the store holds
every message exactly once, with the right contents. Also a SIGTERM ends the sink cleanly."""
import collections
import signal
import unittest

from harness import (PostgresStore, RedisStore, SinkProcess, create_topic, fresh, produce, reference,
                     wait_until)

COUNT = 200_000


def check_postgres(test, store, topic, ref):
    rows, total = store.rows()
    test.assertEqual(total, len(ref), "rows stored")
    test.assertEqual(set(rows), set(ref), "the stored (partition, offset) pairs")
    for key, m in ref.items():
        kind, number, tweet_id, author, text, hashtags = rows[key]
        test.assertEqual(kind, m["kind"], key)
        if kind == "counter":
            test.assertEqual(number, m["number"], key)
        else:
            test.assertEqual((tweet_id, author, text, hashtags), (m["id"], m["author"], m["text"], m["hashtags"]), key)


def check_redis(test, store, topic, ref):
    index = store.index(topic)
    test.assertEqual(len(index), len(ref), "index entries")
    test.assertEqual(len(set(index)), len(ref), "distinct index entries")
    tags = collections.Counter()
    test.assertEqual(set(index), {f"{store.prefix}:msg:{topic}:{p}:{o}" for p, o in ref}, "index keys")
    for (p, o), m in ref.items():
        h = store.hash(f"{store.prefix}:msg:{topic}:{p}:{o}")
        test.assertEqual((int(h["partition"]), int(h["offset"])), (p, o))
        if m["kind"] == "counter":
            test.assertEqual(int(h["number"]), m["number"], (p, o))
        else:
            test.assertEqual((h["id"], h["author"], h["text"]), (m["id"], m["author"], m["text"]), (p, o))
            test.assertEqual(store.tweet(m["id"])["id"], m["id"], "the by-id pointer")
            tags.update(m["hashtags"])
    # Counters are not idempotent: a batch applied twice would show here.
    test.assertEqual(store.hashtags(), {t: float(n) for t, n in tags.items()})


class ExactlyOnceUnderKill(unittest.TestCase):
    def run_case(self, store_kind, source):
        topic, group, table = fresh("eo"), fresh("g"), fresh("t").replace("-", "_")
        create_topic(topic, 3)
        produce(topic, source, COUNT)
        ref = reference(topic, COUNT)
        store = PostgresStore(table) if store_kind == "postgres" else RedisStore(table)
        for fraction in (0.2, 0.5, 0.8):
            sink = SinkProcess(topic, group, store.uri, table)
            wait_until(lambda: store.count(topic) >= fraction * COUNT or sink.proc.poll() is not None, 120,
                       f"{fraction:.0%} stored")
            self.assertIsNone(sink.proc.poll(), sink.stderr())
            sink.kill9()
        sink = SinkProcess(topic, group, store.uri, table, "--idle-exit", "8")
        code, _ = sink.finish()
        self.assertEqual(code, 0, sink.stderr())
        (check_postgres if store_kind == "postgres" else check_redis)(self, store, topic, ref)
        store.cleanup()

    def test_postgres_counters(self):
        self.run_case("postgres", "counter")

    def test_postgres_tweets(self):
        self.run_case("postgres", "synthetic-tweets")

    def test_redis_counters(self):
        self.run_case("redis", "counter")

    def test_redis_tweets(self):
        self.run_case("redis", "synthetic-tweets")


class CleanStop(unittest.TestCase):
    def test_sigterm_writes_the_open_batch_and_exits_zero(self):
        topic, group, table = fresh("term"), fresh("g"), fresh("t").replace("-", "_")
        create_topic(topic, 3)
        produce(topic, "counter", 50_000)
        ref = reference(topic, 50_000)
        store = PostgresStore(table)
        sink = SinkProcess(topic, group, store.uri, table)
        wait_until(lambda: store.count(topic) > 0, 60, "first rows")
        sink.proc.send_signal(signal.SIGTERM)
        code, _ = sink.finish()
        self.assertEqual(code, 0, sink.stderr())
        rest = SinkProcess(topic, group, store.uri, table, "--idle-exit", "8")
        self.assertEqual(rest.finish()[0], 0, rest.stderr())
        check_postgres(self, store, topic, ref)
        store.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
