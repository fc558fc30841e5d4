"""Imported first by the fault tests that read Ignite back with pyignite (the lab's client, from
PyPI, not a Debian package): run by /usr/bin/python3 (ctest's fault/test_*.py glob), such a test
re-executes itself with .local/venv's python (deploy/local/python-env makes it; it also has
psycopg2 and redis for harness.py)."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_PYTHON = os.path.join(ROOT, ".local", "venv", "bin", "python")

try:
    import pyignite  # noqa: F401
except ImportError:
    if os.path.exists(VENV_PYTHON) and sys.prefix == sys.base_prefix:  # not in a venv yet: no loop
        os.execv(VENV_PYTHON, [VENV_PYTHON, os.path.abspath(sys.argv[0]), *sys.argv[1:]])
    sys.exit("pyignite is missing: run deploy/local/python-env (it makes .local/venv)")
