#!/usr/bin/env python3
"""The lab's Apache Ignite consumer, re-created from its per-message logic.

For each Kafka message: json.loads the value, then ONE `INSERT INTO table (id, texto, fecha)
VALUES (?, ?, ?)` through pyignite's SQL API (`client.sql`), each its own round trip - no
batching, no stored offsets, Kafka's auto-commit as kafka-python defaults it. Ignite's SQL DML
on an ATOMIC table is applied as it is answered: there is no transaction to commit.
The table has a surrogate key (an INT `pk`, the message's sequence number in this run) because
an Ignite SQL table needs a primary key; the lab's columns are (id, texto, fecha).

Row mapping (as in lab_postgres_consumer.py):
  tweet    id = id_str, texto = the text (extended_tweet.full_text when truncated), fecha = created_at
  counter  id = the number, texto = the message as received, fecha = now()

Usage: lab_ignite_consumer.py --brokers B --topic T --group G --ignite ignite://HOST:PORT --table T --count N
Prints one JSON line: rows, seconds (first message received -> last INSERT answered), rows_per_s.
--drop drops the table at the end (after counting).
"""
import os
import sys

from pyignite import Client

from lab_common import consume, parse_args, report


def store_args(ap):
    # The store's URI: streamlab bench passes it in the environment, so that a password in it
    # is not on this process's command line.
    ap.add_argument("--ignite", default=os.environ.get("LAB_STORE_URI"), help="(default $LAB_STORE_URI)")
    ap.add_argument("--table", required=True)
    ap.add_argument("--drop", action="store_true", help="drop the table after counting its rows")


def main():
    a = parse_args(__doc__, store_args)
    if not a.ignite:
        sys.exit("--ignite or LAB_STORE_URI is needed")
    # The table name is the harness's own (checked: letters, digits, _), never user input.
    if not a.table.replace("_", "").isalnum():
        sys.exit("bad table name")
    host, _, port = a.ignite.split("://", 1)[-1].split("?", 1)[0].partition(":")
    client = Client(timeout=60)
    client.connect(host or "127.0.0.1", int(port or 10800))
    client.sql(f"CREATE TABLE {a.table} (pk INT PRIMARY KEY, id VARCHAR, texto VARCHAR, fecha VARCHAR) "
               "WITH \"template=partitioned,backups=0,atomicity=atomic\"").close()
    insert = f"INSERT INTO {a.table} (pk, id, texto, fecha) VALUES (?, ?, ?, ?)"

    n, secs = consume(a, lambda i, row: client.sql(insert, query_args=[i, *row]).close())
    with client.sql(f"SELECT COUNT(*) FROM {a.table}") as cur:
        stored = next(cur)[0]
    if a.drop:
        client.sql(f"DROP TABLE {a.table}").close()
    client.close()
    report("lab-ignite", stored, n, secs)
    return 0 if stored == a.count else 1


if __name__ == "__main__":
    sys.exit(main())
