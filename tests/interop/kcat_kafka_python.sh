#!/usr/bin/env bash
# Interop with Kafka clients nobody here wrote: kcat (Debian) and kafka-python (Debian's
# python3-kafka, the lab's own client). Usage: kcat_kafka_python.sh STREAMLAB_BINARY
set -euo pipefail
streamlab=$1
: "${STREAMLAB_BROKERS:?run through make test (needs the local Kafka)}"
b=$STREAMLAB_BROKERS
run=$$-$(date +%s%N)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. kcat produces, streamlab consumes.
t1=interop-kcat-to-streamlab-$run
"$streamlab" topic create -b "$b" -t "$t1" -p 3 2>/dev/null
seq 0 4999 | sed 's/.*/{"number": &}/' > "$work/counters.jsonl"
kcat -b "$b" -t "$t1" -P -l "$work/counters.jsonl"
"$streamlab" consume -b "$b" -t "$t1" -g "$t1" --from beginning --show --count 5000 --idle-exit 30 \
  2>/dev/null | sort -n > "$work/got1"
seq 0 4999 > "$work/want1"
cmp -s "$work/got1" "$work/want1" || fail "streamlab did not read what kcat produced"
echo "ok: kcat -> streamlab (5000 counters)"

# 2. streamlab produces, kcat and kafka-python consume the same messages.
t2=interop-streamlab-to-others-$run
"$streamlab" topic create -b "$b" -t "$t2" -p 3 2>/dev/null
"$streamlab" produce -b "$b" -t "$t2" --source counter --count 5000 2>/dev/null
kcat -b "$b" -t "$t2" -C -e -q -o beginning -f '%s\n' | sort > "$work/got2"
sort "$work/counters.jsonl" > "$work/want2"
cmp -s "$work/got2" "$work/want2" || fail "kcat did not read what streamlab produced"
echo "ok: streamlab -> kcat (5000 counters)"

/usr/bin/python3 - "$b" "$t2" > "$work/got3" <<'PY'
import sys
from kafka import KafkaConsumer
brokers, topic = sys.argv[1], sys.argv[2]
consumer = KafkaConsumer(topic, bootstrap_servers=brokers.split(","), auto_offset_reset="earliest",
                         group_id=None, consumer_timeout_ms=10000, api_version=(2, 0, 0))
seen = []
for m in consumer:
    seen.append(m.value.decode("utf-8"))
    if len(seen) == 5000:
        break
consumer.close()
print("\n".join(sorted(seen)))
PY
cmp -s "$work/got3" "$work/want2" || fail "kafka-python did not read what streamlab produced"
echo "ok: streamlab -> kafka-python (5000 counters)"

# 3. Real tweets: streamlab replays the corpus, kcat reads it back byte for byte.
t3=interop-tweets-$run
corpus=${STREAMLAB_CORPUS:-$(dirname "$0")/../../data/corpus/tweets.jsonl}
"$streamlab" topic create -b "$b" -t "$t3" -p 1 2>/dev/null
"$streamlab" produce -b "$b" -t "$t3" --source tweets --file "$corpus" 2>/dev/null
n=$(grep -c '[^[:space:]]' "$corpus")
kcat -b "$b" -t "$t3" -C -e -q -o beginning -c "$n" -f '%s\n' > "$work/got4"
grep '[^[:space:]]' "$corpus" > "$work/want4"
cmp -s "$work/got4" "$work/want4" || fail "kcat did not read the corpus back byte for byte"
echo "ok: streamlab -> kcat ($n real tweets, byte-identical)"
