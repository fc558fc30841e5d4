#include "bench/scenarios.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.hpp"

namespace streamlab::bench {

namespace {

// Rough rates on a small machine, for the ETA only (the run corrects them as it goes).
double planned_rate(const std::string& payload, const std::string& sink) {
  if (sink == "postgres") return payload == "tweets" ? 15000 : 40000;
  if (sink == "redis") return payload == "tweets" ? 15000 : 30000;
  if (sink == "ignite") return payload == "tweets" ? 5000 : 10000;
  return payload == "tweets" ? 40000 : 150000;
}

constexpr double kStartupS = 4;  // a consumer joining its group, processes starting

std::uint64_t scaled(std::uint64_t n, double scale) {
  return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(static_cast<double>(n) * scale)));
}

}  // namespace

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::Live: return "live";
    case Kind::Backlog: return "backlog";
    case Kind::Sink: return "sink";
    case Kind::Rest: return "rest";
    case Kind::Max: return "max";
    case Kind::Latency: return "latency";
  }
  return "?";
}

std::vector<Scenario> all_scenarios(bool quick, double scale) {
  const auto n = [&](std::uint64_t full, std::uint64_t q) { return scaled(quick ? q : full, scale); };
  const auto d = [&](double full, double q) { return std::max(0.2, (quick ? q : full) * scale); };
  std::vector<Scenario> v;

  Scenario s;
  s = {};
  s.id = "counters-live";
  s.title = "Mode 1: counters produced while a live consumer reads them";
  s.kind = Kind::Live;
  s.payload = "counters";
  s.count = n(1'000'000, 100'000);
  s.planned_s = kStartupS + static_cast<double>(s.count) / planned_rate("counters", "");
  v.push_back(s);

  s = {};
  s.id = "tweets-live";
  s.title = "Mode 1: real tweets at a live stream's rate, read by a live consumer";
  s.kind = Kind::Live;
  s.payload = "tweets";
  s.rate = 50;  // the lab's live stream gave ~53 tweets/s
  s.duration_s = d(60, 10);
  s.planned_s = kStartupS + s.duration_s;
  v.push_back(s);

  s = {};
  s.id = "tweets-backlog";
  s.kind = Kind::Backlog;
  s.payload = "tweets";
  s.count = n(160'000, 20'000);  // the lab's backlog was 160,000
  s.title = fmt::format("Mode 1: a backlog of {} tweets produced, then consumed", s.count);
  s.planned_s = kStartupS + 2.0 * static_cast<double>(s.count) / planned_rate("tweets", "");
  v.push_back(s);

  for (const char* sink : {"postgres", "redis", "ignite"}) {
    for (const char* payload : {"counters", "tweets"}) {
      s = {};
      s.id = fmt::format("sink-{}-{}", sink, payload);
      s.title = fmt::format("Mode 2: a backlog of {} stored in {}", payload, sink);
      s.kind = Kind::Sink;
      s.payload = payload;
      s.sink = sink;
      s.count = std::string(payload) == "counters" ? n(500'000, 20'000) : n(160'000, 10'000);
      s.baseline_sample = std::min(s.count, n(20'000, 2'000));
      s.planned_s = kStartupS + static_cast<double>(s.count) / planned_rate(payload, "") +
                    static_cast<double>(s.count) / planned_rate(payload, sink);
      v.push_back(s);
    }
  }

  s = {};
  s.id = "rest";
  s.title = "The services at rest (only the monitor runs)";
  s.kind = Kind::Rest;
  s.payload = "none";
  s.duration_s = d(10, 5);
  s.planned_s = s.duration_s;
  v.push_back(s);

  for (const char* sink : {"kafka", "postgres", "redis", "ignite"}) {
    s = {};
    s.id = fmt::format("max-{}", sink);
    s.title = fmt::format("Highest sustainable rate: counters into {}", std::string(sink) == "kafka" ? "a live consumer" : sink);
    s.kind = Kind::Max;
    s.payload = "counters";
    s.sink = std::string(sink) == "kafka" ? "" : sink;
    if (quick) {
      s.ladder = std::string(sink) == "kafka" ? std::vector<double>{5000, 25000, 100000}
                                              : std::vector<double>{2000, 10000, 40000};
    } else {
      s.ladder = std::string(sink) == "kafka"
                     ? std::vector<double>{5000, 10000, 25000, 50000, 100000, 200000, 400000}
                     : std::vector<double>{2000, 5000, 10000, 20000, 40000, 80000, 160000};
    }
    s.step_s = d(6, 3);
    s.planned_s = kStartupS + static_cast<double>(s.ladder.size()) * (s.step_s + 1.5);
    v.push_back(s);
  }

  for (const double rate : {1000.0, 10000.0, 100000.0}) {
    s = {};
    s.id = fmt::format("latency-{}k", static_cast<int>(rate / 1000));
    s.title = fmt::format("End-to-end latency at {:.0f} msgs/s (counters, live consumer)", rate);
    s.kind = Kind::Latency;
    s.payload = "counters";
    s.rate = rate;
    s.duration_s = d(15, 4);
    s.planned_s = kStartupS + s.duration_s;
    v.push_back(s);
  }
  return v;
}

std::vector<std::string> scenario_names() {
  std::vector<std::string> names;
  for (const auto& s : all_scenarios(true, 1)) names.push_back(s.id);
  return names;
}

std::vector<Scenario> select_scenarios(const std::vector<std::string>& requested, bool quick, double scale) {
  const auto all = all_scenarios(quick, scale);
  std::set<std::string> wanted;
  bool every = requested.empty();
  for (const auto& arg : requested) {
    std::stringstream parts(arg);
    std::string name;
    while (std::getline(parts, name, ',')) {
      if (name.empty()) continue;
      if (name == "all") {
        every = true;
        continue;
      }
      const bool known = std::any_of(all.begin(), all.end(), [&](const Scenario& s) { return s.id == name; });
      if (!known) {
        throw core::UsageError(fmt::format("unknown scenario '{}'; valid: all, {}", name,
                                           fmt::join(scenario_names(), ", ")));
      }
      wanted.insert(name);
    }
  }
  std::vector<Scenario> out;
  for (const auto& s : all) {
    if (every || wanted.count(s.id) != 0) out.push_back(s);
  }
  return out;
}

}  // namespace streamlab::bench
