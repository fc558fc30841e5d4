"""`streamlab bench` end to end at a tiny scale against the local services: the report's three
files, report.json valid against docs/report.schema.json, every scenario ok with
consumed == produced (== stored for sinks), the monitor sampling each scenario's processes, plain
progress lines when stderr is not a terminal, a usage error for an unknown scenario, one quick
fault scenario (a consumer killed mid-backlog) with its recovery time and nothing lost or duplicated,
the scale scenarios' drains by 1, 2 and 4 members, each stored exactly once, the wan scenario's
cases across Toxiproxy's link, and Ignite's own Java clients beside an Ignite drain.

The fault and scale scenarios count losses with `streamlab verify`; in a build without it they must
fail saying so, never pass."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

from jsonschema import Draft202012Validator

from harness import ROOT, STREAMLAB, env

env("STREAMLAB_BROKERS")
SCHEMA = os.path.join(ROOT, "docs", "report.schema.json")


def has_verify():
    p = subprocess.run([STREAMLAB, "--help"], capture_output=True, text=True, timeout=30)
    return any(line.startswith("  verify ") for line in p.stdout.splitlines())


VERIFY = has_verify()


def bench(*args, timeout=600):
    return subprocess.run([STREAMLAB, "bench", *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def failed_scenarios(out):
    try:
        with open(os.path.join(out, "report.json")) as f:
            return [(s["id"], s["problems"]) for s in json.load(f)["scenarios"] if not s["ok"]]
    except (OSError, ValueError) as e:
        return f"no report.json: {e}"


def check_report(out, expect_baselines):
    for name in ("report.json", "report.md", "report.html"):
        assert os.path.getsize(os.path.join(out, name)) > 0, name
    with open(os.path.join(out, "report.json")) as f:
        doc = json.load(f)
    with open(SCHEMA) as f:
        errors = sorted(Draft202012Validator(json.load(f)).iter_errors(doc), key=lambda e: e.path)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    monitor = {p["name"]: p for p in doc["monitor"]["processes"]}
    assert "kafka" in monitor, monitor.keys()
    for s in doc["scenarios"]:
        if s["kind"] in ("fault", "scale") and not VERIFY:
            assert not s["ok"] and any("streamlab verify is not available" in p for p in s["problems"]), s
            continue
        assert s["ok"], (s["id"], s["problems"])
        if s.get("skipped"):
            print(f"  {s['id']}: {s['problems']}", file=sys.stderr)
            continue
        if s["kind"] == "fault":
            # The members' reads do not add up to the topic (a killed member's last reads are not in
            # its lines, replays count twice): what counts is that the store holds each once.
            f = s["fault"]
            assert s["stored"] == s["produced"] and f["lost"] == 0 and f["duplicated"] == 0, (s["id"], f)
        elif s["kind"] == "scale":
            # The whole backlog by each group size, every member's exit 0, verify's count exact.
            drains = s["scale"]["drains"]
            assert [d["members"] for d in drains] == [1, 2, 4], drains
            for d in drains:
                assert d["ok"] and d["stored"] == s["produced"] and d["lost"] == 0 and d["duplicated"] == 0, d
                assert len(d["processes"]) == d["members"], d
                assert all(p["exit_code"] == 0 and p["assigned_s"] is not None for p in d["processes"]), d
                assert 0 < d["rebalance_s"] <= d["wall_s"] and d["rows_per_s"] > 0, d
            assert drains[0]["ratio_to_1"] == 1, drains[0]
            assert s["consumed"] >= 3 * s["produced"], s
        elif s["kind"] == "wan":
            # Every case across Toxiproxy's link has its figure, but the consumer's rate: a backlog
            # this small may arrive in one fetch, too fast for the consumer to tell a rate (none,
            # over loopback or across the link). The link really delayed the tweets: end to end
            # they took at least the one-way delay it adds (half the round trip).
            cases = s["wan"]["cases"]
            assert len(cases) == 7 and all(c["link"] for c in cases if c["measure"] != "consume"), cases
            assert cases[0]["measure"] == "end-to-end latency p50", cases[0]
            assert cases[0]["link"] >= s["wan"]["rtt_ms"] / 2, cases[0]
            assert s["consumed"] == s["produced"] > 0, s
        else:
            assert s["consumed"] == s["produced"], s
        if s["sink"]:
            assert s["stored"] == s["produced"], s
        if s["kind"] != "rest":
            assert s["produced"] > 0, s
            # The wan scenario's runs are each a scenario of their own: it keeps their figures, not their series.
            assert s["kind"] == "wan" or s["series"]["t"] and s["series"]["produced"][-1] == s["produced"], s["series"]
        # The services: ≥ 1 sample per second over the scenario; streamlab's own processes (some
        # live a fraction of a second at this scale): sampled in it.
        span = s["end_s"] - s["start_s"]
        services = ["kafka"] + ([s["sink"]] if s["sink"] and s["kind"] != "fault" else [])
        for name in services + (["producer", "consumer"] if s["kind"] != "rest" else []):
            t = [x for x in monitor[name]["t"] if s["start_s"] <= x <= s["end_s"]]
            need = max(1, int(span) - 1) if name in services else 1
            assert len(t) >= need, (s["id"], name, len(t), span)
            assert name in s["resources"], (s["id"], name, s["resources"].keys())
        if s["kind"] in ("latency", "max") or (s["kind"] == "live" and s["payload"] == "counters"):
            assert s["latency_ms"]["p50"] <= s["latency_ms"]["max"], s["latency_ms"]
    if expect_baselines:
        tools = {b["tool"] for s in doc["scenarios"] for b in s["baselines"]}
        assert tools, "no baselines"
    return doc


def all_scenarios_tiny():
    with tempfile.TemporaryDirectory(prefix="bench-test-") as out:
        p = bench("--scenario", "all", "--scale", "0.01", "--no-baselines", "--out", out)
        assert p.returncode == (0 if VERIFY else 1), (failed_scenarios(out), p.stderr[-3000:])
        doc = check_report(out, expect_baselines=False)
        ids = [s["id"] for s in doc["scenarios"]]
        assert len(ids) == 33 and ids[0] == "counters-live", ids
        assert ids[9:13] == [f"scale-{k}" for k in ("postgres", "redis", "ignite")] + ["wan"], ids
        assert ids[13:22] == [f"fault-{f}-{k}" for f in ("kill", "outage", "rebalance")
                              for k in ("postgres", "redis", "ignite")], ids
        # A rate search: an uncounted warm-up step first, then the search's own (two at this scale),
        # and the figure is the achieved rate of the highest offered rate that held.
        for s in (s for s in doc["scenarios"] if s["kind"] == "max"):
            ladder = s["ladder"]
            assert ladder[0].get("warm_up") and not any(x.get("warm_up") for x in ladder[1:]), ladder
            assert 1 <= len(ladder) - 1 <= 2, ladder
            held = sorted((x for x in ladder[1:] if x["sustained"]), key=lambda x: x["offered"])
            assert s["rates"]["sustainable_msgs_per_s"] == (held[-1]["achieved"] if held else 0), (s["rates"], ladder)
        # Not a terminal: plain lines, no carriage returns, a phase line per scenario, the report's path.
        assert "\r" not in p.stderr
        lines = p.stderr.splitlines()
        assert any(l.startswith("[1/33] counters-live · ") for l in lines), lines[:5]
        assert any(l.startswith("report: ") and l.endswith("report.html") for l in lines), lines[-5:]
        with open(os.path.join(out, "report.md")) as md:
            text = md.read()
        assert "## Scaling out" in text and "| scale → postgres (counters) |" in text, text[:3000]
        # Toxiproxy ($STREAMLAB_TOXIPROXY from the services' env): the wan scenario ran, not skipped.
        if os.environ.get("STREAMLAB_TOXIPROXY"):
            assert not doc["scenarios"][12].get("skipped"), doc["scenarios"][12]["problems"]
            assert "## Across a WAN" in text, text[:3000]
        # The broker's own view (its JMX exporter, $STREAMLAB_KAFKA_METRICS from the services' env):
        # the broker took the counters-live scenario's produce requests and was up throughout.
        if os.environ.get("STREAMLAB_KAFKA_METRICS"):
            views = doc["scenarios"][0].get("broker", {})
            assert views and all(v["up_fraction"] == 1 for v in views.values()), views
            assert sum(v["produce_per_s"] for v in views.values()) > 0, views
            assert "## The broker's own view" in text, text[-3000:]


def cheap_baselines():
    with tempfile.TemporaryDirectory(prefix="bench-test-") as out:
        p = bench("--scenario", "counters-live,sink-postgres-counters", "--scale", "0.01", "--out", out)
        assert p.returncode == 0, p.stderr[-3000:]
        doc = check_report(out, expect_baselines=True)
        live = doc["scenarios"][0]["baselines"]
        assert {b["tool"] for b in live} >= {"kcat", "kafka-producer-perf-test", "kafka-consumer-perf-test"}, live
        for b in live:
            assert b["value"] is None or b["ratio"] == b["streamlab"] / b["value"], b
        # kcat's and the store's loader's ratios are of the medians of three alternating rounds.
        kcat = [b for b in live if b["tool"] == "kcat" and b["value"]]
        assert kcat and all("medians of 3 alternating runs" in b["note"] for b in kcat), kcat
        # A sink drain: the same drain into the null sink beside it, and where its time went.
        sink = doc["scenarios"][1]
        null = [b for b in sink["baselines"] if b["tool"] == "streamlab --sink null"]
        assert null and null[0]["value"] and null[0]["value"] > 0, sink["baselines"]
        copy = [b for b in sink["baselines"] if b["tool"] == "psql \\copy"]
        assert copy and "medians of 3 alternating runs" in copy[0]["note"], sink["baselines"]
        split = sink["time_split"]
        assert 0 < split["write_s"] <= split["drain_s"] and split["batches"] >= 1, split


def ignite_baselines():
    """An Ignite drain beside Ignite's own Java clients (bench/ignite-baseline, built on first use):
    the thin client's putAll and the data streamer each stored the rows streamlab stored, and the
    summary's store ratio is against the thin client."""
    with tempfile.TemporaryDirectory(prefix="bench-test-") as out:
        p = bench("--scenario", "sink-ignite-counters", "--scale", "0.01", "--out", out, timeout=900)
        assert p.returncode == 0, p.stderr[-3000:]
        doc = check_report(out, expect_baselines=True)
        s = doc["scenarios"][0]
        tools = {b["tool"]: b for b in s["baselines"]}
        put = tools["ignite-thin-client putAll"]
        assert put["value"] and put["value"] > 0 and put["ratio"] == put["streamlab"] / put["value"], put
        assert "B a row" in put["note"] and "1000 rows a request" in put["note"], put
        stream = tools["ignite data streamer"]
        if "user=" in os.environ.get("STREAMLAB_IGNITE", "") or "tls=" in os.environ.get("STREAMLAB_IGNITE", ""):
            assert stream["value"] is None and stream["note"].startswith("not run"), stream
        else:
            assert stream["value"] and stream["value"] > 0, stream
        row = [r for r in doc["summary"] if r["scenario"] == s["id"] and r["measure"] == "store"]
        assert row and row[0]["baseline"] == "ignite-thin-client putAll", doc["summary"]
        # The row's value is the figure its ratio was taken against: value ÷ ratio is the baseline's.
        assert row[0]["value"] == put["streamlab"] and row[0]["ratio"] == put["ratio"], (row, put)


