"""Exactly once across a Kafka failover, against a real three-node KRaft cluster that this script
starts (deploy/local/services with STREAMLAB_KAFKA_NODES=3, on ports of its own so the single
broker of the other tests keeps running) and stops at the end. Every topic has three replicas
and acks=all needs two of them (min.insync.replicas=2). Faults are SIGKILLs of a node through
`deploy/local/services kill kafka N`:
- the leader of a partition while an idempotent producer writes 300,000 counters at 20,000/s:
  every number is read back exactly once and the producer exits 0 and reports the change;
- the leader of a partition while three sinks (PostgreSQL, Redis, Ignite) store a live topic:
  `streamlab verify` and each store's own client find every message once;
- the controller quorum's leader: another is elected, and the cluster keeps creating topics,
  taking writes and serving reads; the node comes back into every partition's in-sync replicas.

Needs pyignite: run by /usr/bin/python3 (ctest), the script re-executes itself with .local/venv's
python (deploy/local/python-env)."""
import os
import sys

from with_pyignite import ROOT  # noqa: E402  (first: may re-execute this script with .local/venv's python)

import collections  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import unittest  # noqa: E402
import urllib.request  # noqa: E402

SERVICES = os.path.join(ROOT, "deploy", "local", "services")
CLUSTER_ENV = {
    **os.environ,
    "STREAMLAB_KAFKA_NODES": "3",
    "STREAMLAB_KAFKA_PORT": os.environ.get("STREAMLAB_TEST_CLUSTER_PORT", "29092"),
    "STREAMLAB_KAFKA_CONTROLLER_PORT": str(int(os.environ.get("STREAMLAB_TEST_CLUSTER_PORT", "29092")) + 1),
    "STREAMLAB_KAFKA_HEAP": "-Xms256m -Xmx512m",
}


def cluster(*args, timeout=300):
    p = subprocess.run([SERVICES, *args], env=CLUSTER_ENV, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"services {' '.join(args)} exited {p.returncode}: {p.stderr[-3000:]}")
    return p


# The harness reads the brokers from the environment when imported: the cluster's, from `env`.
cluster("start", "kafka")
CLUSTER_EXPORTS = cluster("env", "kafka").stdout
os.environ["STREAMLAB_BROKERS"] = re.search(r"STREAMLAB_BROKERS=(\S+)", CLUSTER_EXPORTS).group(1).replace("\\,", ",")
# Each node's own metrics (its JMX exporter), in node order.
METRICS = re.search(r"STREAMLAB_KAFKA_METRICS=(\S+)", CLUSTER_EXPORTS).group(1).replace("\\,", ",").split(",")

from harness import (BROKERS, IgniteStore, PostgresStore, RedisStore, SinkProcess, assert_exactly_once,  # noqa: E402
                     create_topic, fresh, streamlab, wait_until)

PRODUCE_COUNT = 300_000
PRODUCE_RATE = 20_000
SINK_COUNT = 60_000
SINK_RATE = 10_000


def partitions(topic):
    """The topic's partitions as `topic describe` sees them; right after a create, or while a node
    is down, the broker asked may not know the topic yet: asked again until one does."""
    described = []

    def describe():
        p = streamlab("topic", "describe", "-b", BROKERS, "-t", topic, "--json", check=False)
        if p.returncode == 0:
            described[:] = json.loads(p.stdout)[0]["partitions"]
        return p.returncode == 0

    wait_until(describe, 60, f"topic describe {topic}")
    return described


def leader_of(topic, partition):
    return partitions(topic)[partition]["leader"]


def fully_replicated(topic):
    return all(len(p["isr"]) == 3 and p["leader"] >= 0 for p in partitions(topic))


def quorum_leader():
    lib = os.environ.get("STREAMLAB_KAFKA_LIB", os.path.join(ROOT, ".local", "kafka", "lib"))
    p = subprocess.run(["java", "-cp", os.path.join(lib, "*"), "org.apache.kafka.tools.MetadataQuorumCommand",
                        "--bootstrap-server", BROKERS, "describe", "--status"],
                       capture_output=True, text=True, timeout=60)
    m = re.search(r"LeaderId:\s+(\d+)", p.stdout)
    if not m:
        raise AssertionError(f"no quorum leader in: {p.stdout}{p.stderr[-2000:]}")
    return int(m.group(1))


