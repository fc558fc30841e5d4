"""The Ignite sink against the real local node, read back with pyignite (the lab's client, PyPI;
nobody here wrote it): pyignite sees exactly what streamlab's parser saw, Unicode and emoji
included; and with native persistence on, a node restart mid-run loses nothing and stores
nothing twice. (SIGKILL and restart: test_exactly_once.py, for every sink.)

pyignite is not a Debian package: run by /usr/bin/python3 (ctest's fault/test_*.py glob), this
script re-executes itself with .local/venv's python (deploy/local/python-env), which also has
psycopg2 and redis for harness.py. pyignite decodes about 1,000 rows/s on this machine's shared
cores, so whole rows are read back only for the cross-check's sample; the restart is checked by
aggregates on the node.
"""
import os

import with_pyignite  # noqa: F401,E402  (first: may re-execute this script with .local/venv's python)

import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import unittest  # noqa: E402

from harness import (BROKERS, SERVICES, IgniteStore, SinkProcess, assert_exactly_once, create_topic,  # noqa: E402
                     fresh, produce, reference, streamlab, wait_until)

RESTART_COUNT = 30_000
OUTAGE_S = 10  # how long the node stays down: a parameter of the fault, not a wait for readiness


def expected(m):
    """The row the sink must have stored for one reference message, in IgniteStore.rows()' shape."""
    if m["kind"] == "counter":
        return ("counter", m["number"], None, None, None, None, None, None, None, None)
    return ("tweet", None, m["id"], m.get("created_at"), m["author"], m["lang"], m["text"], m["hashtags"],
            m["mentions"], m["is_retweet"])


def ignite_services(action, persistence=None):
    env = dict(os.environ)
    if persistence is not None:
        env["STREAMLAB_IGNITE_PERSISTENCE"] = "1" if persistence else "0"
    p = subprocess.run([SERVICES, action, "ignite"], env=env, capture_output=True, text=True, timeout=300)
    if p.returncode != 0 and action != "status":
        raise AssertionError(f"services {action} ignite exited {p.returncode}: {p.stderr[-2000:]}")
    return p


def ignite_persistent():
    """Whether the running node has persistence on (None: not running)."""
    p = ignite_services("status")
    if p.returncode != 0:
        return None
    return "persistence on" in p.stdout + p.stderr


def consume_to_end(topic, group, store, table):
    sink = SinkProcess(topic, group, store.uri, table, "--idle-exit", "8")
    code, out = sink.finish(timeout=300)
    if code != 0:
        raise AssertionError(sink.stderr())
    return json.loads(out.strip().splitlines()[-1])


# Hand-made v1.1 tweets whose text and names stress the string encoding: astral-plane emoji and
# ZWJ sequences, flags, combining marks, CJK, right-to-left scripts, quotes, backslashes,
# control characters, a 4,000-character text.
HOSTILE_TEXTS = [
    "emoji 😀🎉🚀 y más 🇨🇱🇪🇸 familia 👨‍👩‍👧‍👦 piel 👍🏽",
    "acentos: ñandú, pingüino, Ærøskøbing, İstanbul, ß, ﬁ ligature",
    "combining: e\u0301 vs é, a\u0308\u0301, Z\u0335\u0327a\u0336lgo",
    "中文 日本語 한국어 — ½ ⅓ € £ ¥ ₿",
    "العربية עברית mixed ltr/rtl \u200f\u200e",
    "quotes \" ' ` backslash \\ slash / tab\tnewline\nend",
    "nul inside \u0000 and bell \u0007 and escape \u001b",
    "surrogates ok: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟘𝟙𝟚 🀄 🧬",
    "long " + "ñ😀" * 2000,
]


def hostile_tweets():
    out = []
    for i, text in enumerate(HOSTILE_TEXTS):
        out.append({"created_at": "Wed May 01 12:18:44 +0000 2019", "id": 9000000000000000000 + i,
                    "id_str": str(9000000000000000000 + i), "text": text, "lang": "es",
                    "user": {"screen_name": f"usuario_ñ_{i}", "name": "Nombre 😀"},
                    "entities": {"hashtags": [{"text": "Fútbol"}, {"text": "日本"}, {"text": "🎉"}],
                                 "user_mentions": [{"screen_name": "josé_😀"}]}})
    return out


