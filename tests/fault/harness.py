"""What the sink fault tests share: the streamlab binary, fresh names, the local services,
readers of what each store holds, and polling with deadlines (never fixed sleeps)."""
import collections
import datetime
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import psycopg2
import redis

STREAMLAB = os.environ.get("STREAMLAB_BINARY", "build/streamlab")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVICES = os.path.join(ROOT, "deploy", "local", "services")


def env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set: run through `make test`")
    return value


BROKERS = env("STREAMLAB_BROKERS")
POSTGRES = env("STREAMLAB_POSTGRES")
REDIS = env("STREAMLAB_REDIS")


def fresh(what):
    return f"ft-{what}-{uuid.uuid4().hex[:10]}"


def streamlab(*args, check=True, timeout=300):
    p = subprocess.run([STREAMLAB, *args], capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"streamlab {' '.join(args)} exited {p.returncode}: {p.stderr[-2000:]}")
    return p


def create_topic(topic, partitions=3):
    streamlab("topic", "create", "-b", BROKERS, "-t", topic, "-p", str(partitions))


def produce(topic, source, count):
    s = json.loads(streamlab("produce", "-b", BROKERS, "-t", topic, "--source", source, "--count", str(count),
                             "--json").stdout)
    assert s["acked"] == count, s
    return s


def reference(topic, count):
    """What the topic holds, parsed by streamlab's own parser: {(partition, offset): fields}."""
    out = streamlab("consume", "-b", BROKERS, "-t", topic, "-g", fresh("ref"), "--from", "beginning",
                    "--show=json", "--count", str(count), "--idle-exit", "30").stdout
    ref = {}
    for line in out.splitlines():
        m = json.loads(line)
        ref[(m["partition"], m["offset"])] = m
    assert len(ref) == count, (len(ref), count)
    return ref


def verify(topic, sink, table, group, *extra, timeout=600):
    """`streamlab verify --json` of a sink against its topic: (exit code, the report as a dict).
    Exit 0: every message held exactly once and the stored offsets match; 1: not. Anything else
    (a usage error, a sink or broker that cannot be read) raises, with streamlab's stderr."""
    args = ["verify", "-b", BROKERS, "-t", topic, "--sink", sink, "-g", group, "--json", *extra]
    if table:
        args += ["--table", table]
    p = streamlab(*args, check=False, timeout=timeout)
    if p.returncode not in (0, 1) or not p.stdout.strip():
        raise AssertionError(f"streamlab verify exited {p.returncode}: {p.stderr[-2000:]}")
    return p.returncode, json.loads(p.stdout)


def wait_until(predicate, deadline_s, what):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {deadline_s} s waiting for {what}")


