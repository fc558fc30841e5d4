// What the run hands the report writer: each scenario's JSON (docs/report.schema.json), the
// summary rows and the whole document.
#include <ctime>

#include <fmt/format.h>

#include "core/secrets.hpp"

#include "bench/machine_info.hpp"
#include "bench/run.hpp"

namespace streamlab::bench {

using json = nlohmann::json;

namespace {

std::string iso_utc(std::time_t t) {
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool is_lab(const json& baseline) { return baseline["tool"].get<std::string>().rfind("lab-style", 0) == 0; }

// The members of a fault or scale scenario read some messages more than once (after a kill, in
// a rebalance): what counts there is what the store holds, not what they read.
bool several_members(const Scenario& s) { return s.kind == Kind::Fault || s.kind == Kind::Scale; }

// What went wrong beyond a step failing: the counts that do not add up, verify's findings.
std::vector<std::string> count_problems(const Scenario& s, const ScenarioResult& r) {
  std::vector<std::string> problems = r.problems;
  if (r.skipped) return problems;
  // Several members of a group (faults, scale) read some messages twice; a scale scenario tells
  // what each of its drains stored by itself.
  if (!several_members(s) && r.consumed != r.produced)
    problems.push_back(fmt::format("consumed {} of {} produced", r.consumed, r.produced));
  if (!s.sink.empty() && s.kind != Kind::Scale && r.stored && *r.stored != r.produced)
    problems.push_back(fmt::format("stored {} of {} produced", *r.stored, r.produced));
  if (r.verified && r.verified->missing > 0)
    problems.push_back(fmt::format("streamlab verify: {} rows lost", r.verified->missing));
  if (r.verified && r.verified->duplicated > 0)
    problems.push_back(fmt::format("streamlab verify: {} rows duplicated", r.verified->duplicated));
  if (r.verified && r.verified->ok == false && r.verified->missing == 0 && r.verified->duplicated == 0)
    problems.push_back("streamlab verify: the stored offsets do not match what the sink holds");
  return problems;
}

// The streamlab figure a baseline's ratio was taken against (the median of its alternating
// runs), else the scenario's own: a row's value and ratio then tell the baseline's value too.
json compared_value(const json& baseline, const json& own) {
  const auto it = baseline.find("streamlab");
  return it != baseline.end() && it->is_number() ? *it : own;
}

}  // namespace

json Run::scenario_json(const Scenario& s, const ScenarioResult& r, double start_s, double end_s) {
  json j = {{"id", s.id}, {"title", s.title}, {"kind", kind_name(s.kind)}, {"payload", s.payload}};
  j["sink"] = s.sink.empty() ? json(nullptr) : json(s.sink);
  j["offered_rate"] = s.rate > 0 ? json(s.rate) : json(nullptr);
  j["start_s"] = start_s;
  j["end_s"] = end_s;
  j["produced"] = r.produced;
  j["consumed"] = r.consumed;
  j["stored"] = s.sink.empty() || !r.stored ? json(nullptr) : json(*r.stored);
  // A fault or scale scenario's members read some messages twice (after a kill, a rebalance): what
  // counts there is what streamlab verify found in the store (a scale scenario fails each drain
  // that does not hold the backlog exactly once).
  const bool fault = s.kind == Kind::Fault;
  bool ok = !r.failed && (several_members(s) || r.consumed == r.produced);
  if (!s.sink.empty() && !r.skipped) ok = ok && r.stored && *r.stored == r.produced;
  if (fault && !r.skipped)
    ok = ok && r.verified && r.verified->ok && r.verified->missing == 0 && r.verified->duplicated == 0;
  if (r.skipped) ok = true;
  j["ok"] = ok;
  j["problems"] = count_problems(s, r);
  j["notes"] = r.notes;
  if (r.skipped) j["skipped"] = true;
  j["rates"] = r.rates;
  j["latency_ms"] = r.latency;
  j["intended_latency_ms"] = r.intended_latency;
  const Series series = r.member_points.empty() ? align(r.produced_points, r.consumed_points, epoch_wall_ms_)
                                                : align_members(r.produced_points, r.member_points, epoch_wall_ms_);
  j["series"] = {{"t", series.t}, {"produced", series.produced}, {"consumed", series.consumed}, {"lag", series.lag}};
  if (!series.stored.empty()) j["series"]["stored"] = series.stored;
  json res = json::object();
  for (const auto& p : monitor_.processes()) {
    const host::ResourceSummary sum = monitor_.summary(p.name, start_s, end_s);
    if (sum.samples == 0) continue;
    res[p.name] = {{"cpu_pct_mean", sum.cpu_pct_mean},
                   {"cpu_pct_max", sum.cpu_pct_max},
                   {"rss_bytes_max", sum.rss_bytes_max},
                   {"samples", sum.samples}};
  }
  j["resources"] = res;
  if (brokers_) {
    if (json b = brokers_->summary(start_s, end_s); !b.empty()) j["broker"] = std::move(b);
  }
  json bl = json::array();
  for (const auto& b : r.baselines) bl.push_back(b.to_json());
  j["baselines"] = bl;
  for (auto& [k, v] : r.extra.items()) j[k] = v;
  return j;
}

json summary_rows(const std::vector<Scenario>& scenarios, const json& documents) {
  json rows = json::array();
  const auto row = [&](const json& s, const std::string& measure, const json& value, const std::string& unit,
                       const std::string& baseline_measure) {
    json r = {{"scenario", s["id"]}, {"measure", measure},  {"value", value},
              {"unit", unit},        {"baseline", nullptr}, {"ratio", nullptr}};
    if (!baseline_measure.empty()) {
      // The first baseline of this measure with a value (kcat before Kafka's tool, raw before lab-style).
      for (const auto& b : s["baselines"]) {
        if (b["measure"] == baseline_measure && !b["ratio"].is_null() && !is_lab(b)) {  // lab-style: a row of its own
          r["value"] = compared_value(b, value);
          r["baseline"] = b["tool"];
          r["ratio"] = b["ratio"];
          break;
        }
      }
    }
    rows.push_back(r);
  };
  for (std::size_t i = 0; i < scenarios.size() && i < documents.size(); ++i) {
    const json& s = documents[i];
    if (s.value("skipped", false)) continue;
    const json& rt = s["rates"];
    switch (scenarios[i].kind) {
      case Kind::Live:
        if (rt.contains("produce_alone_msgs_per_s")) {  // the tools' ratios are to streamlab timed alone
          row(s, "produce, beside the consumer", rt.value("produce_msgs_per_s", 0.0), "msgs/s", "");
          row(s, "consume, beside the producer", rt.value("consume_msgs_per_s", 0.0), "msgs/s", "");
          row(s, "produce alone", rt.value("produce_alone_msgs_per_s", 0.0), "msgs/s", "produce");
          row(s, "consume alone", rt.value("consume_alone_msgs_per_s", 0.0), "msgs/s", "consume");
          break;
        }
        [[fallthrough]];
      case Kind::Backlog:
        row(s, "produce", rt.value("produce_msgs_per_s", 0.0), "msgs/s", "produce");
        row(s, "consume", rt.value("consume_msgs_per_s", 0.0), "msgs/s", "consume");
        break;
      case Kind::Sink:
        row(s, "store", rt.value("store_rows_per_s", 0.0), "rows/s", "store");
        for (const auto& b : s["baselines"]) {
          if (is_lab(b) && !b["ratio"].is_null()) {
            rows.push_back({{"scenario", s["id"]},
                            {"measure", "store vs lab"},
                            {"value", compared_value(b, rt.value("store_rows_per_s", 0.0))},
                            {"unit", "rows/s"},
                            {"baseline", b["tool"]},
                            {"ratio", b["ratio"]}});
          }
        }
        break;
      case Kind::Scale:
        // rows/s of each group size, the larger ones against one member's.
        if (s.contains("scale")) {
          for (const auto& d : s["scale"]["drains"]) {
            if (!d["rows_per_s"].is_number()) continue;
            const int n = d["members"].get<int>();
            const bool one = n == 1;
            rows.push_back({{"scenario", s["id"]},
                            {"measure", one ? "store, 1 member" : fmt::format("store, {} members", n)},
                            {"value", d["rows_per_s"]},
                            {"unit", "rows/s"},
                            {"baseline", one ? json(nullptr) : json("1 member")},
                            {"ratio", one ? json(nullptr) : d["ratio_to_1"]}});
          }
        }
        break;
      case Kind::Wan:
        // Each case's figure across the link against its own over loopback.
        if (s.contains("wan")) {
          for (const auto& c : s["wan"]["cases"]) {
            if (!c["link"].is_number()) continue;
            rows.push_back({{"scenario", s["id"]},
                            {"measure", c["case"].get<std::string>() + ": " + c["measure"].get<std::string>()},
                            {"value", c["link"]},
                            {"unit", c["unit"]},
                            {"baseline", "loopback"},
                            {"ratio", c["ratio"]}});
          }
        }
        break;
      case Kind::Max:
        row(s, "sustainable", rt.value("sustainable_msgs_per_s", 0.0), "msgs/s", "");
        if (rt.contains("sustainable_to_drain")) {  // against this run's drain of counters into the sink
          rows.back()["baseline"] = "sink-" + scenarios[i].sink + "-counters drain";
          rows.back()["ratio"] = rt["sustainable_to_drain"];
        }
        break;
      case Kind::Latency:
        if (!scenarios[i].sink.empty() && s["intended_latency_ms"].is_object()) {
          row(s, "produce-to-stored p99 (median run)", s["intended_latency_ms"]["p99"], "ms", "");
        } else if (s["latency_ms"].is_object()) {
          row(s, scenarios[i].sink.empty() ? "latency p99" : "stored p99", s["latency_ms"]["p99"], "ms", "");
        }
        break;
      case Kind::Fault:
        if (s.contains("fault") && s["fault"]["recovery_s"].is_number())
          row(s, "recovery", s["fault"]["recovery_s"], "s", "");
        break;
      case Kind::Rest:
        for (const auto& [name, res] : s["resources"].items()) {
          rows.push_back({{"scenario", s["id"]},
                          {"measure", name + " CPU at rest"},
                          {"value", res["cpu_pct_mean"]},
                          {"unit", "%"},
                          {"baseline", nullptr},
                          {"ratio", nullptr}});
        }
        break;
    }
  }
  return rows;
}

json Run::document(const json& scenarios, std::time_t started) const {
  json doc;
  doc["format"] = "streamlab-bench/1";
  doc["started_at"] = iso_utc(started);
  doc["finished_at"] = iso_utc(std::time(nullptr));
  doc["quick"] = c_.quick;
  doc["scale"] = c_.scale;
  doc["command"] = core::redact_secrets(c_.command_line);
  doc["run_id"] = run_id_;
  json services = json::object();
  services["brokers"] = c_.services.brokers;
  if (!c_.services.postgres.empty()) services["postgres"] = core::redact_secrets(c_.services.postgres);
  if (!c_.services.redis.empty()) services["redis"] = core::redact_secrets(c_.services.redis);
  if (!c_.services.ignite.empty()) services["ignite"] = core::redact_secrets(c_.services.ignite);
  doc["services"] = services;
  doc["machine"] = machine_facts();
  doc["versions"] = program_versions(c_.services, root_);
  doc["scenarios"] = scenarios;
  doc["summary"] = summary_rows(c_.scenarios, scenarios);
  doc["monitor"] = monitor_.to_json();
  return doc;
}

}  // namespace streamlab::bench
