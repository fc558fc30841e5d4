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
import argparse
import json
import sys
import time
from datetime import datetime, timezone

import psycopg2
from kafka import KafkaConsumer


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--table", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--commit-every", type=int, default=0, help="0: one commit at the end")
    ap.add_argument("--timeout-s", type=float, default=120, help="give up after this long without a message")
    a = ap.parse_args()

    conn = psycopg2.connect(a.dsn)
    cur = conn.cursor()
    # The table name is the harness's own (checked: letters, digits, _), never user input.
    if not a.table.replace("_", "").isalnum():
        sys.exit("bad table name")
    cur.execute(f"CREATE TABLE {a.table} (id text, texto text, fecha text)")
    conn.commit()
    insert = f"INSERT INTO {a.table} (id, texto, fecha) VALUES (%s, %s, %s)"

    consumer = KafkaConsumer(a.topic, bootstrap_servers=a.brokers, group_id=a.group,
                             auto_offset_reset="earliest", consumer_timeout_ms=int(a.timeout_s * 1000))
    n = 0
    first = None
    for msg in consumer:
        if first is None:
            first = time.monotonic()
        doc = json.loads(msg.value)
        if "number" in doc:
            row = (str(doc["number"]), msg.value.decode(), datetime.now(timezone.utc).isoformat())
        else:
            text = doc.get("extended_tweet", {}).get("full_text") or doc.get("text")
            row = (doc.get("id_str"), text, doc.get("created_at"))
        cur.execute(insert, row)
        n += 1
        if a.commit_every and n % a.commit_every == 0:
            conn.commit()
        if n >= a.count:
            break
    conn.commit()
    last = time.monotonic()
    consumer.close()
    cur.execute(f"SELECT count(*) FROM {a.table}")
    stored = cur.fetchone()[0]
    conn.close()
    secs = last - first if first is not None else 0.0
    print(json.dumps({"consumer": "lab-postgres", "rows": stored, "consumed": n, "seconds": secs,
                      "rows_per_s": stored / secs if secs > 0 else 0.0,
                      "commits": "every %d" % a.commit_every if a.commit_every else "once at the end"}))
    return 0 if stored == a.count else 1


if __name__ == "__main__":
    sys.exit(main())
