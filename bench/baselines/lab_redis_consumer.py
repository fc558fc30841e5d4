#!/usr/bin/env python3
"""The lab's Redis consumer (ConsumerRedis.py), re-created from its per-message logic.

For each Kafka message: json.loads the value, then THREE `RPUSH` through redis-py, one per
field, each its own round trip (no pipeline, no MULTI), onto three lists:
<prefix>:id, <prefix>:texto, <prefix>:fecha - the same (id, texto, fecha) the lab's
PostgreSQL consumer stored. Kafka offsets: kafka-python's auto-commit, nothing in Redis.

Row mapping:
  tweet    id = id_str, texto = the text (extended_tweet.full_text when truncated), fecha = created_at
  counter  id = the number, texto = the message as received, fecha = now()

Usage: lab_redis_consumer.py --brokers B --topic T --group G --redis URL --prefix P --count N
Prints one JSON line: rows, seconds (first message received -> last RPUSH answered), rows_per_s.
"""
import argparse
import json
import sys
import time
from datetime import datetime, timezone

import redis
from kafka import KafkaConsumer


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--redis", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--timeout-s", type=float, default=120, help="give up after this long without a message")
    a = ap.parse_args()

    r = redis.Redis.from_url(a.redis)
    keys = [f"{a.prefix}:id", f"{a.prefix}:texto", f"{a.prefix}:fecha"]
    consumer = KafkaConsumer(a.topic, bootstrap_servers=a.brokers, group_id=a.group,
                             auto_offset_reset="earliest", consumer_timeout_ms=int(a.timeout_s * 1000))
    n = 0
    first = None
    for msg in consumer:
        if first is None:
            first = time.monotonic()
        doc = json.loads(msg.value)
        if "number" in doc:
            id_, texto, fecha = str(doc["number"]), msg.value.decode(), datetime.now(timezone.utc).isoformat()
        else:
            id_ = doc.get("id_str")
            texto = doc.get("extended_tweet", {}).get("full_text") or doc.get("text")
            fecha = doc.get("created_at")
        r.rpush(keys[0], id_)
        r.rpush(keys[1], texto)
        r.rpush(keys[2], fecha)
        n += 1
        if n >= a.count:
            break
    last = time.monotonic()
    consumer.close()
    stored = min(r.llen(k) for k in keys)
    secs = last - first if first is not None else 0.0
    print(json.dumps({"consumer": "lab-redis", "rows": stored, "consumed": n, "seconds": secs,
                      "rows_per_s": stored / secs if secs > 0 else 0.0}))
    return 0 if stored == a.count else 1


if __name__ == "__main__":
    sys.exit(main())
