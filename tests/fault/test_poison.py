"""No poison message stops a sink: a seeded generator of hostile messages for every column
(dates out of range or impossible, numbers past 64 bits, NUL in every text field, lone
surrogates, invalid UTF-8, 1 MB texts, 10,000-deep JSON, empty objects, 20,000 hashtags)
interleaved with good counters goes to a 3-partition topic and is consumed with --until-end into
PostgreSQL (plain, --raw jsonb, and a stricter hand-made table that refuses rows for their
data), Redis and Ignite (plain, and a table with a length limit). Each run must exit 0 with
every offset of the topic stored exactly once, as a row or as a dead letter with a reason, read
back independently (psycopg2, redis-py, pyignite); every good counter must be a row with its
number. Also: the lab's exact poison case, and a deadlock while the tables are created.

STREAMLAB_POISON_SEED picks the generator's seed (printed on failure). pyignite lives in
.local/venv: run by /usr/bin/python3 the script re-executes itself there (as test_ignite_sink.py
does); without it the Ignite cases are skipped.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VENV_PYTHON = os.path.join(os.path.dirname(os.path.dirname(HERE)), ".local", "venv", "bin", "python")
try:
    import pyignite  # noqa: F401
    HAVE_PYIGNITE = True
except ImportError:
    if os.path.exists(VENV_PYTHON) and sys.prefix == sys.base_prefix:
        os.execv(VENV_PYTHON, [VENV_PYTHON, os.path.abspath(__file__), *sys.argv[1:]])
    HAVE_PYIGNITE = False

import collections  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import unittest  # noqa: E402

import psycopg2  # noqa: E402
from kafka import KafkaProducer  # noqa: E402

from harness import (BROKERS, STREAMLAB, IgniteStore, PostgresStore, RedisStore, create_topic, fresh,  # noqa: E402
                     wait_until)

SEED = int(os.environ.get("STREAMLAB_POISON_SEED", "20240601"))
COUNT = 300  # messages per topic, about half of them hostile
MB = 1_000_000


class Message:
    """One payload and what any sink must make of it: "row" (a good counter: `number`), "dead"
    (with `reason` in the dead letter's error, when given), or None (it depends on the store)."""

    def __init__(self, payload, expect=None, number=None, reason=None):
        self.payload = payload if isinstance(payload, bytes) else payload.encode("utf-8")
        self.expect, self.number, self.reason = expect, number, reason


def megabyte(char):
    return char * (MB // len(char.encode()))  # 1 MB of UTF-8, under Kafka's default 1 MiB message limit


def v1(i, **fields):
    t = {"id_str": str(10**9 + i), "text": f"tweet {i}", "lang": "es", "user": {"screen_name": f"u{i}"},
         "entities": {"hashtags": [{"text": "ok"}], "user_mentions": [{"screen_name": "m"}]}}
    t.update(fields)
    return json.dumps(t, ensure_ascii=False)


def v2(i, data=None, users=None):
    d = {"id": str(10**9 + i), "text": f"post {i}", "author_id": "7", "lang": "en",
         "entities": {"hashtags": [{"tag": "ok"}], "mentions": [{"username": "m"}]}}
    d.update(data or {})
    return json.dumps({"data": d, "includes": {"users": users or [{"id": "7", "username": "ana"}]}},
                      ensure_ascii=False)


def hostile(i, rng):
    """The hostile kinds for message i: [(name, make)], make() draws its Message from `rng`."""
    nul = "a\u0000b"
    dates_out = ["0000-06-01T00:00:00Z", "0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01"]
    dates_unreadable = ["10000-01-01T00:00:00Z", "-001-01-01T00:00:00Z", "2019-02-30T00:00:00Z", "yesterday"]
    kinds = [
        ("year 0 (v2)", lambda: Message(v2(i, {"created_at": rng.choice(dates_out)}), "dead", reason="outside years")),
        ("year 0 (v1.1)", lambda: Message(v1(i, created_at=rng.choice(["Sat Jan 01 00:30:00 +0100 0001",
                                                                       "Fri Dec 31 23:30:00 -0100 9999"])),
                                          "dead", reason="outside years")),
        ("unreadable date", lambda: Message(v2(i, {"created_at": rng.choice(dates_unreadable)}))),
        ("huge offset", lambda: Message(v2(i, {"created_at": "2020-01-01T00:00:00+99:59"}))),
        ("edge years", lambda: Message(v2(i, {"created_at": rng.choice(["0001-01-01T00:00:00Z",
                                                                         "9999-12-31T23:59:59.999Z"])}))),
        ("2^63", lambda: Message('{"number": 9223372036854775808}', "dead", reason="64-bit")),
        ("-2^63-1", lambda: Message('{"number": -9223372036854775809}', "dead")),
        ("1e400", lambda: Message('{"number": 1e400}', "dead")),
        ("float", lambda: Message(rng.choice(['{"number": 1.5}', '{"number": 1e3}']), "dead")),
        ("-0", lambda: Message('{"number": -0}', "row", number=0)),
        ("int64 edges", lambda: rng.choice([Message('{"number": 9223372036854775807}', "row", number=2**63 - 1),
                                            Message('{"number": -9223372036854775808}', "row", number=-2**63)])),
        ("NUL in text", lambda: Message(v1(i, text=nul))),
        ("NUL in author", lambda: Message(v1(i, user={"screen_name": nul}))),
        ("NUL in lang", lambda: Message(v2(i, {"lang": nul}))),
        ("NUL in id", lambda: Message(v2(i, {"id": f"{10**9 + i}{nul}"}))),
        ("NUL in hashtag", lambda: Message(v2(i, {"entities": {"hashtags": [{"tag": nul}]}}))),
        ("NUL in mention", lambda: Message(v1(i, entities={"hashtags": [], "user_mentions": [{"screen_name": nul}]}))),
        ("lone surrogate", lambda: Message(v1(i, text="x").replace('"x"', rng.choice(['"\\ud800"', '"\\udfff x"'])),
                                           "dead")),
        ("invalid UTF-8", lambda: Message(v1(i, text="x").encode().replace(b'"x"', b'"\xff\xfe\xc3"'), "dead")),
        ("1 MB text", lambda: Message(v1(i, text=megabyte(rng.choice(["a", "ñ", "😀"]))) if rng.random() < 0.5
                                      else v2(i, {"text": megabyte("b")}))),
        ("deep JSON", lambda: Message(v1(i).replace('"lang"', '"deep": ' + "[" * 10_000 + "]" * 10_000 + ', "lang"'),
                                      "dead")),
        ("empty object", lambda: Message(rng.choice(["{}", '{"data": {}}', '{"user": {}}', '{"id_str": "", "text": ""}']),
                                         "dead")),
        ("empty text", lambda: Message(v1(i, text=""))),
        ("20,000 hashtags", lambda: Message(v2(i, {"entities": {"hashtags": [{"tag": f"t{k}"} for k in range(20_000)]}}))),
        ("array syntax in hashtags", lambda: Message(v2(i, {"entities": {"hashtags": [
            {"tag": t} for t in ['{"a",b}', "NULL", "\\", "x\ty\nz", " ", ""]]}}))),
        ("control characters", lambda: Message(v1(i, text="\\N\t\r\n\\.\u0001\u001f", lang="\\N"))),
    ]
    return kinds


def generate(seed, count):
    """[(name, Message)]: every hostile kind at least once, about half good counters."""
    rng = random.Random(seed)
    kinds = len(hostile(0, rng))
    out = []
    for i in range(count):
        if i < kinds:
            name, make = hostile(i, rng)[i]
        elif rng.random() < 0.5:
            n = rng.randrange(-2**63, 2**63)
            out.append(("counter", Message(json.dumps({"number": n}), "row", number=n)))
            continue
        else:
            name, make = rng.choice(hostile(i, rng))
        out.append((name, make()))
    rng.shuffle(out)
    return out


def produce(topic, messages, partitions=3):
    """Sends each payload to partition i mod `partitions`; {(partition, offset): (name, Message)}."""
    producer = KafkaProducer(bootstrap_servers=BROKERS, acks="all", max_request_size=2 * MB, linger_ms=5)
    try:
        futures = [(m, producer.send(topic, value=m[1].payload, partition=i % partitions))
                   for i, m in enumerate(messages)]
        producer.flush(60)
        return {(f.get(60).partition, f.get(60).offset): m for m, f in futures}
    finally:
        producer.close()


def pg_execute(sql):
    with psycopg2.connect(PostgresStore.uri) as conn, conn.cursor() as cur:
        cur.execute(sql)


def consume(topic, sink, table, *extra, group=None):
    p = subprocess.run([STREAMLAB, "consume", "-b", BROKERS, "-t", topic, "-g", group or fresh("g"), "--from", "beginning",
                        "--sink", sink, "--table", table, "--until-end", "--quiet", "--json", *extra],
                       capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


class Poison(unittest.TestCase):
    def consume_ok(self, topic, sink, table, *extra, group=None):
        code, out, err = consume(topic, sink, table, *extra, group=group)
        self.assertEqual(code, 0, f"seed {SEED}: {err[-3000:]}")
        return json.loads(out)["sink"], err

    def check(self, produced, rows, dead, must_refuse=()):
        """rows: [(partition, offset, number)]; dead: [(partition, offset, error)]. `must_refuse`:
        names of hostile kinds this store must turn into dead letters."""
        where = collections.Counter([(p, o) for p, o, _ in rows] + [(p, o) for p, o, _ in dead])
        self.assertEqual([k for k, n in where.items() if n > 1], [], f"seed {SEED}: stored twice")
        self.assertEqual(set(produced) - set(where), set(), f"seed {SEED}: neither a row nor a dead letter")
        self.assertEqual(set(where) - set(produced), set(), f"seed {SEED}: stored but never produced")
        numbers = {(p, o): n for p, o, n in rows}
        errors = {(p, o): e for p, o, e in dead}
        self.assertEqual([k for k, e in errors.items() if not (e or "").strip()], [], "dead letters without a reason")
        for key, (name, m) in produced.items():
            if m.expect == "row" or name == "counter":
                self.assertTrue(key in numbers, f"seed {SEED}: {name} at {key} is not a row: {errors.get(key)}")
                self.assertEqual(numbers[key], m.number, f"seed {SEED}: {name} at {key}")
            elif m.expect == "dead" or name in must_refuse:
                self.assertTrue(key in errors, f"seed {SEED}: {name} at {key} should be a dead letter")
                if m.reason:
                    self.assertIn(m.reason, errors[key], f"seed {SEED}: {name} at {key}")
        return errors

    def topic_of(self, messages):
        topic = fresh("poison")
        create_topic(topic, 3)
        return topic, produce(topic, messages)

    # --- PostgreSQL -----------------------------------------------------------------------------

    def postgres_case(self, *extra, schema=None, must_refuse=()):
        topic, produced = self.topic_of(generate(SEED, COUNT))
        store = PostgresStore(fresh("t").replace("-", "_"))
        try:
            if schema:
                pg_execute(schema.format(table=store.table))
            self.consume_ok(topic, store.uri, store.table, *extra)
            rows = store._query(f'SELECT "partition", "offset", number FROM "{store.table}"')
            dead = store._query(f'SELECT "partition", "offset", error FROM "{store.table}_dead_letters"')
            return self.check(produced, rows, dead, must_refuse)
        finally:
            store.cleanup()

    def test_postgres(self):
        errors = self.postgres_case(must_refuse={"NUL in text", "NUL in author", "NUL in lang", "NUL in id",
                                                 "NUL in hashtag", "NUL in mention"})
        self.assertFalse(any("PostgreSQL refused" in e for e in errors.values()), "nothing reaches the database bad")

    def test_postgres_raw_jsonb(self):
        self.postgres_case("--raw", "jsonb")

    def test_postgres_refusing_table_is_bisected(self):
        # A stricter table made by hand: the database refuses rows the parser cannot foresee
        # (SQLSTATE 22001 and 23514); they are found inside the batch's transaction.
        schema = '''CREATE TABLE "{table}" (
            topic text NOT NULL, "partition" integer NOT NULL, "offset" bigint NOT NULL, kind text NOT NULL,
            number bigint CHECK (number IS NULL OR number % 7 <> 3), id text, created_at timestamptz,
            author text, lang text, text varchar(100000), hashtags text[] CHECK (cardinality(hashtags) < 1000),
            mentions text[], is_retweet boolean, kafka_timestamp timestamptz,
            PRIMARY KEY (topic, "partition", "offset"))'''
        messages = generate(SEED, COUNT)
        for i, (name, m) in enumerate(messages):
            if name == "counter" and m.number >= 0 and m.number % 7 == 3:  # PostgreSQL's % keeps the sign
                messages[i] = ("counter % 7 == 3", Message(m.payload, "dead", reason="23514"))
        topic, produced = self.topic_of(messages)
        store = PostgresStore(fresh("t").replace("-", "_"))
        try:
            pg_execute(schema.format(table=store.table))
            summary, err = self.consume_ok(topic, store.uri, store.table, "--batch-rows", "5000", "--batch-ms", "500")
            rows = store._query(f'SELECT "partition", "offset", number FROM "{store.table}"')
            dead = store._query(f'SELECT "partition", "offset", error FROM "{store.table}_dead_letters"')
            errors = self.check(produced, rows, dead, must_refuse={"1 MB text", "20,000 hashtags"})
            refused = [e for e in errors.values() if e.startswith("PostgreSQL refused the row")]
            self.assertTrue(refused, "the table refused rows")
            self.assertTrue(any("22001" in e and "column text" in e for e in refused), refused[:3])
            self.assertTrue(any("23514" in e for e in refused), refused[:3])
            # The runner counts what the sink turned into dead letters.
            self.assertEqual((summary["rows"], summary["dead_letters"]), (len(rows), len(dead)))
            self.assertIn("refused", err)
        finally:
            store.cleanup()

    def test_exact_case_two_rows_one_dead_letter(self):
        topic = fresh("poison-exact")
        create_topic(topic, 1)
        produce(topic, [("", Message('{"number": 1}')),
                        ("", Message('{"data":{"id":"1","text":"x","created_at":"0000-06-01T00:00:00Z"}}')),
                        ("", Message('{"number": 2}'))], partitions=1)
        store = PostgresStore(fresh("t").replace("-", "_"))
        try:
            summary, _ = self.consume_ok(topic, store.uri, store.table)
            self.assertEqual((summary["rows"], summary["dead_letters"]), (2, 1))
            self.assertEqual(sorted(store._query(f'SELECT "offset", number FROM "{store.table}"')), [(0, 1), (2, 2)])
            dead = store.dead_letters()
            self.assertEqual([(d[1], bytes(d[3])) for d in dead],
                             [(1, b'{"data":{"id":"1","text":"x","created_at":"0000-06-01T00:00:00Z"}}')])
            self.assertIn("outside years 0001-9999", dead[0][2])
        finally:
            store.cleanup()

    def test_deadlock_while_creating_tables_is_retried(self):
        """A deadlock (40P01, retryable) inside create_tables once left the connection in an
        aborted transaction, and the next statement failed with 25P02, fatally."""
        topic = fresh("poison-ddl")
        create_topic(topic, 1)
        produce(topic, [("", Message('{"number": 1}'))], partitions=1)
        store = PostgresStore(fresh("t").replace("-", "_"))
        pg_execute(f'CREATE TABLE "{store.table}" (topic text NOT NULL, "partition" integer NOT NULL, '
                          '"offset" bigint NOT NULL, kind text NOT NULL, number bigint, id text, created_at timestamptz, '
                          'author text, lang text, text text, hashtags text[], mentions text[], is_retweet boolean, '
                          'kafka_timestamp timestamptz, PRIMARY KEY (topic, "partition", "offset"))')
        blocker = psycopg2.connect(store.uri)
        try:
            cur = blocker.cursor()
            cur.execute(f'LOCK TABLE "{store.table}" IN ACCESS SHARE MODE')
            result = {}
            sink = threading.Thread(target=lambda: result.update(
                zip(("code", "out", "err"), consume(topic, store.uri, store.table, "--raw", "json"))))
            sink.start()
            # The sink holds the schema lock and waits on ours for its ALTER TABLE ... ADD COLUMN raw.
            wait_until(lambda: store._query(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'streamlab' AND "
                "wait_event_type = 'Lock' AND query LIKE %s", f'ALTER TABLE "{store.table}"%')[0][0] > 0, 60,
                "the sink to wait on the table")
            try:
                # Closes the cycle; the sink, waiting first, runs the deadlock check first (after
                # deadlock_timeout, 1 s by default) and is the one refused.
                cur.execute("SELECT pg_advisory_xact_lock(hashtext('streamlab schema'))")
            except psycopg2.errors.DeadlockDetected:
                self.skipTest("this session was chosen as the deadlock's victim")
            blocker.rollback()
            sink.join(120)
            self.assertEqual(result.get("code"), 0, result.get("err", "")[-3000:])
            self.assertIn("deadlock", result["err"])
            self.assertEqual(store._query(f'SELECT "offset", number FROM "{store.table}"'), [(0, 1)])
        finally:
            blocker.close()
            store.cleanup()

    # --- Redis ----------------------------------------------------------------------------------

    def test_redis(self):
        topic, produced = self.topic_of(generate(SEED, COUNT))
        store = RedisStore(fresh("p"))
        try:
            summary, _ = self.consume_ok(topic, store.uri, store.prefix)
            rows = []
            for key in store.index(topic):
                h = store.hash(key)
                rows.append((int(h["partition"]), int(h["offset"]),
                             int(h["number"]) if h.get("kind") == "counter" else None))
            dead = [(int(h[b"partition"]), int(h[b"offset"]), h[b"error"].decode()) for h in store.dead_letters()]
            errors = self.check(produced, rows, dead)
            # Binary-safe values: Redis refuses nothing the parser accepted, NUL included.
            for key, (name, m) in produced.items():
                if m.expect is None:
                    self.assertFalse(key in errors, f"seed {SEED}: {name} at {key}: {errors.get(key)}")
            self.assertEqual((summary["rows"], summary["dead_letters"]), (len(rows), len(dead)))
        finally:
            store.cleanup()

    # --- Ignite ---------------------------------------------------------------------------------

    def ignite_case(self, schema=None, must_refuse=(), dated_check=False):
        if not HAVE_PYIGNITE:
            self.skipTest("pyignite is missing: run deploy/local/python-env")
        topic, produced = self.topic_of(generate(SEED, COUNT))
        store, group = IgniteStore(fresh("t").replace("-", "_")), fresh("g")
        try:
            if schema:
                store._query(schema.format(table=store.table))
            self.consume_ok(topic, store.uri, store.table, group=group)
            rows = store._query(f"SELECT KAFKA_PARTITION, KAFKA_OFFSET, NUMBER FROM {store.table}")
            dead = store._query(f"SELECT KAFKA_PARTITION, KAFKA_OFFSET, ERROR FROM {store.table}_DEAD_LETTERS")
            if dated_check:  # years 0001 and 9999 are dates too, before 1970 or not
                dated = {tuple(r) for r in store._query(
                    f"SELECT KAFKA_PARTITION, KAFKA_OFFSET FROM {store.table} WHERE CREATED_AT IS NOT NULL")}
                self.assertEqual([k for k, (name, _) in produced.items() if name == "edge years" and k not in dated],
                                 [], "edge-year tweets stored without their date")
            return self.check(produced, [tuple(r) for r in rows], [tuple(d) for d in dead], must_refuse)
        finally:
            store.cleanup(group)

    def test_ignite(self):
        errors = self.ignite_case(dated_check=True)
        self.assertFalse(any("Ignite refused" in e for e in errors.values()), "nothing reaches the node bad")

    def test_ignite_refusing_table_is_split(self):
        # TEXT limited to 100,000 characters: the node refuses the 1 MB texts (and only them).
        schema = (
            "CREATE TABLE {table} (TOPIC VARCHAR, KAFKA_PARTITION INT, KAFKA_OFFSET BIGINT, KIND VARCHAR, "
            "NUMBER BIGINT, TWEET_ID VARCHAR, CREATED_AT TIMESTAMP, AUTHOR VARCHAR, LANG VARCHAR, TEXT VARCHAR(100000), "
            "HASHTAGS VARCHAR, MENTIONS VARCHAR, IS_RETWEET BOOLEAN, KAFKA_TIMESTAMP TIMESTAMP, "
            "PRIMARY KEY (TOPIC, KAFKA_PARTITION, KAFKA_OFFSET)) WITH \"template=partitioned,backups=0,"
            "atomicity=atomic,cache_name={table},key_type=streamlab.MessageKey,value_type=streamlab.MessageRow\"")
        errors = self.ignite_case(schema, must_refuse={"1 MB text"})
        refused = [e for e in errors.values() if e.startswith("Ignite refused the row")]
        self.assertTrue(refused and all("too long" in e for e in refused), refused[:3])


if __name__ == "__main__":
    unittest.main(verbosity=2)
