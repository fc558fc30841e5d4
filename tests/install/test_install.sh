#!/usr/bin/env bash
# The installed binary works away from the checkout: `cmake --install` into a temporary prefix,
# then, in a private mount namespace where the checkout's web/dist, bench/ and deploy/ are
# empty, `consume --web` serves the installed page and `bench --scenario rest` writes a full
# report; and the .deb is one apt-get accepts. Usage: test_install.sh BUILD_DIR SOURCE_DIR (run as root, as make test is).
set -euo pipefail
build=$(cd "$1" && pwd) source=$(cd "$2" && pwd)
: "${STREAMLAB_BROKERS:?run through make test (needs the local services)}"
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || fail "needs root for a private mount namespace (unshare -m)"
[[ -f $source/web/dist/dashboard/index.html ]] || fail "no web/dist in the checkout: run web/build first"

work=$(mktemp -d)
trap 'kill "${consumer:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
installed=$work/prefix/bin/streamlab
[[ -x $installed && -f $work/prefix/share/streamlab/web/dist/dashboard/index.html ]] ||
  fail "cmake --install did not lay out bin/streamlab and share/streamlab/web/dist"

# The .deb of the same layout: apt accepts it (dependencies all Debian's; simulated, nothing
# is installed on the machine).
(cd "$work" && cpack --config "$build/CPackConfig.cmake" -B "$work/deb" >/dev/null) || fail "cpack failed"
deb=$(ls "$work"/deb/streamlab_*.deb)
dpkg-deb -c "$deb" > "$work/deb.list"  # listed first: grep -q closing the pipe early would fail it
grep -q ' ./usr/share/streamlab/web/dist/dashboard/index.html$' "$work/deb.list" || fail "the .deb lacks the page"
apt-get install -s -q "$deb" > "$work/apt.out" 2>&1 || { cat "$work/apt.out" >&2; fail "apt-get refuses $deb"; }
grep -q '^Inst streamlab ' "$work/apt.out" || { cat "$work/apt.out" >&2; fail "apt-get would not install streamlab"; }
echo "ok: apt-get install accepts $(basename "$deb") (simulated)"

# Everything below runs with the checkout's run-time files out of reach.
export installed work source
unshare --mount --propagation private bash -euo pipefail <<'INNER'
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$work/empty"
for d in web/dist bench deploy; do mount --bind "$work/empty" "$source/$d"; done
[[ ! -e $source/web/dist/dashboard/index.html ]] || fail "the checkout's web/dist is still visible"

# 1. The dashboard's page comes from the prefix.
"$installed" consume -b embedded -t install-test --quiet --web 127.0.0.1:0 2> "$work/consume.err" &
consumer=$!
url=
for _ in $(seq 1 200); do
  url=$(sed -n 's/^dashboard: //p' "$work/consume.err")
  [[ -n $url ]] && break
  kill -0 "$consumer" 2>/dev/null || { cat "$work/consume.err" >&2; fail "consume --web exited"; }
  sleep 0.05
done
[[ -n $url ]] || fail "consume --web printed no URL within 10 s"
curl -fsS --max-time 5 "$url" -o "$work/page.html" || fail "GET $url failed"
cmp -s "$work/page.html" "$work/prefix/share/streamlab/web/dist/dashboard/index.html" ||
  fail "the page served is not the installed index.html"
kill -INT "$consumer"
wait "$consumer" || fail "consume --web did not exit 0 on SIGINT"
echo "ok: consume --web serves the installed page ($url)"

# 2. bench writes its report, charts inlined from the installed front end.
"$installed" bench --scenario rest --quick --no-baselines --out "$work/report" > "$work/bench.out" 2>&1 ||
  { cat "$work/bench.out" >&2; fail "bench --scenario rest failed"; }
for f in report.json report.md report.html; do [[ -s $work/report/$f ]] || fail "no $f"; done
grep -q '<script>' "$work/report/report.html" || fail "report.html has no inlined script"
echo "ok: bench --scenario rest wrote report.json, report.md and report.html"
INNER