class SinkProcess:
    """A `streamlab consume --sink` process in the background, its stderr kept in a file."""

    def __init__(self, topic, group, sink, table, *extra, batch_rows=2000):
        self.log = open(f"/tmp/{group}-{uuid.uuid4().hex[:6]}.log", "w+")
        self.proc = subprocess.Popen(
            [STREAMLAB, "consume", "-b", BROKERS, "-t", topic, "-g", group, "--from", "beginning", "--sink", sink,
             "--table", table, "--batch-rows", str(batch_rows), "--batch-ms", "100", "--quiet", "--json", *extra],
            stdout=subprocess.PIPE, stderr=self.log, text=True)

    def __del__(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.log.close()

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def finish(self, timeout=120):
        out, _ = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out

    def stderr(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def story(self, limit=3000):
        """The end of its stderr without the once-a-second progress lines but the last: what it
        said (assignments, errors), for a failure's message."""
        lines = self.stderr().splitlines()
        said = [line for line in lines[:-1] if not line.startswith("consumed ")] + lines[-1:]
        return "\n".join(said)[-limit:]


# --- what the stores hold ---------------------------------------------------------------------

class PostgresStore:
    uri = POSTGRES

    def __init__(self, table):
        self.table = table

    def _query(self, sql, *params):
        # A fresh connection per read: the server may have been restarted by an outage test.
        with psycopg2.connect(self.uri) as conn, conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def count(self, topic):
        try:
            return self._query(f'SELECT count(*) FROM "{self.table}" WHERE topic = %s', topic)[0][0]
        except psycopg2.Error:
            return 0  # not created yet, or the server is down

    def cleanup(self):
        with psycopg2.connect(self.uri) as conn, conn.cursor() as cur:
            cur.execute(f'DROP TABLE IF EXISTS "{self.table}", "{self.table}_dead_letters"')

    def rows(self):
        """{(partition, offset): (kind, number, id, author, text, hashtags)} and the total row count."""
        rows = self._query(f'SELECT "partition", "offset", kind, number, id, author, text, hashtags '
                           f'FROM "{self.table}"')
        return {(r[0], r[1]): r[2:] for r in rows}, len(rows)

    def dead_letters(self):
        return self._query(f'SELECT "partition", "offset", error, payload FROM "{self.table}_dead_letters"')

    def summary(self, topic):
        """{partition: (rows, distinct offsets, min, max, dead letters, offsets both a row and a dead letter)}."""
        got = self._query(f'''SELECT p, count(*) FILTER (WHERE NOT dead), count(DISTINCT o) FILTER (WHERE NOT dead),
                    min(o), max(o), count(*) FILTER (WHERE dead), count(*) - count(DISTINCT o)
                FROM (SELECT "partition" p, "offset" o, false dead FROM "{self.table}" WHERE topic = %s
                      UNION ALL SELECT "partition", "offset", true FROM "{self.table}_dead_letters" WHERE topic = %s) u
                GROUP BY p''', topic, topic)
        return {r[0]: (r[1], r[2], r[3], r[4], r[5], r[6] - (r[1] - r[2])) for r in got}

    def stored_offsets(self, group, topic):
        return dict(self._query('SELECT "partition", next_offset FROM streamlab_offsets '
                                'WHERE consumer_group = %s AND topic = %s', group, topic))


class RedisStore:
    uri = REDIS

    def __init__(self, prefix):
        self.prefix = prefix
        # The local Redis wants a password: `deploy/local/services env` exports it as REDISCLI_AUTH
        # (a password in the URL wins).
        self.r = redis.Redis.from_url(REDIS, password=os.environ.get("REDISCLI_AUTH") or None)

    def count(self, topic):
        try:
            return self.r.llen(f"{self.prefix}:index:{topic}")
        except redis.RedisError:
            return 0

    def cleanup(self):
        keys = list(self.r.scan_iter(f"{self.prefix}:*", count=10000))
        for i in range(0, len(keys), 10000):
            self.r.unlink(*keys[i:i + 10000])

    def index(self, topic):
        return [k.decode() for k in self.r.lrange(f"{self.prefix}:index:{topic}", 0, -1)]

    def hash(self, key):
        """A stored message's fields, with its topic, partition and offset, which the sink keeps in
        its key (<prefix>:msg:<topic>:<partition>:<offset>) rather than as fields."""
        fields = {k.decode(): v.decode("utf-8", "surrogateescape") for k, v in self.r.hgetall(key).items()}
        return {**self.coordinates(key), **fields} if fields else {}

    def coordinates(self, key):
        """{topic, partition, offset} of a message's key, as strings (the hash fields they replace)."""
        head, _, offset = key.rpartition(":")
        head, _, partition = head.rpartition(":")
        prefix = f"{self.prefix}:msg:"
        assert head.startswith(prefix), f"{key} is not a message's key"
        return {"topic": head[len(prefix):], "partition": partition, "offset": offset}

    def tweet(self, tweet_id):
        """The hash of the copy of a tweet stored last, found through its by-id pointer."""
        key = self.r.hget(f"{self.prefix}:tweet_by_id", str(tweet_id))
        return self.hash(key.decode()) if key is not None else {}

    def hashtags(self):
        return {k.decode(): v for k, v in self.r.zrange(f"{self.prefix}:hashtags", 0, -1, withscores=True)}

    def dead_letters(self):
        keys = [k.decode() for k in self.r.lrange(f"{self.prefix}:dead_letters", 0, -1)]
        return [self.r.hgetall(k) for k in keys]

    def summary(self, topic):
        """As PostgresStore.summary, from the topic's index (each entry's key says where it came from,
        and its hash must exist)."""
        pipe = self.r.pipeline(transaction=False)
        index = self.index(topic)
        for key in index:
            pipe.exists(key)
        rows = collections.defaultdict(list)
        for key, exists in zip(index, pipe.execute()):
            assert exists, f"{key} is in the index, but its hash is gone"
            at = self.coordinates(key)
            rows[int(at["partition"])].append(int(at["offset"]))
        dead = collections.defaultdict(list)
        for h in self.dead_letters():
            if h[b"topic"].decode() == topic:
                dead[int(h[b"partition"])].append(int(h[b"offset"]))
        return summarize(rows, dead)

    def stored_offsets(self, group, topic):
        out = {}
        for field, value in self.r.hgetall(f"{self.prefix}:offsets:{group}").items():
            t, _, p = field.decode().rpartition(":")
            if t == topic:
                out[int(p)] = int(value)
        return out


def summarize(rows, dead):
    """{partition: [offsets]} of rows and of dead letters → the shape of PostgresStore.summary."""
    out = {}
    for p in set(rows) | set(dead):
        r, d = rows.get(p, []), dead.get(p, [])
        both = len(set(r) & set(d))
        out[p] = (len(r), len(set(r)), min(r + d), max(r + d), len(d), both)
    return out


def topic_ranges(topic):
    """{partition: (low, high)} as Kafka reports them, through kafka-python (not streamlab)."""
    from kafka import KafkaConsumer, TopicPartition
    c = KafkaConsumer(bootstrap_servers=BROKERS)
    try:
        parts = [TopicPartition(topic, p) for p in sorted(c.partitions_for_topic(topic))]
        low, high = c.beginning_offsets(parts), c.end_offsets(parts)
        return {tp.partition: (low[tp], high[tp]) for tp in parts}
    finally:
        c.close()


def assert_exactly_once(test, store, topic, group):
    """Every offset of the topic is a row or a dead letter exactly once, read back by the store's
    own client, and the group's stored offset of each partition is its high watermark (the topics
    here come from an idempotent producer: their offsets have no gaps); and `streamlab verify`
    says so too."""
    name = store.prefix if isinstance(store, RedisStore) else store.table
    code, report = verify(topic, store.uri, name, group)
    test.assertEqual(code, 0, f"streamlab verify: {json.dumps(report)[:2000]}")
    summary, stored = store.summary(topic), store.stored_offsets(group, topic)
    for p, (low, high) in topic_ranges(topic).items():
        if high == low:
            continue
        n, distinct, lo, hi, dead, both = summary.get(p, (0, 0, None, None, 0, 0))
        test.assertEqual((n + dead, distinct, both, lo, hi), (high - low, n, 0, low, high - 1),
                         f"partition {p}: (rows + dead letters, distinct rows, both, min, max)")
        test.assertEqual(stored.get(p), high, f"partition {p}: the stored offset")


def services(action, *names):
    subprocess.run([SERVICES, action, *names], check=True, capture_output=True, text=True, timeout=180)


class IgniteStore:
    """Reads an Ignite sink's SQL table through pyignite (the lab's client, PyPI), never through
    streamlab's own thin client. pyignite is imported here, not at the top: only the Ignite tests
    need it (they run with .local/venv's python)."""
    uri = os.environ.get("STREAMLAB_IGNITE", "ignite://127.0.0.1:10800")

    def __init__(self, table, uri=None):
        self.table = table.upper()  # unquoted SQL names: Ignite upper-cases them, as the sink does
        if uri:
            self.uri = uri
        self.addresses = []  # the nodes of a cluster: pyignite goes on with another when one fails
        for host_port in self.uri.split("://", 1)[1].split("?", 1)[0].split(","):
            host, _, port = host_port.partition(":")
            self.addresses.append((host or "127.0.0.1", int(port or 10800)))

    def _query(self, sql, *args, page_size=5000):
        # A fresh client per read: the node may have been restarted by an outage test.
        from pyignite import Client
        client = Client(timeout=30)
        try:
            client.connect(self.addresses)
            with client.sql(sql, query_args=list(args) or None, page_size=page_size) as cursor:
                return list(cursor)
        finally:
            client.close()

    def count(self, topic):
        try:
            return self._query(f"SELECT COUNT(*) FROM {self.table} WHERE TOPIC = ?", topic)[0][0]
        except Exception:  # noqa: BLE001 - not created yet, or the node is down/starting
            return 0

    def total(self):
        return self._query(f"SELECT COUNT(*) FROM {self.table}")[0][0]

    def rows(self, counters_only=False):
        """{(partition, offset): (kind, number, tweet_id, created_at, author, lang, text, hashtags,
        mentions, is_retweet)} and the row count; HASHTAGS/MENTIONS decoded from their JSON text,
        CREATED_AT as 'YYYY-MM-DDTHH:MM:SSZ' (UTC) or None. counters_only: reads only the key, KIND
        and NUMBER (pyignite decodes slowly), the tweet columns come back as None."""
        tweet_columns = "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL" if counters_only else \
            "TWEET_ID, CREATED_AT, AUTHOR, LANG, TEXT, HASHTAGS, MENTIONS, IS_RETWEET"
        rows = self._query(f"SELECT KAFKA_PARTITION, KAFKA_OFFSET, KIND, NUMBER, {tweet_columns} FROM {self.table}")
        out = {}
        for r in rows:
            created = r[5]
            if isinstance(created, tuple):  # pyignite: (datetime, nanoseconds)
                created = created[0]
            if created is not None:
                # pyignite builds a naive local datetime from the epoch ms; .timestamp() undoes that.
                created = datetime.datetime.fromtimestamp(created.timestamp(), datetime.timezone.utc) \
                    .strftime("%Y-%m-%dT%H:%M:%SZ")
            hashtags = json.loads(r[9]) if r[9] is not None else None
            mentions = json.loads(r[10]) if r[10] is not None else None
            out[(r[0], r[1])] = (r[2], r[3], r[4], created, r[6], r[7], r[8], hashtags, mentions, r[11])
        return out, len(rows)

    def dead_letters(self):
        return self._query(f"SELECT KAFKA_PARTITION, KAFKA_OFFSET, ERROR, PAYLOAD FROM {self.table}_DEAD_LETTERS")

    def summary(self, topic):
        """As PostgresStore.summary; the rows by aggregates on the node (pyignite decodes slowly). The
        key is (topic, partition, offset), so the rows' offsets are distinct by construction (and
        this Ignite refuses COUNT(DISTINCT) with GROUP BY)."""
        got = self._query(f"SELECT KAFKA_PARTITION, COUNT(*), COUNT(*), MIN(KAFKA_OFFSET), "
                          f"MAX(KAFKA_OFFSET) FROM {self.table} WHERE TOPIC = ? GROUP BY KAFKA_PARTITION", topic)
        dead = collections.defaultdict(list)
        for p, o in self._query(f"SELECT KAFKA_PARTITION, KAFKA_OFFSET FROM {self.table}_DEAD_LETTERS "
                                "WHERE TOPIC = ?", topic):
            dead[p].append(o)
        out = {}
        for p, n, distinct, lo, hi in got:
            both = 0
            for o in dead.get(p, []):
                both += self._query(f"SELECT COUNT(*) FROM {self.table} WHERE TOPIC = ? AND KAFKA_PARTITION = ? "
                                    "AND KAFKA_OFFSET = ?", topic, p, o)[0][0]
            d = dead.pop(p, [])
            out[p] = (n, distinct, min([lo, *d]), max([hi, *d]), len(d), both)
        for p, d in dead.items():
            out[p] = (0, 0, min(d), max(d), len(d), 0)
        return out

    def stored_offsets(self, group, topic):
        return dict(self._query("SELECT KAFKA_PARTITION, NEXT_OFFSET FROM STREAMLAB_OFFSETS "
                                "WHERE CONSUMER_GROUP = ? AND TOPIC = ?", group, topic))

    def cleanup(self, group=None):
        self._query(f"DROP TABLE IF EXISTS {self.table}")
        self._query(f"DROP TABLE IF EXISTS {self.table}_DEAD_LETTERS")
        if group:
            self._query("DELETE FROM STREAMLAB_OFFSETS WHERE CONSUMER_GROUP = ?", group)


# --- a fresh store of each kind, and its clean-up --------------------------------------------

def new_store(kind):
    """An empty store of `kind` (postgres, redis, ignite) under a fresh table or key prefix."""
    name = fresh("t").replace("-", "_")
    return {"postgres": PostgresStore, "redis": RedisStore, "ignite": IgniteStore}[kind](name)


def store_name(store):
    """What a sink's --table is for the store: the Redis key prefix, else the table."""
    return store.prefix if isinstance(store, RedisStore) else store.table


def cleanup(store, group):
    if isinstance(store, IgniteStore):
        store.cleanup(group)
    else:
        store.cleanup()