class Producer:
    """`streamlab produce --json` of counters in the background, its running count in a stats file."""

    def __init__(self, topic, count, rate):
        self.stats = f"/tmp/{topic}.stats"
        self.proc = subprocess.Popen(
            [os.environ.get("STREAMLAB_BINARY", "build/streamlab"), "produce", "-b", BROKERS, "-t", topic,
             "--count", str(count), "--rate", str(rate), "--json", "--stats", self.stats],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def acked(self):
        try:
            with open(self.stats) as f:
                lines = f.read().splitlines()
            return json.loads(lines[-1])["count"] if lines else 0
        except (OSError, ValueError, KeyError):
            return 0

    def finish(self, timeout=180):
        out, err = self.proc.communicate(timeout=timeout)
        with contextlib.suppress(OSError):
            os.unlink(self.stats)
        return self.proc.returncode, json.loads(out) if out.strip() else {}, err


def broker_metric(url, name):
    """A sample of a broker's Prometheus endpoint (its JMX exporter); None when it cannot be read."""
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return None
    m = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def read_numbers(topic, count):
    """Every counter in the topic, read back by streamlab from the beginning: {number: times}."""
    out = streamlab("consume", "-b", BROKERS, "-t", topic, "-g", fresh("read"), "--from", "beginning", "--show",
                    "raw", "--until-end", timeout=300).stdout
    return collections.Counter(json.loads(line)["number"] for line in out.splitlines())


class Failover(unittest.TestCase):
    @classmethod
    def tearDownClass(cls):
        cluster("stop", "kafka")

    def setUp(self):
        cluster("start", "kafka")  # a node an earlier test killed comes back

    def test_producer_across_a_leader_failover(self):
        topic = fresh("fo-produce")
        create_topic(topic, 3)
        self.assertTrue(all(len(p["replicas"]) == 3 for p in partitions(topic)), partitions(topic))
        producer = Producer(topic, PRODUCE_COUNT, PRODUCE_RATE)
        wait_until(lambda: producer.acked() >= PRODUCE_COUNT // 8 or producer.proc.poll() is not None, 60,
                   "an eighth acknowledged")
        self.assertIsNone(producer.proc.poll(), "the producer ended before the fault")
        victim = leader_of(topic, 0)
        cluster("kill", "kafka", str(victim))
        code, summary, err = producer.finish()
        self.assertEqual(code, 0, err[-3000:])
        self.assertEqual(summary["acked"], PRODUCE_COUNT, summary)
        self.assertIn("leader", err)  # "topic '…' partition 0: leader 2 -> 3"
        self.assertGreaterEqual(summary["kafka"]["disconnects"], 1, summary)
        # The brokers' own view of the failover: a survivor counts the dead node's replicas as
        # under-replicated.
        survivor = METRICS[victim % 3]
        wait_until(lambda: (broker_metric(survivor, "kafka_server_replicamanager_underreplicatedpartitions") or 0) > 0,
                   60, "a survivor reporting under-replicated partitions")
        shrinks = broker_metric(survivor, "kafka_server_replicamanager_isrshrinkspersec_total")

        cluster("start", "kafka")
        wait_until(lambda: broker_metric(survivor, "kafka_server_replicamanager_underreplicatedpartitions") == 0, 120,
                   "every partition fully replicated again, by the survivor's metrics")
        got = read_numbers(topic, PRODUCE_COUNT)
        duplicates = sum(n - 1 for n in got.values() if n > 1)
        lost = sum(1 for n in range(PRODUCE_COUNT) if n not in got)
        print(f"\nfailover while producing: node {victim} killed; produced {summary['acked']}, read back "
              f"{sum(got.values())}, duplicates {duplicates}, lost {lost}; kafka {summary['kafka']}; "
              f"the longest wait for an acknowledgement {summary['longest_ack_wait_s']:.1f} s; the survivor's "
              f"ISR shrinks {shrinks}", file=sys.stderr)
        self.assertEqual((lost, duplicates, len(got)), (0, 0, PRODUCE_COUNT))

    def test_sinks_across_a_leader_failover(self):
        topic = fresh("fo-sinks")
        create_topic(topic, 3)
        name = fresh("t").replace("-", "_")
        stores = {"postgres": PostgresStore(name), "redis": RedisStore(name), "ignite": IgniteStore(name)}
        groups = {kind: fresh("g") for kind in stores}
        producer = Producer(topic, SINK_COUNT, SINK_RATE)
        sinks = {kind: SinkProcess(topic, groups[kind], store.uri, name, batch_rows=500)
                 for kind, store in stores.items()}
        try:
            wait_until(lambda: all(s.count(topic) >= SINK_COUNT // 6 for s in stores.values())
                       or producer.proc.poll() is not None, 120, "a sixth stored by every sink")
            victim = leader_of(topic, 0)
            cluster("kill", "kafka", str(victim))
            code, summary, err = producer.finish()
            self.assertEqual(code, 0, err[-3000:])
            for kind, store in stores.items():
                wait_until(lambda: store.count(topic) >= SINK_COUNT or sinks[kind].proc.poll() is not None, 180,
                           f"everything stored in {kind}")
            for kind, sink in sinks.items():
                sink.proc.terminate()
                code, _ = sink.finish()
                self.assertEqual(code, 0, f"{kind}: {sink.story()}")
            cluster("start", "kafka")
            for kind, store in stores.items():
                with self.subTest(kind):
                    assert_exactly_once(self, store, topic, groups[kind])
        finally:
            for store in stores.values():
                try:
                    store.cleanup()
                except Exception:  # noqa: BLE001 - a failed test's leftovers must not hide its failure
                    pass

    def test_cluster_serves_while_the_quorum_leader_restarts(self):
        before = fresh("fo-quorum")
        create_topic(before, 3)
        victim = quorum_leader()
        cluster("kill", "kafka", str(victim))
        # A new topic needs the active controller: the two others elect one among themselves.
        during = fresh("fo-quorum")
        wait_until(lambda: streamlab("topic", "create", "-b", BROKERS, "-t", during, "-p", "3",
                                     check=False).returncode == 0, 60, "a topic created without the old leader")
        self.assertNotEqual(quorum_leader(), victim)
        for topic in (before, during):  # acks=all takes two in-sync replicas of three
            code, summary, err = Producer(topic, 30_000, 0).finish()
            self.assertEqual(code, 0, err[-3000:])
        cluster("start", "kafka")
        wait_until(lambda: fully_replicated(before), 120, f"node {victim} back in every partition's ISR")
        for topic in (before, during):
            got = read_numbers(topic, 30_000)
            self.assertEqual((len(got), sum(got.values())), (30_000, 30_000))


if __name__ == "__main__":
    unittest.main(verbosity=2)
