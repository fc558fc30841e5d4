"""Readiness probe of the local Ignite node, run by deploy/local/services with .local/venv's python.

    ignite_probe.py HOST PORT

Ready = a thin client (pyignite) completes the handshake and the cluster is ACTIVE; a cluster that
is not (a persistent one starts INACTIVE the first time) is activated. Exits 0 when ready, 1
otherwise, saying why on stderr.
"""
import logging
import sys

from pyignite import Client
from pyignite.datatypes import ClusterState


class OneLine(logging.Formatter):
    """pyignite logs a failed handshake with its traceback: the message alone is enough here."""

    def format(self, record):
        return record.getMessage()


def main():
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLine())
    logging.getLogger("pyignite").addHandler(handler)
    host, port = sys.argv[1], int(sys.argv[2])
    # One node, one connection: no partition awareness (it would reconnect in the background).
    client = Client(partition_aware=False, timeout=10, handshake_timeout=10)
    with client.connect(host, port):
        cluster = client.get_cluster()
        state = cluster.get_state()
        if state != ClusterState.ACTIVE:
            print("cluster state %d: activating" % state, file=sys.stderr)
            cluster.set_state(ClusterState.ACTIVE)
            state = cluster.get_state()
    return 0 if state == ClusterState.ACTIVE else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # not ready, whatever the reason: the caller polls again
        print("%s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(1)
