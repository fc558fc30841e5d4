"""Exactly once into an Ignite cluster that loses a node: a two-node cluster in memory that this
script starts (deploy/local/services with STREAMLAB_IGNITE_NODES=2, on ports of its own so the
single node of the other tests keeps running) and stops at the end. The sink's tables keep a
backup of each partition on the other node, written before a write is answered, and the sink
is given both nodes' addresses. The node the sink talks to is killed (SIGKILL) while it stores a
backlog: the sink goes on with the other node, and `streamlab verify` and pyignite (through the
surviving node) find every message exactly once. The client's partition awareness (key ->
partition -> node) is checked against where this cluster keeps each key.

Needs pyignite: run by /usr/bin/python3 (ctest), the script re-executes itself with .local/venv's
python (deploy/local/python-env)."""
import os
import sys

from with_pyignite import ROOT  # noqa: E402  (first: may re-execute this script with .local/venv's python)

import re  # noqa: E402
import subprocess  # noqa: E402
import unittest  # noqa: E402

from harness import (IgniteStore, SinkProcess, assert_exactly_once, create_topic, fresh, produce,  # noqa: E402
                     wait_until)

SERVICES = os.path.join(ROOT, "deploy", "local", "services")
BASE = int(os.environ.get("STREAMLAB_TEST_IGNITE_PORT", "10810"))
CLUSTER_ENV = {
    **os.environ,
    "STREAMLAB_IGNITE_NODES": "2",
    "STREAMLAB_IGNITE_PORT": str(BASE),
    "STREAMLAB_IGNITE_DISCOVERY_PORT": str(47500 + 100),
    "STREAMLAB_IGNITE_COMMUNICATION_PORT": str(47100 + 100),
    "STREAMLAB_IGNITE_HEAP": "-Xms512m -Xmx512m",
    "STREAMLAB_IGNITE_REGION_MB": "512",
}
COUNT = 60_000


def cluster(*args, timeout=300):
    p = subprocess.run([SERVICES, *args], env=CLUSTER_ENV, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"services {' '.join(args)} exited {p.returncode}: {p.stderr[-3000:]}")
    return p


class IgniteFailover(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cluster("start", "ignite")
        cls.uri = re.search(r"STREAMLAB_IGNITE=(\S+)", cluster("env", "ignite").stdout).group(1).replace("\\,", ",")

    @classmethod
    def tearDownClass(cls):
        cluster("stop", "ignite")

    def setUp(self):
        cluster("start", "ignite")  # a node an earlier test killed comes back (and gets its backups again)

    def run_case(self, victim):
        self.assertEqual(self.uri.count(","), 1, self.uri)
        topic, group, table = fresh("ifo"), fresh("g"), fresh("t").replace("-", "_")
        create_topic(topic, 3)
        produce(topic, "counter", COUNT)
        store = IgniteStore(table, self.uri)
        sink = SinkProcess(topic, group, self.uri, table, "--until-end", batch_rows=500)
        wait_until(lambda: store.count(topic) >= COUNT // 4 or sink.proc.poll() is not None, 120, "a quarter stored")
        self.assertIsNone(sink.proc.poll(), sink.story())
        cluster("kill", "ignite", str(victim))
        code, _ = sink.finish(timeout=300)
        self.assertEqual(code, 0, sink.story())
        survivor = IgniteStore(table, "ignite://" + self.uri.split("://")[1].split(",")[2 - victim])
        self.assertEqual(survivor.count(topic), COUNT)  # pyignite, through the surviving node
        assert_exactly_once(self, store, topic, group)
        print(f"\nignite node {victim} killed with {COUNT} counters to store: the sink exited 0; "
              f"its log:\n{sink.story(1500)}", file=sys.stderr)

    def test_partition_awareness_agrees_with_the_cluster(self):
        """streamlab's key -> partition -> node against where the cluster keeps each key: the C++
        tests of tests/integration/test_ignite_partition_awareness.cpp, run against this cluster."""
        binary = os.path.join(os.path.dirname(os.path.abspath(os.environ.get("STREAMLAB_BINARY", "build/streamlab"))),
                              "tests", "integration_tests")
        p = subprocess.run([binary, "--gtest_filter=IgnitePartitionAwareness.*"], capture_output=True, text=True,
                           timeout=300, env={**os.environ, "STREAMLAB_IGNITE_CLUSTER": self.uri})
        self.assertEqual(p.returncode, 0, p.stdout[-3000:] + p.stderr[-2000:])
        self.assertIn("[  PASSED  ] 3 tests", p.stdout)  # run, not skipped

    def test_the_node_the_sink_uses_dies(self):
        self.run_case(1)  # the first address: the one the sink connected to

    def test_the_other_node_dies(self):
        self.run_case(2)  # the primary of about half the rows, and the backup of the others


if __name__ == "__main__":
    unittest.main(verbosity=2)
