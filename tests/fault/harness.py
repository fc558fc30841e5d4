"""What the sink fault tests share: the streamlab binary, fresh names, the local services,
readers of what each store holds, and polling with deadlines (never fixed sleeps)."""
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
             "--table", table, "--batch-rows", str(batch_rows), "--batch-ms", "100", "--quiet", "--json",
             "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500", *extra],
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


class RedisStore:
    uri = REDIS

    def __init__(self, prefix):
        self.prefix = prefix
        self.r = redis.Redis.from_url(REDIS)

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
        return {k.decode(): v.decode("utf-8", "surrogateescape") for k, v in self.r.hgetall(key).items()}

    def tweet(self, tweet_id):
        """The hash of the copy of a tweet stored last, found through its by-id pointer."""
        key = self.r.get(f"{self.prefix}:tweet:{tweet_id}")
        return self.hash(key.decode()) if key is not None else {}

    def hashtags(self):
        return {k.decode(): v for k, v in self.r.zrange(f"{self.prefix}:hashtags", 0, -1, withscores=True)}

    def dead_letters(self):
        keys = [k.decode() for k in self.r.lrange(f"{self.prefix}:dead_letters", 0, -1)]
        return [self.r.hgetall(k) for k in keys]


def services(action, *names):
    subprocess.run([SERVICES, action, *names], check=True, capture_output=True, text=True, timeout=180)


class IgniteStore:
    """Reads an Ignite sink's SQL table through pyignite (the lab's client, PyPI), never through
    streamlab's own thin client. pyignite is imported here, not at the top: only the Ignite tests
    need it (they run with .local/venv's python)."""
    uri = os.environ.get("STREAMLAB_IGNITE", "ignite://127.0.0.1:10800")

    def __init__(self, table):
        self.table = table.upper()  # unquoted SQL names: Ignite upper-cases them, as the sink does
        host_port = self.uri.split("://", 1)[1].split("?", 1)[0]
        host, _, port = host_port.partition(":")
        self.address = (host or "127.0.0.1", int(port or 10800))

    def _query(self, sql, *args, page_size=5000):
        # A fresh client per read: the node may have been restarted by an outage test.
        from pyignite import Client
        client = Client(timeout=30)
        try:
            client.connect(*self.address)
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

    def cleanup(self, group=None):
        self._query(f"DROP TABLE IF EXISTS {self.table}")
        self._query(f"DROP TABLE IF EXISTS {self.table}_DEAD_LETTERS")
        if group:
            self._query("DELETE FROM STREAMLAB_OFFSETS WHERE CONSUMER_GROUP = ?", group)
