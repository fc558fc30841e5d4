"""pyignite (the 2019 lab's Ignite client) on the other side of streamlab's C++ thin client.

Run by tests/integration/test_ignite_client.cpp with .local/venv/bin/python:

  ignite_pyignite.py read HOST PORT CACHE TABLE
      Reads what the C++ client wrote: entries of CACHE (int key 1, long key 2, string key "row")
      and every row of SQL table TABLE; prints them as one JSON object on stdout.
  ignite_pyignite.py write HOST PORT CACHE TABLE
      Writes what the C++ client then reads: the same kinds of entries into CACHE (the complex
      object as type streamlab.PyRow) and rows into a new SQL table TABLE (one INSERT each, the
      way the lab did); prints the values it wrote as JSON.

Exit status 0 on success; errors go to stderr with a traceback.
"""

import json
import sys
from collections import OrderedDict

from pyignite import Client, GenericObjectMeta
from pyignite.datatypes import BoolObject, DoubleObject, IntObject, LongObject, String

UNICODE_TEXT = "Fútbol en Santiago ¿porque? ñandú 💥⚽ 日本語 — ok"
PY_ROWS = [(1, "uno ñ", 10), (2, "dos 💥", 20), (3, "tres 日本", 2 ** 40)]


class PyRow(
    metaclass=GenericObjectMeta,
    type_name="streamlab.PyRow",
    schema=OrderedDict([("NAME", String), ("COUNT", IntObject), ("TOTAL", LongObject),
                        ("RATIO", DoubleObject), ("FLAG", BoolObject)]),
):
    pass


def execute(client, sql, args=None):
    """Runs one statement and fetches its whole result (pyignite runs it lazily otherwise)."""
    with client.sql(sql, query_args=args) as cur:
        return [list(r) for r in cur]


def fields_of(obj):
    """A complex object's fields as a dict, in its schema's order."""
    return OrderedDict((name, getattr(obj, name)) for name in obj.schema)


def read(client, cache_name, table):
    cache = client.get_cache(cache_name)
    out = OrderedDict()
    out["int_key"] = cache.get(1, key_hint=IntObject)
    out["long_key"] = cache.get(2, key_hint=LongObject)
    row = cache.get("row")
    out["object_type"] = type(row).__name__ if row is not None else None
    out["object"] = fields_of(row) if row is not None else None
    out["rows"] = execute(client, "SELECT KAFKA_PARTITION, KAFKA_OFFSET, TEXT FROM {} ORDER BY KAFKA_OFFSET".format(table))
    out["count"] = execute(client, "SELECT COUNT(*) FROM {}".format(table))[0][0]
    return out


def write(client, cache_name, table):
    cache = client.get_or_create_cache(cache_name)
    cache.put(1, UNICODE_TEXT, key_hint=IntObject)
    cache.put(2, -(2 ** 62), key_hint=LongObject)
    cache.put("obj", PyRow(NAME=UNICODE_TEXT, COUNT=7, TOTAL=2 ** 40, RATIO=0.5, FLAG=True))
    execute(client, "CREATE TABLE {} (id INT PRIMARY KEY, texto VARCHAR, n BIGINT)".format(table))
    for row in PY_ROWS:
        execute(client, "INSERT INTO {} (id, texto, n) VALUES (?, ?, ?)".format(table), list(row))
    return OrderedDict([("text", UNICODE_TEXT), ("rows", PY_ROWS)])


def main():
    if len(sys.argv) != 6 or sys.argv[1] not in ("read", "write"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, host, port, cache_name, table = sys.argv[1:]
    client = Client(timeout=30)
    client.connect(host, int(port))
    try:
        result = read(client, cache_name, table) if mode == "read" else write(client, cache_name, table)
    finally:
        client.close()
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