class PyigniteCrossCheck(unittest.TestCase):
    def test_pyignite_reads_what_streamlab_wrote(self):
        topic, group, table = fresh("igx"), fresh("g"), fresh("t").replace("-", "_")
        create_topic(topic, 3)
        produce(topic, "synthetic-tweets", 5000)
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as f:
            for t in hostile_tweets():
                f.write(json.dumps(t, ensure_ascii=False) + "\n")
            path = f.name
        try:
            streamlab("produce", "-b", BROKERS, "-t", topic, "--source", "tweets", "--file", path, "--json")
        finally:
            os.unlink(path)
        n = 5000 + len(HOSTILE_TEXTS)
        ref = reference(topic, n)
        store = IgniteStore(table)
        try:
            summary = consume_to_end(topic, group, store, table)
            self.assertEqual(summary["sink"]["rows"], n, summary)
            rows, total = store.rows()
            self.assertEqual(total, n)
            # The sample: every hand-made tweet and every synthetic one with non-ASCII text.
            hostile_ids = {t["id_str"] for t in hostile_tweets()}
            sample = {k: m for k, m in ref.items()
                      if m["kind"] == "tweet" and (m["id"] in hostile_ids or not m["text"].isascii())}
            self.assertGreater(len(sample), len(HOSTILE_TEXTS))
            self.assertTrue(any("👨‍👩‍👧‍👦" in m["text"] for m in sample.values()), "the emoji tweet is in the sample")
            for key, m in sample.items():
                if "\0" in m["text"]:
                    # pyignite 0.6 cuts a decoded string at its first NUL (a ctypes char array), so this
                    # text is read as the server's own UTF-8 bytes of it.
                    got = store._query(f"SELECT STRINGTOUTF8(TEXT) FROM {store.table} WHERE KAFKA_PARTITION = ? "
                                       "AND KAFKA_OFFSET = ?", key[0], key[1])
                    self.assertEqual(bytes(got[0][0]), m["text"].encode("utf-8"), f"the NUL text at {key}")
                    continue
                self.assertEqual(rows[key], expected(m), key)
            # And against the texts as written, not only as streamlab's parser read them.
            got = {r[6] for r in rows.values() if r[6] is not None}
            missing = [t[:40] for t in HOSTILE_TEXTS if "\0" not in t and t not in got]
            self.assertEqual(missing, [], "hand-made texts not read back identically")
        finally:
            store.cleanup(group)


class NodeRestartWithPersistence(unittest.TestCase):
    def test_restart_mid_run_loses_nothing(self):
        original = ignite_persistent()
        topic, group, table = fresh("igr"), fresh("g"), fresh("t").replace("-", "_")
        store = IgniteStore(table)
        try:
            if original is not True:
                ignite_services("stop")
                ignite_services("start", persistence=True)
            self.assertTrue(ignite_persistent(), "the node runs with persistence on")
            create_topic(topic, 3)
            produce(topic, "counter", RESTART_COUNT)
            # Small batches keep the sink busy long enough for the restart to fall mid-run.
            sink = SinkProcess(topic, group, store.uri, table, "--idle-exit", "10", batch_rows=500)
            try:
                wait_until(lambda: store.count(topic) > 0, 120, "the first rows stored")
                ignite_services("stop")
                wait_until(lambda: "consumption paused" in sink.stderr(), 60, "the sink to notice the outage")
                time.sleep(OUTAGE_S)
                self.assertIsNone(sink.proc.poll(), "the sink must wait out an outage:\n" + sink.stderr())
            finally:
                ignite_services("start", persistence=True)
            code, _ = sink.finish(timeout=300)
            self.assertEqual(code, 0, sink.stderr())
            self.assertIn("consumption resumed", sink.stderr())
            assert_exactly_once(self, store, topic, group)
            store.cleanup(group)
        finally:
            # Other tests expect the node as it was (in-memory by default).
            if ignite_persistent() is not original:
                ignite_services("stop")
                if original is not None:
                    ignite_services("start", persistence=bool(original))


if __name__ == "__main__":
    unittest.main(verbosity=2)
