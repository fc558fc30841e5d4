"""Readiness probe of the local Ignite node, run by deploy/local/services with .local/venv's python.

    ignite_probe.py HOST PORT
    ignite_probe.py HOST PORT --cacert CA --superuser-password-file F --user USER --password-file G

Ready = a thin client (pyignite) completes the handshake and the cluster is ACTIVE; a cluster that
is not (a persistent one starts INACTIVE the first time) is activated. Exits 0 when ready, 1
otherwise, saying why on stderr.

With --cacert (secure mode) it speaks TLS, verifying the server's certificate against CA, and logs
in: ready = USER logs in with the password in G and finds the cluster ACTIVE. When it cannot, the
superuser `ignite` sets things up: it logs in with the password in F, or, on a node's first start,
with Ignite's default one, which it then changes to F's; it activates the cluster and creates USER
(or resets its password to G's). Passwords are read from their files, never from the command line.
"""
import argparse
import contextlib
import logging
import ssl
import sys

from pyignite import Client
from pyignite.datatypes import ClusterState
from pyignite.exceptions import AuthenticationError, SQLError

SUPERUSER = "ignite"
DEFAULT_SUPERUSER_PASSWORD = "ignite"  # Ignite's, for a cluster whose users were never set


class OneLine(logging.Formatter):
    """pyignite logs a failed handshake with its traceback: the message alone is enough here."""

    def format(self, record):
        return masked(record.getMessage())


SECRETS = []  # the passwords read, masked in what the probe prints (deploy/local/services logs it)


def read_secret(path):
    with open(path, encoding="ascii") as f:
        secret = f.read().strip()
    SECRETS.append(secret)
    return secret


def masked(text):
    for secret in SECRETS:
        if secret:
            text = text.replace(secret, "<password>")
    return text


def sql_literal(s):
    return "'" + s.replace("'", "''") + "'"


class Node:
    def __init__(self, args):
        self.host, self.port = args.host, args.port
        self.tls = {}
        if args.cacert:
            self.tls = dict(use_ssl=True, ssl_ca_certfile=args.cacert, ssl_cert_reqs=ssl.CERT_REQUIRED)

    def connect(self, username=None, password=None):
        """A connected client, for the caller to close. One node, one connection: no partition
        awareness (it would reconnect in the background)."""
        auth = {} if username is None else dict(username=username, password=password)
        client = Client(partition_aware=False, timeout=10, handshake_timeout=10, **self.tls, **auth)
        try:
            client.connect(self.host, self.port)
        except BaseException:
            client.close()
            raise
        return client

    def client(self, username=None, password=None):
        """connect() in a with statement."""
        return contextlib.closing(self.connect(username, password))


def active(client):
    """True once the cluster is ACTIVE, activating it if it is not."""
    cluster = client.get_cluster()
    state = cluster.get_state()
    if state != ClusterState.ACTIVE:
        print("cluster state %d: activating" % state, file=sys.stderr)
        cluster.set_state(ClusterState.ACTIVE)
        state = cluster.get_state()
    return state == ClusterState.ACTIVE


def run(client, statement):
    with client.sql(statement) as cursor:
        for _ in cursor:
            pass


def superuser(node, password):
    """The superuser, logged in: with its password, or on a first start with the default one
    (then also True: the password is still to be changed, which needs an active cluster)."""
    try:
        return node.connect(SUPERUSER, password), False
    except AuthenticationError:
        pass
    try:
        return node.connect(SUPERUSER, DEFAULT_SUPERUSER_PASSWORD), True
    except AuthenticationError:
        raise RuntimeError(
            "the superuser %r accepts neither the password in its file nor the default one: was the "
            "file replaced? (remove the node's directory to start over)" % SUPERUSER) from None


def set_up(node, args):
    """As the superuser: the cluster active, the superuser's default password changed, USER there
    with its password. User management needs an active cluster: activation comes first."""
    password = read_secret(args.password_file)
    superuser_password = read_secret(args.superuser_password_file)
    client, default_password = superuser(node, superuser_password)
    with contextlib.closing(client):
        if not active(client):
            return
        if default_password:
            print("changing the superuser's default password", file=sys.stderr)
            run(client, 'ALTER USER "%s" WITH PASSWORD %s' % (SUPERUSER, sql_literal(superuser_password)))
        try:
            run(client, 'CREATE USER "%s" WITH PASSWORD %s' % (args.user, sql_literal(password)))
            print("created user %r" % args.user, file=sys.stderr)
        except SQLError as e:
            if "already exists" not in str(e):
                raise
            print("user %r exists: setting its password" % args.user, file=sys.stderr)
            run(client, 'ALTER USER "%s" WITH PASSWORD %s' % (args.user, sql_literal(password)))


def ready_as_user(node, args):
    try:
        with node.client(args.user, read_secret(args.password_file)) as client:
            return client.get_cluster().get_state() == ClusterState.ACTIVE
    except AuthenticationError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--cacert")
    parser.add_argument("--superuser-password-file")
    parser.add_argument("--user")
    parser.add_argument("--password-file")
    args = parser.parse_args()
    if args.cacert and not (args.superuser_password_file and args.user and args.password_file):
        parser.error("--cacert needs --superuser-password-file, --user and --password-file")

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLine())
    logging.getLogger("pyignite").addHandler(handler)
    node = Node(args)
    if not args.cacert:
        with node.client() as client:
            return 0 if active(client) else 1
    if ready_as_user(node, args):
        return 0
    set_up(node, args)
    return 0 if ready_as_user(node, args) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # not ready, whatever the reason: the caller polls again
        print(masked("%s: %s" % (type(e).__name__, e)), file=sys.stderr)
        sys.exit(1)
