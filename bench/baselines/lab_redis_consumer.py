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
import os
import sys

import redis

from lab_common import consume, parse_args, report


def store_args(ap):
    # The store's URI: streamlab bench passes it in the environment, so that a password in it
    # is not on this process's command line.
    ap.add_argument("--redis", default=os.environ.get("LAB_STORE_URI"), help="(default $LAB_STORE_URI)")
    ap.add_argument("--prefix", required=True)


def main():
    a = parse_args(__doc__, store_args)
    if not a.redis:
        sys.exit("--redis or LAB_STORE_URI is needed")
    r = redis.Redis.from_url(a.redis, password=os.environ.get("REDISCLI_AUTH") or None)  # the URL's wins
    keys = [f"{a.prefix}:id", f"{a.prefix}:texto", f"{a.prefix}:fecha"]

    def store_row(_i, row):
        for key, value in zip(keys, row):
            r.rpush(key, value)

    n, secs = consume(a, store_row)
    stored = min(r.llen(k) for k in keys)
    report("lab-redis", stored, n, secs)
    return 0 if stored == a.count else 1


if __name__ == "__main__":
    sys.exit(main())
