"""Bad input never stops the pipeline: valid tweets are stored, everything else lands in the
dead letters with its error, and the counts add up. Hostile text is stored exactly or refused
with a clear error, and hostile table names are refused before anything runs."""
import json
import re
import subprocess
import unittest

from harness import (BROKERS, PostgresStore, RedisStore, SinkProcess, create_topic, fresh, streamlab)

VALID = [
    {"id_str": "101", "text": "Hola #Chile desde Santiago", "lang": "es", "user": {"screen_name": "ana"},
     "entities": {"hashtags": [{"text": "Chile"}], "user_mentions": []}},
    {"data": {"id": "102", "text": "why not? yes #sports", "author_id": "7", "lang": "en",
              "entities": {"hashtags": [{"tag": "sports"}]}},
     "includes": {"users": [{"id": "7", "username": "bob"}]}},
]
HOSTILE_TEXT = "it's \"quoted\"\ttab\nnew line \\ back\\slash \\N; DROP TABLE x; -- ñandú 🎉 字"
NUL_TEXT = "before\u0000after"
BAD = [
    '{"id_str": "1", "text": "cut off',   # malformed JSON
    '{"foo": 1}',                          # valid JSON, not a tweet
    '{"delete": {"status": {"id_str": "5"}}}',  # a stream notice
    'not json at all',
]


def kcat_produce(topic, lines):
    subprocess.run(["kcat", "-b", BROKERS, "-t", topic, "-P", "-D", "\x1e"], input="\x1e".join(lines).encode(),
                   check=True, timeout=60)


class BadInput(unittest.TestCase):
    def produce_mix(self):
        topic = fresh("bad")
        create_topic(topic, 1)
        tweets = VALID + [{"id_str": "103", "text": HOSTILE_TEXT, "user": {"screen_name": "eve"}, "lang": "es"},
                          {"id_str": "104", "text": NUL_TEXT, "user": {"screen_name": "nul"}, "lang": "en"}]
        lines = [json.dumps(t, ensure_ascii=False) for t in tweets] + BAD
        kcat_produce(topic, lines)
        return topic, len(lines)

    def sink(self, topic, uri, table, *extra):
        p = SinkProcess(topic, fresh("g"), uri, table, "--idle-exit", "5", *extra)
        code, out = p.finish()
        self.assertEqual(code, 0, p.stderr())
        return json.loads(out)["sink"]

    def test_postgres_rows_and_dead_letters_add_up(self):
        topic, n = self.produce_mix()
        dlq = fresh("dlq")
        store = PostgresStore(fresh("t").replace("-", "_"))
        s = self.sink(topic, store.uri, store.table, "--dlq-topic", dlq)
        # PostgreSQL text cannot hold NUL, so that tweet is a dead letter there.
        self.assertEqual((s["rows"], s["dead_letters"]), (3, len(BAD) + 1))
        rows, total = store.rows()
        self.assertEqual(total, 3)
        texts = {r[2]: r[4] for r in rows.values()}
        self.assertEqual(texts["103"], HOSTILE_TEXT)
        self.assertEqual(rows[(0, 0)][5], ["Chile"])
        dead = store.dead_letters()
        self.assertEqual(len(dead), len(BAD) + 1)
        by_offset = {d[1]: d for d in dead}
        self.assertIn("malformed JSON", by_offset[4][2])
        self.assertIn("neither a tweet nor a counter", by_offset[5][2])
        self.assertIn("notice 'delete'", by_offset[6][2])
        self.assertIn("NUL", by_offset[3][2])
        self.assertEqual(bytes(by_offset[4][3]).decode(), BAD[0])  # the payload, exactly
        got = subprocess.run(["kcat", "-b", BROKERS, "-t", dlq, "-C", "-e", "-q", "-o", "beginning", "-f", "%s\n"],
                             capture_output=True, check=True, timeout=60).stdout.decode().splitlines()
        self.assertEqual(len(got), len(BAD) + 1)
        store.cleanup()

    def test_redis_stores_every_byte(self):
        topic, n = self.produce_mix()
        store = RedisStore(fresh("p"))
        s = self.sink(topic, store.uri, store.prefix)
        self.assertEqual((s["rows"], s["dead_letters"]), (4, len(BAD)))
        self.assertEqual(store.tweet(103)["text"], HOSTILE_TEXT)
        self.assertEqual(store.tweet(104)["text"], NUL_TEXT)
        self.assertEqual(store.tweet(102)["author"], "bob")
        self.assertEqual(len(store.dead_letters()), len(BAD))
        store.cleanup()

    def test_redis_keeps_a_replayed_tweet_at_each_offset(self):
        topic = fresh("replay")
        create_topic(topic, 1)
        kcat_produce(topic, [json.dumps(t) for t in VALID + VALID])  # the same two tweets twice: offsets 0..3
        store = RedisStore(fresh("p"))
        s = self.sink(topic, store.uri, store.prefix)
        self.assertEqual((s["rows"], s["dead_letters"]), (4, 0))
        index = store.index(topic)
        self.assertEqual(index, [f"{store.prefix}:msg:{topic}:0:{o}" for o in range(4)])
        self.assertEqual([int(store.hash(k)["offset"]) for k in index], [0, 1, 2, 3])
        self.assertEqual([store.hash(k)["id"] for k in index], ["101", "102", "101", "102"])
        self.assertEqual(store.tweet(101)["offset"], "2")  # the pointer names the copy stored last
        self.assertEqual(store.hashtags(), {"Chile": 2.0, "sports": 2.0})
        store.cleanup()

    def test_hostile_table_names_are_refused(self):
        topic = fresh("names")
        tables = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        before = PostgresStore("unused")._query(tables)
        for name in ['x"; DROP TABLE streamlab_offsets; --', "a b", "1abc", "a.b.c", "x" * 51, "robert'); --"]:
            p = streamlab("consume", "-b", BROKERS, "-t", topic, "--sink", PostgresStore.uri, "--table", name,
                          "--idle-exit", "1", check=False)
            self.assertEqual(p.returncode, 2, name)
            self.assertIn("--table", p.stderr)
        self.assertEqual(PostgresStore("unused")._query(tables), before, "no table created or dropped")

    def test_fatal_error_is_clear_and_exits_one(self):
        topic = fresh("fatal")
        create_topic(topic, 1)
        kcat_produce(topic, [json.dumps(VALID[0])])
        # No such database; no such role (so no password for it: libpq refuses before the server
        # can): each stops the pipeline at once, naming it.
        no_db = PostgresStore.uri.rsplit("/", 1)[0] + "/no_such_database"
        no_role = re.sub(r"://[^@/]*@", "://no_such_role@", PostgresStore.uri)
        for bad_uri, named in ((no_db, "no_such_database"), (no_role, "no password supplied")):
            p = streamlab("consume", "-b", BROKERS, "-t", topic, "-g", fresh("g"), "--from", "beginning", "--sink",
                          bad_uri, "--idle-exit", "10", check=False, timeout=60)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn(named, p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
