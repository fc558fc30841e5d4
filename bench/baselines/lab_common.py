"""What the lab-style consumers share: their command line, the lab's row mapping, the
per-message consume loop and the one JSON line they print. Each consumer keeps only its
store's per-message call, which is the lab logic being measured."""
import argparse
import json
import time
from datetime import datetime, timezone

from kafka import KafkaConsumer


def parse_args(doc, add_store_args):
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--timeout-s", type=float, default=120, help="give up after this long without a message")
    add_store_args(ap)
    return ap.parse_args()


def lab_row(value):
    """(id, texto, fecha) of one message, as the lab's consumers mapped it."""
    doc = json.loads(value)
    if "number" in doc:
        return str(doc["number"]), value.decode(), datetime.now(timezone.utc).isoformat()
    text = doc.get("extended_tweet", {}).get("full_text") or doc.get("text")
    return doc.get("id_str"), text, doc.get("created_at")


def consume(a, store_row):
    """Calls store_row(i, row) for each of the first --count messages; returns (n, seconds from
    the first message received to the last store_row answered)."""
    consumer = KafkaConsumer(a.topic, bootstrap_servers=a.brokers, group_id=a.group,
                             auto_offset_reset="earliest", consumer_timeout_ms=int(a.timeout_s * 1000))
    n = 0
    first = None
    for msg in consumer:
        if first is None:
            first = time.monotonic()
        store_row(n, lab_row(msg.value))
        n += 1
        if n >= a.count:
            break
    last = time.monotonic()
    consumer.close()
    return n, (last - first if first is not None else 0.0)


def report(name, stored, consumed, secs, **extra):
    print(json.dumps({"consumer": name, "rows": stored, "consumed": consumed, "seconds": secs,
                      "rows_per_s": stored / secs if secs > 0 else 0.0, **extra}))
