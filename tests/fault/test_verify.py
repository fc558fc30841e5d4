"""`streamlab verify` against the real stores: for PostgreSQL, Redis and Ignite, a 3-partition
topic of counters, tweets and a few messages that can only be dead letters is stored with
`consume --until-end`, and verify says every message is there exactly once. Then the store is
tampered with through a client nobody here wrote (psycopg2, redis-py, pyignite): a row deleted,
a dead letter added for an offset that is already a row, a stored offset moved back (and for
Redis an index entry listed twice); after each, verify exits 1 naming the partition and the
offset. After the consume, Kafka holds the group's committed offsets at the end too. Also: exit
2 for an unknown topic or table, exit 1 for an unreachable store, and no password in any output.

pyignite is not a Debian package: run by /usr/bin/python3 this script re-executes itself with
.local/venv's python, as test_ignite_sink.py does; without the venv the Ignite case is skipped.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VENV_PYTHON = os.path.join(os.path.dirname(os.path.dirname(HERE)), ".local", "venv", "bin", "python")
try:
    import pyignite  # noqa: F401
    HAVE_PYIGNITE = True
except ImportError:
    if os.path.exists(VENV_PYTHON) and sys.prefix == sys.base_prefix:  # not in a venv yet: no loop
        os.execv(VENV_PYTHON, [VENV_PYTHON, os.path.abspath(__file__), *sys.argv[1:]])
    HAVE_PYIGNITE = False

import json  # noqa: E402
import subprocess  # noqa: E402
import unittest  # noqa: E402

import psycopg2  # noqa: E402

from harness import (BROKERS, IgniteStore, PostgresStore, RedisStore, create_topic, fresh, streamlab,  # noqa: E402
                     verify)

COUNTERS = 3000
TWEETS = 300
# One per partition; none of them can be stored as a row.
BAD = ['{"id_str": "1", "text": "cut off', '{"foo": 1}', 'not json at all']
TOTAL = COUNTERS + TWEETS + len(BAD)


def produce(topic, source, count):
    # Without sticky partitioning every message picks a partition: all three get some quickly.
    s = json.loads(streamlab("produce", "-b", BROKERS, "-t", topic, "--source", source, "--count", str(count),
                             "-X", "sticky.partitioning.linger.ms=0", "--json").stdout)
    assert s["acked"] == count, s


def consume_until_end(topic, group, uri, table):
    p = streamlab("consume", "-b", BROKERS, "-t", topic, "-g", group, "--from", "beginning", "--sink", uri,
                  "--table", table, "--until-end", "--quiet", "--json", "--assign-timeout", "60", timeout=300)
    return json.loads(p.stdout.strip().splitlines()[-1])["sink"]


def by_partition(report):
    return {p["partition"]: p for p in report["partitions"]}


# --- tampering, each through the store's own client --------------------------------------------

class PostgresTamper:
    def __init__(self, table, topic, group):
        self.store, self.topic, self.group = PostgresStore(table), topic, group

    def _exec(self, sql, *params):
        with psycopg2.connect(self.store.uri) as conn, conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.rowcount

    def delete_row(self, partition, offset):
        return self._exec(f'DELETE FROM "{self.store.table}" WHERE topic = %s AND "partition" = %s AND "offset" = %s',
                          self.topic, partition, offset)

    def add_dead_letter(self, partition, offset):
        return self._exec(f'INSERT INTO "{self.store.table}_dead_letters" (topic, "partition", "offset", '
                          'consumer_group, error, payload) VALUES (%s, %s, %s, %s, %s, %s)',
                          self.topic, partition, offset, self.group, "tampered", b"x")

    def move_stored_offset(self, partition, by):
        return self._exec('UPDATE streamlab_offsets SET next_offset = next_offset + %s '
                          'WHERE consumer_group = %s AND topic = %s AND "partition" = %s',
                          by, self.group, self.topic, partition)

    def cleanup(self):
        self.store.cleanup()
        self._exec("DELETE FROM streamlab_offsets WHERE consumer_group = %s", self.group)


class RedisTamper:
    def __init__(self, prefix, topic, group):
        self.store, self.topic, self.group = RedisStore(prefix), topic, group
        self.r, self.p = self.store.r, prefix

    def delete_row(self, partition, offset):
        return self.r.delete(f"{self.p}:msg:{self.topic}:{partition}:{offset}")  # the index entry stays

    def add_dead_letter(self, partition, offset):
        key = f"{self.p}:dead:{self.topic}:{partition}:{offset}"
        self.r.hset(key, mapping={"topic": self.topic, "partition": partition, "offset": offset,
                                  "group": self.group, "error": "tampered", "payload": "x"})
        return self.r.rpush(f"{self.p}:dead_letters", key)

    def move_stored_offset(self, partition, by):
        return self.r.hincrby(f"{self.p}:offsets:{self.group}", f"{self.topic}:{partition}", by)

    def index_twice(self, partition, offset):
        return self.r.rpush(f"{self.p}:index:{self.topic}", f"{self.p}:msg:{self.topic}:{partition}:{offset}")

    def cleanup(self):
        self.store.cleanup()


class IgniteTamper:
    def __init__(self, table, topic, group):
        self.store, self.topic, self.group = IgniteStore(table), topic, group

    def delete_row(self, partition, offset):
        return self.store._query(f"DELETE FROM {self.store.table} WHERE TOPIC = ? AND KAFKA_PARTITION = ? "
                                 "AND KAFKA_OFFSET = ?", self.topic, partition, offset)[0][0]

    def add_dead_letter(self, partition, offset):
        return self.store._query(f"INSERT INTO {self.store.table}_DEAD_LETTERS (TOPIC, KAFKA_PARTITION, KAFKA_OFFSET, "
                                 "CONSUMER_GROUP, ERROR) VALUES (?, ?, ?, ?, ?)",
                                 self.topic, partition, offset, self.group, "tampered")[0][0]

    def move_stored_offset(self, partition, by):
        return self.store._query("UPDATE STREAMLAB_OFFSETS SET NEXT_OFFSET = NEXT_OFFSET + ? WHERE CONSUMER_GROUP = ? "
                                 "AND TOPIC = ? AND KAFKA_PARTITION = ?", by, self.group, self.topic, partition)[0][0]

    def cleanup(self):
        self.store.cleanup(self.group)


class VerifyAgainstEachSink(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.topic = fresh("vf")
        create_topic(cls.topic, 3)
        produce(cls.topic, "counter", COUNTERS)
        produce(cls.topic, "synthetic-tweets", TWEETS)
        for partition, line in enumerate(BAD):
            subprocess.run(["kcat", "-b", BROKERS, "-t", cls.topic, "-P", "-p", str(partition)], input=line.encode(),
                           check=True, timeout=60)

    def run_case(self, uri, tamper_class, redis=False):
        group, table = fresh("g"), fresh("t").replace("-", "_")
        tamper = tamper_class(table, self.topic, group)
        try:
            stored = consume_until_end(self.topic, group, uri, table)
            self.assertEqual(stored["rows"] + stored["dead_letters"], TOTAL, stored)

            code, report = verify(self.topic, uri, table, group)
            self.assertEqual(code, 0, report)
            self.assertTrue(report["ok"])
            totals = report["totals"]
            self.assertEqual((totals["expected"], totals["rows"], totals["dead_letters"]),
                             (TOTAL, stored["rows"], stored["dead_letters"]), totals)
            self.assertGreaterEqual(totals["dead_letters"], len(BAD))
            self.assertEqual((totals["missing"], totals["duplicated"], totals["beyond_end"]), (0, 0, 0))
            parts = by_partition(report)
            self.assertEqual(sorted(parts), [0, 1, 2])
            for p in parts.values():
                self.assertGreater(p["expected"], 0, p)
                self.assertEqual(p["stored_offset"], p["high"], p)  # the last message is the bad one, no marker
                self.assertTrue(p["offset_ok"] and p["ok"], p)
            # Kafka's committed offsets (for lag tools, sent at most every 200 ms) were sent on
            # exit too: the group, read from them without a sink, has nothing left.
            left = streamlab("consume", "-b", BROKERS, "-t", self.topic, "-g", group, "--from", "stored",
                             "--until-end", "--quiet", "--json", "--assign-timeout", "60", timeout=120)
            self.assertEqual(json.loads(left.stdout.strip().splitlines()[-1])["consumed"], 0)

            # 1. A row deleted: partition 0 misses offset 10 (a counter: counters came first).
            self.assertEqual(tamper.delete_row(0, 10), 1)
            code, report = verify(self.topic, uri, table, group)
            self.assertEqual(code, 1)
            parts = by_partition(report)
            self.assertEqual((parts[0]["missing"]["count"], parts[0]["missing"]["first"]), (1, [10]), parts[0])
            self.assertEqual(parts[0]["missing"]["not_consumed"], 0)
            self.assertEqual([p["ok"] for p in report["partitions"]], [False, True, True])
            if redis:
                self.assertTrue(any("does not exist" in n for n in report["notes"]), report["notes"])

            # 2. A dead letter for an offset that is already a row: partition 1's offset 20 twice.
            tamper.add_dead_letter(1, 20)
            code, report = verify(self.topic, uri, table, group)
            self.assertEqual(code, 1)
            p1 = by_partition(report)[1]
            self.assertEqual(p1["duplicated"], {"count": 1, "first": [{"offset": 20, "rows": 1, "dead_letters": 1}]})
            self.assertEqual(p1["missing"]["count"], 0)

            # 3. Partition 2's stored offset moved back by 3: a resume would store 3 messages again.
            high2 = by_partition(report)[2]["high"]
            tamper.move_stored_offset(2, -3)
            code, report = verify(self.topic, uri, table, group)
            self.assertEqual(code, 1)
            p2 = by_partition(report)[2]
            self.assertEqual((p2["stored_offset"], p2["expected_stored_offset"], p2["held_at_or_past_stored"]),
                             (high2 - 3, high2, 3), p2)
            self.assertFalse(p2["offset_ok"])

            if redis:
                # 4. An index entry listed twice.
                tamper.index_twice(2, 30)
                code, report = verify(self.topic, uri, table, group)
                p2 = by_partition(report)[2]
                self.assertEqual(p2["duplicated"]["first"], [{"offset": 30, "rows": 2, "dead_letters": 0}], p2)

            # The table a person reads names each partition and offset.
            text = streamlab("verify", "-b", BROKERS, "-t", self.topic, "--sink", uri, "--table", table, "-g", group,
                             check=False)
            self.assertEqual(text.returncode, 1, text.stderr)
            self.assertIn("partition 0: 1 offset missing: 10", text.stdout)
            self.assertIn("partition 1: 1 offset held more than once: 20 (a row and a dead letter)", text.stdout)
            self.assertIn(f"partition 2: stored offset of group '{group}': {high2 - 3}, expected {high2}", text.stdout)
            self.assertIn("FAIL: 3 of 3 partitions differ", text.stdout)
        finally:
            tamper.cleanup()

    def test_postgres(self):
        self.run_case(PostgresStore.uri, PostgresTamper)

    def test_redis(self):
        self.run_case(RedisStore.uri, RedisTamper, redis=True)

    @unittest.skipUnless(HAVE_PYIGNITE, "pyignite missing: run deploy/local/python-env (it makes .local/venv)")
    def test_ignite(self):
        self.run_case(IgniteStore.uri, IgniteTamper)


class VerifyErrors(unittest.TestCase):
    def test_unknown_topic_or_table_is_a_usage_error(self):
        p = streamlab("verify", "-b", BROKERS, "-t", fresh("none"), "--sink", RedisStore.uri, check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("unknown topic", p.stderr)
        topic = fresh("vt")
        create_topic(topic, 1)
        p = streamlab("verify", "-b", BROKERS, "-t", topic, "--sink", PostgresStore.uri, "--table", "no_such_table_x",
                      check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("no_such_table_x", p.stderr)

    def test_unreachable_store_exits_one_without_its_password(self):
        topic = fresh("vt")
        create_topic(topic, 1)
        for uri in ("redis://:s3cretpw@127.0.0.1:1", "postgresql://alice:s3cretpw@127.0.0.1:1/db",
                    "ignite://127.0.0.1:1?user=alice&password=s3cretpw"):
            for extra in ([], ["--json"]):
                p = streamlab("verify", "-b", BROKERS, "-t", topic, "--sink", uri, *extra, check=False, timeout=120)
                self.assertEqual(p.returncode, 1, (uri, p.stderr))
                self.assertIn("cannot read the sink", p.stderr)
                self.assertNotIn("s3cretpw", p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
