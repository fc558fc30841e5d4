#!/usr/bin/env python3
"""The lab's PostgreSQL consumer (ConsumerPS.py), re-created from its per-message logic.

For each Kafka message: json.loads the value, then ONE `INSERT INTO table (id, texto, fecha)`
through psycopg2 - no batching, no stored offsets, Kafka's auto-commit as kafka-python
defaults it. The lab never committed its database transaction at all (so nothing it "stored"
survived the process); here the transaction is committed once at the end (or every
--commit-every messages) so the rows can be counted. That is as generous to the lab as it gets:
one commit for the whole run costs less than a commit per message would.

Row mapping (a (id, texto, fecha) table like the lab's):
  tweet    id = id_str, texto = the text (extended_tweet.full_text when truncated), fecha = created_at
  counter  id = the number, texto = the message as received, fecha = now()

Usage: lab_postgres_consumer.py --brokers B --topic T --group G --dsn DSN --table T --count N
Prints one JSON line: rows, seconds (first message received -> last commit done), rows_per_s.
"""
import os
import sys

import psycopg2

from lab_common import consume, parse_args, report


def store_args(ap):
    # The store's URI: streamlab bench passes it in the environment, so that a password in it
    # is not on this process's command line.
    ap.add_argument("--dsn", default=os.environ.get("LAB_STORE_URI"), help="(default $LAB_STORE_URI)")
    ap.add_argument("--table", required=True)
    ap.add_argument("--commit-every", type=int, default=0, help="0: one commit at the end")


def main():
    a = parse_args(__doc__, store_args)
    if not a.dsn:
        sys.exit("--dsn or LAB_STORE_URI is needed")
    # The table name is the harness's own (checked: letters, digits, _), never user input.
    if not a.table.replace("_", "").isalnum():
        sys.exit("bad table name")
    conn = psycopg2.connect(a.dsn)
    cur = conn.cursor()
    cur.execute(f"CREATE TABLE {a.table} (id text, texto text, fecha text)")
    conn.commit()
    insert = f"INSERT INTO {a.table} (id, texto, fecha) VALUES (%s, %s, %s)"

    def store_row(i, row):
        cur.execute(insert, row)
        if a.commit_every and (i + 1) % a.commit_every == 0:
            conn.commit()

    n, secs = consume(a, store_row)
    conn.commit()
    cur.execute(f"SELECT count(*) FROM {a.table}")
    stored = cur.fetchone()[0]
    conn.close()
    report("lab-postgres", stored, n, secs,
           commits="every %d" % a.commit_every if a.commit_every else "once at the end")
    return 0 if stored == a.count else 1


if __name__ == "__main__":
    sys.exit(main())
