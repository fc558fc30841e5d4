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
import argparse
import json
import sys
import time
from datetime import datetime, timezone

from kafka import KafkaConsumer
from pyignite import Client


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--ignite", required=True, help="ignite://host:port")
    ap.add_argument("--table", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--drop", action="store_true", help="drop the table after counting its rows")
    ap.add_argument("--timeout-s", type=float, default=120, help="give up after this long without a message")
    a = ap.parse_args()

    host, _, port = a.ignite.split("://", 1)[-1].split("?", 1)[0].partition(":")
    client = Client(timeout=60)
    client.connect(host or "127.0.0.1", int(port or 10800))
    # The table name is the harness's own (checked: letters, digits, _), never user input.
    if not a.table.replace("_", "").isalnum():
        sys.exit("bad table name")
    client.sql(f"CREATE TABLE {a.table} (pk INT PRIMARY KEY, id VARCHAR, texto VARCHAR, fecha VARCHAR) "
               "WITH \"template=partitioned,backups=0,atomicity=atomic\"").close()
    insert = f"INSERT INTO {a.table} (pk, id, texto, fecha) VALUES (?, ?, ?, ?)"

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
        client.sql(insert, query_args=[n, *row]).close()
        n += 1
        if n >= a.count:
            break
    last = time.monotonic()
    consumer.close()
    with client.sql(f"SELECT COUNT(*) FROM {a.table}") as cur:
        stored = next(cur)[0]
    if a.drop:
        client.sql(f"DROP TABLE {a.table}").close()
    client.close()
    secs = last - first if first is not None else 0.0
    print(json.dumps({"consumer": "lab-ignite", "rows": stored, "consumed": n, "seconds": secs,
                      "rows_per_s": stored / secs if secs > 0 else 0.0}))
    return 0 if stored == a.count else 1


if __name__ == "__main__":
    sys.exit(main())