def fault_kill_quick():
    """A PostgreSQL consumer SIGKILLed at ~30% of 30,000 counters and restarted: a recovery time,
    and streamlab verify finds every row once."""
    with tempfile.TemporaryDirectory(prefix="bench-test-") as out:
        p = bench("--scenario", "fault-kill-postgres", "--quick", "--no-baselines", "--out", out)
        if not VERIFY:
            assert p.returncode == 1, p.stderr[-3000:]
            with open(os.path.join(out, "report.json")) as f:
                s = json.load(f)["scenarios"][0]
            assert not s["ok"] and "streamlab verify is not available" in s["problems"][0], s["problems"]
            return
        assert p.returncode == 0, p.stderr[-3000:]
        doc = check_report(out, expect_baselines=False)
        s = doc["scenarios"][0]
        f = s["fault"]
        assert s["kind"] == "fault" and f["kind"] == "kill" and f["landed"], (f, s["problems"])
        assert f["recovery_s"] is not None and 0 < f["recovery_s"] < 30, f
        assert f["lost"] == 0 and f["duplicated"] == 0 and f["verify"]["ok"], f
        assert s["stored"] == s["produced"] == 30000, s
        assert [m["role"] for m in f["members"]] == ["killed", "restarted"], f["members"]
        assert f["members"][0]["exit_code"] == 137 and 0 < f["members"][0]["stored"] < 30000, f["members"]
        assert len(s["series"]["stored"]) == len(s["series"]["t"]), s["series"].keys()
        assert f["start_s"] is not None and s["start_s"] <= f["start_s"] <= s["end_s"], (f, s["start_s"], s["end_s"])
        with open(os.path.join(out, "report.md")) as md:
            text = md.read()
        assert "## Fault scenarios" in text and "| postgres | kill |" in text, text


def unknown_scenario_is_a_usage_error():
    p = bench("--scenario", "counters-live,no-such-thing")
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "no-such-thing" in p.stderr and "sink-redis-tweets" in p.stderr, p.stderr


class BenchTest(unittest.TestCase):
    def test_all_scenarios_tiny(self):
        all_scenarios_tiny()

    def test_cheap_baselines(self):
        cheap_baselines()

    def test_ignite_baselines(self):
        ignite_baselines()

    def test_fault_kill_quick(self):
        fault_kill_quick()

    def test_unknown_scenario_is_a_usage_error(self):
        unknown_scenario_is_a_usage_error()


if __name__ == "__main__":
    unittest.main(verbosity=2)
