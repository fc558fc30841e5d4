"""`streamlab produce --source x-stream` against a stand-in for X API v2's filtered stream
(tests/support/x_standin.py, real tweets from the corpus in v2 shape): rules kept in sync,
tweets in Kafka exactly as served (read back with Debian's kafka-python), keep-alives, lines
split across writes, drops, stalls, 503 and 429 backed off as X documents, a refused token
stopping with exit 1, and the token never printed."""
import json
import os
import select
import signal
import subprocess
import sys
import time
import unittest
import urllib.request
import uuid

from kafka import KafkaConsumer

from harness import BROKERS, ROOT, STREAMLAB, create_topic, fresh, wait_until

STANDIN = os.path.join(ROOT, "tests", "support", "x_standin.py")
CORPUS = os.environ.get("STREAMLAB_CORPUS", os.path.join(ROOT, "data", "corpus", "tweets.jsonl"))
TOKEN = f"XTOKEN-{uuid.uuid4().hex}-never-print-me"
LAB_LIKE_RULE = "(Chile OR Santiago OR fútbol) (lang:es OR lang:en)"


class StandIn:
    def __init__(self, script=""):
        self.proc = subprocess.Popen([sys.executable, STANDIN, "--corpus", CORPUS, "--script", script],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, "X_STANDIN_TOKEN": TOKEN})
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("port "):
            if self.proc.poll() is None:
                self.proc.terminate()
            why = self.proc.stderr.read()[-2000:]
            self.stop()
            raise AssertionError(f"the stand-in did not start: {line!r} {why}")
        self.base = f"http://127.0.0.1:{int(line.split()[1])}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()

    def _get(self, path, token=None):
        req = urllib.request.Request(self.base + path)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)

    def requests(self):
        return self._get("/_standin/requests")

    def stream_requests(self):
        return [r for r in self.requests() if r["path"] == "/2/tweets/search/stream"]

    def served(self):
        return self._get("/_standin/served")

    def rules(self):
        return self._get("/2/tweets/search/stream/rules", TOKEN).get("data", [])

    def add_rules(self, rules):
        req = urllib.request.Request(self.base + "/2/tweets/search/stream/rules", method="POST",
                                     data=json.dumps({"add": rules}).encode(),
                                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 201, r.status


def x_args(standin, topic, *extra):
    return [STREAMLAB, "produce", "-b", BROKERS, "-t", topic, "--source", "x-stream", "--api-base", standin.base,
            "--track", "Chile,Santiago,fútbol", "--lang", "es,en", *extra]


def x_env(token=TOKEN):
    env = {k: v for k, v in os.environ.items() if k != "X_BEARER_TOKEN"}
    if token is not None:
        env["X_BEARER_TOKEN"] = token
    return env


class XStreamTest(unittest.TestCase):
    def run_streamlab(self, args, token=TOKEN, timeout=90):
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=x_env(token))
        self.assert_no_token(p.stdout + p.stderr)
        return p

    def assert_no_token(self, output):
        self.assertNotIn(TOKEN, output, "the bearer token was printed")
        self.assertNotIn(TOKEN[7:30], output, "part of the bearer token was printed")

    def read_topic(self, topic, n):
        consumer = KafkaConsumer(topic, bootstrap_servers=BROKERS, auto_offset_reset="earliest", group_id=None,
                                 enable_auto_commit=False, consumer_timeout_ms=2000)
        try:
            values, end = [], time.monotonic() + 60
            while time.monotonic() < end:
                batch = [m.value.decode() for m in consumer]  # until 2 s without a message
                values += batch
                if len(values) >= n and not batch:
                    break
            return values
        finally:
            consumer.close()

    def test_rules_synced_and_every_delivery_shape_produced_as_served(self):
        standin = StandIn("keepalive:4,split:4,batch:4,ops,drop:3,stall:3,keepalive:1")
        try:
            standin.add_rules([{"value": "old words", "tag": "streamlab"},
                               {"value": "cats has:images", "tag": "someone-else"},
                               {"value": "dogs"}])
            topic = fresh("xstream")
            create_topic(topic, 1)
            p = self.run_streamlab(x_args(standin, topic, "--count", "19", "--stall-timeout", "2", "--json"))
            self.assertEqual(p.returncode, 0, p.stderr)
            summary = json.loads(p.stdout)
            self.assertEqual((summary["acked"], summary["failed"], summary["skipped_lines"]), (19, 0, 0), summary)

            served = standin.served()
            self.assertEqual(len(served), 19)
            self.assertEqual(self.read_topic(topic, 19), served, "Kafka holds the served lines, in order, as-is")
            for line in served:
                doc = json.loads(line)
                self.assertEqual(set(doc), {"data", "includes", "matching_rules"})

            # Stale streamlab rule deleted, ours added, the others untouched.
            rules = {r["value"]: r.get("tag") for r in standin.rules()}
            self.assertEqual(rules, {LAB_LIKE_RULE: "streamlab", "cats has:images": "someone-else", "dogs": None})

            reqs = standin.requests()
            self.assertTrue(all(r["auth_ok"] for r in reqs), reqs)
            stream = [r for r in reqs if r["path"] == "/2/tweets/search/stream"]
            self.assertEqual([r["behaviour"] for r in stream][:6], ["keepalive:4", "split:4", "batch:4", "ops",
                                                                    "drop:3", "stall:3"])
            for field in ("expansions=author_id", "tweet.fields=created_at,lang,entities",
                          "user.fields=username,name"):
                self.assertIn(field, stream[0]["query"])
            # The stalled connection (no byte for 2 s) was given up and replaced.
            self.assertGreaterEqual(len(stream), 7, "no reconnect after the stall")
            stalled_for = stream[6]["t"] - stream[5]["t"]
            self.assertGreaterEqual(stalled_for, 2.0)
            self.assertLess(stalled_for, 20.0)
            self.assertIn("operational-disconnect", p.stderr)
            self.assertIn("dropped", p.stderr)  # the half line of the cut connection
        finally:
            standin.stop()

    def test_503_and_429_back_off_as_documented(self):
        standin = StandIn("503,429:3,keepalive:2")
        try:
            topic = fresh("xstream-err")
            create_topic(topic, 1)
            p = self.run_streamlab(x_args(standin, topic, "--count", "2", "--json"))
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(json.loads(p.stdout)["acked"], 2)
            stream = standin.stream_requests()
            self.assertEqual([r["status"] for r in stream], [503, 429, 200])
            # HTTP error: exponential from 5 s.
            self.assertGreaterEqual(stream[1]["t"] - stream[0]["t"], 4.9)
            self.assertLess(stream[1]["t"] - stream[0]["t"], 15)
            # 429 with x-rate-limit-reset: not before the reset, and not the schedule's minute either.
            reset = stream[1]["rate_limit_reset"]
            self.assertGreaterEqual(stream[2]["t"], reset - 0.05)
            self.assertLess(stream[2]["t"], reset + 10)
            self.assertEqual(self.read_topic(topic, 2), standin.served())
        finally:
            standin.stop()

    def test_refused_token_stops_with_exit_1(self):
        standin = StandIn("401")
        try:
            topic = fresh("xstream-401")
            wrong = f"WRONG-{uuid.uuid4().hex}"
            p = self.run_streamlab(x_args(standin, topic, "--count", "1"), token=wrong, timeout=60)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("X_BEARER_TOKEN", p.stderr)
            self.assertIn("401", p.stderr)
            self.assertNotIn(wrong, p.stdout + p.stderr)
            self.assertEqual(standin.stream_requests(), [], "connected to the stream with a refused token")

            # Right token for the rules, then the stream itself answers 401: no retry, exit 1.
            p = self.run_streamlab(x_args(standin, topic, "--count", "1"), timeout=60)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("401", p.stderr)
            self.assertIn("X_BEARER_TOKEN", p.stderr)
            self.assertEqual([r["status"] for r in standin.stream_requests()], [401])
        finally:
            standin.stop()

    def test_usage_errors_name_the_problem(self):
        unreachable = "http://127.0.0.1:1"
        base = [STREAMLAB, "produce", "-b", "127.0.0.1:1", "--source", "x-stream", "--api-base", unreachable]
        for token in (None, ""):
            p = self.run_streamlab(base, token=token)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("X_BEARER_TOKEN", p.stderr)
        cases = [(["--lang", "es,ES1"], "ES1"), (["--lang", "spanish"], "spanish"), (["--track", "a,,b"], "--track"),
                 (["--track", ",".join(["palabra"] * 150)], "1024"), (["--api-base", "ftp://x"], "--api-base"),
                 (["--track", "-minus"], "-minus")]
        for extra, named in cases:
            p = self.run_streamlab(base + extra)
            self.assertEqual(p.returncode, 2, (extra, p.stderr))
            self.assertIn(named, p.stderr, extra)
        p = self.run_streamlab([STREAMLAB, "produce", "-b", "127.0.0.1:1", "--source", "counter", "--track", "x"])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--track", p.stderr)

    def test_duration_and_sigterm_stop_promptly_while_the_stream_is_quiet(self):
        standin = StandIn("hold,hold")
        try:
            topic = fresh("xstream-quiet")
            started = time.monotonic()
            p = self.run_streamlab(x_args(standin, topic, "--duration", "2", "--json"))
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertLess(time.monotonic() - started, 20)
            self.assertEqual(json.loads(p.stdout)["sent"], 0)

            proc = subprocess.Popen(x_args(standin, topic), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, env=x_env())
            try:
                wait_until(lambda: len(standin.stream_requests()) >= 2, 30, "the second stream connection")
                proc.send_signal(signal.SIGTERM)
                out, err = proc.communicate(timeout=10)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()
            self.assert_no_token(out + err)
            self.assertEqual(proc.returncode, 0, err)
            self.assertIn("produced 0 of 0", err)
        finally:
            standin.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
