// Scale scenarios: one counters backlog on many partitions, drained again by 1, 2 and 4 sink
// consumers of one group each (started together, each with --until-end), every time into a
// fresh table or prefix in a fresh group: per group size the rows stored, the wall time, the
// members' join and streamlab verify.
#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "bench/run.hpp"
#include "core/shutdown.hpp"

namespace streamlab::bench {

using json = nlohmann::json;

namespace {

std::string members_label(int n) { return n == 1 ? "1 member" : fmt::format("{} members", n); }

json seconds_or_null(const std::optional<double>& s) { return s ? json(*s) : json(nullptr); }

}  // namespace

json Run::scale_drain(const Scenario& s, const std::string& topic, int n, double from_fraction, double span,
                      ScenarioResult& r) {
  const std::string what = fmt::format("{}-{}", s.id, n);
  const std::string group = prefix_ + what;
  const std::string table = store_for(s.sink, what);
  const std::vector<std::string> args = until_end_args(topic, group, s.sink, table);
  const std::string label = members_label(n);
  progress_->phase(fmt::format("{} storing the backlog into {}", label, s.sink));

  const auto n_members = static_cast<std::size_t>(n);
  std::vector<StreamlabProcess> members;
  members.reserve(n_members);  // pointers to them are kept while waiting
  const auto t0 = std::chrono::steady_clock::now();
  const auto since_start = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  for (std::size_t i = 0; i < n_members; ++i) {
    members.push_back(start("consume", i == 0 ? std::string("consumer") : fmt::format("consumer-{}", i + 1), args));
  }
  std::vector<StreamlabProcess*> all;
  for (auto& m : members) all.push_back(&m);
  // Stamped as they are seen (every 50 ms): each member's first assignment, and its exit.
  std::vector<std::optional<double>> assigned_s(n_members), exited_s(n_members);
  wait_members(
      all,
      [&] {
        bool every_exit = true;
        for (std::size_t i = 0; i < n_members; ++i) {
          if (!assigned_s[i] && members[i].assignment_lines() > 0) assigned_s[i] = since_start();
          if (!exited_s[i] && members[i].child->poll()) exited_s[i] = since_start();
          every_exit = every_exit && exited_s[i].has_value();
        }
        return every_exit;
      },
      s.count, from_fraction, span * 0.9, r);

  json processes = json::array();
  std::uint64_t consumed = 0, stored_by_members = 0;
  bool every_exit_0 = true;
  for (std::size_t i = 0; i < n_members; ++i) {
    auto& m = members[i];
    const MemberEnd end = end_member(m);
    if (end.exit_code != 0) {
      every_exit_0 = false;
      r.problems.push_back(fmt::format("{}: {} exited {}: {}", label, m.name, end.exit_code, m.stderr_tail()));
    }
    consumed += end.consumed;
    stored_by_members += end.stored;
    r.member_points.push_back(m.points());
    processes.push_back({{"name", m.name},
                         {"consumed", end.consumed},
                         {"stored", end.stored},
                         {"exit_code", end.exit_code},
                         {"assigned_s", seconds_or_null(assigned_s[i])},
                         {"exited_s", seconds_or_null(exited_s[i])}});
  }
  r.consumed += consumed;

  // The group's join: until the last member's first assignment. The drain: until the last exit.
  std::optional<double> rebalance_s, wall_s;
  if (std::all_of(assigned_s.begin(), assigned_s.end(), [](const auto& t) { return t.has_value(); }))
    rebalance_s = **std::max_element(assigned_s.begin(), assigned_s.end());
  if (std::all_of(exited_s.begin(), exited_s.end(), [](const auto& t) { return t.has_value(); }))
    wall_s = **std::max_element(exited_s.begin(), exited_s.end());
  if (!rebalance_s) r.problems.push_back(fmt::format("{}: not every member was seen being assigned partitions", label));

  progress_->phase(fmt::format("streamlab verify ({})", label));
  const std::optional<VerifyFigures> v = verify_sink(topic, sink_uri(s.sink), table, group, r);
  // What the store holds, as verify counted it; the members' own count when verify could not tell.
  const std::uint64_t stored = v ? v->rows + v->dead_letters : stored_by_members;
  bool ok = every_exit_0 && v && wall_s;
  if (stored != r.produced) {
    ok = false;
    r.problems.push_back(fmt::format("{}: stored {} rows of {} produced", label, stored, r.produced));
  }
  if (v && v->missing > 0) r.problems.push_back(fmt::format("{}: streamlab verify: {} rows lost", label, v->missing));
  if (v && v->duplicated > 0)
    r.problems.push_back(fmt::format("{}: streamlab verify: {} rows duplicated", label, v->duplicated));
  if (v && !v->ok && v->missing == 0 && v->duplicated == 0)
    r.problems.push_back(
        fmt::format("{}: streamlab verify: the stored offsets do not match what the sink holds", label));
  ok = ok && v && v->ok && v->missing == 0 && v->duplicated == 0;
  if (!ok) r.failed = true;

  const json rate = wall_s && *wall_s > 0 ? json(static_cast<double>(stored) / *wall_s) : json(nullptr);
  progress_->note(fmt::format("  {}: {}: {} rows in {}, {} rows/s, all assigned after {}; verify: {}", s.id, label,
                              stored, wall_s ? fmt::format("{:.2f} s", *wall_s) : "—",
                              rate.is_number() ? fmt::format("{:.0f}", rate.get<double>()) : "—",
                              rebalance_s ? fmt::format("{:.2f} s", *rebalance_s) : "—",
                              v ? fmt::format("{} lost, {} duplicated", v->missing, v->duplicated) : "not run"));
  return {{"members", n},
          {"stored", stored},
          {"consumed", consumed},
          {"wall_s", seconds_or_null(wall_s)},
          {"rebalance_s", seconds_or_null(rebalance_s)},
          {"rows_per_s", rate},
          {"ratio_to_1", nullptr},
          {"lost", v ? json(v->missing) : json(nullptr)},
          {"duplicated", v ? json(v->duplicated) : json(nullptr)},
          {"verify", v ? to_json(*v) : json(nullptr)},
          {"ok", ok},
          {"processes", processes}};
}

// The backlog once, then one drain per group size; the rows/s of each against the first's.
void Run::scenario_scale(const Scenario& s, ScenarioResult& r) {
  json scale = {{"partitions", s.partitions}, {"backlog", s.count}, {"drains", json::array()}};
  r.extra["scale"] = scale;
  // Exactly once is told by streamlab verify: without it, fail before anything is produced.
  if (!verify_available()) {
    verify_sink("", "", "", "", r);
    return;
  }
  const std::string topic = topic_for(s.id, s.partitions);
  // librdkafka's sticky partitioner sends 10 ms of unpaced messages at a time to one partition,
  // which would leave a small backlog in a few of them: without it each message goes to a
  // partition at random, so every member of a group gets about as many rows.
  if (!produce_backlog(s, topic, 0.1, r, {"-X", "sticky.partitioning.linger.ms=0"})) return;

  const double span = 0.9 / static_cast<double>(std::max<std::size_t>(1, s.members.size()));
  json& drains = scale["drains"];
  for (std::size_t k = 0; k < s.members.size(); ++k) {
    if (core::shutdown_requested()) {
      r.failed = true;
      r.problems.push_back(fmt::format("interrupted before the drain by {}", members_label(s.members[k])));
      break;
    }
    drains.push_back(scale_drain(s, topic, s.members[k], 0.1 + span * static_cast<double>(k), span, r));
  }
  // The scenario's stored: the backlog when every drain stored it whole, else the first that did not.
  r.stored = r.produced;
  for (auto& d : drains) {
    const double one = drains[0]["rows_per_s"].is_number() ? drains[0]["rows_per_s"].get<double>() : 0.0;
    if (one > 0 && d["rows_per_s"].is_number()) d["ratio_to_1"] = d["rows_per_s"].get<double>() / one;
    if (d["stored"].get<std::uint64_t>() != r.produced && *r.stored == r.produced)
      r.stored = d["stored"].get<std::uint64_t>();
  }
  r.extra["scale"] = scale;
  r.notes.push_back(fmt::format(
      "{} partitions; per group size a fresh group and table; rows/s = rows stored ÷ wall seconds, from the first "
      "member's start to the last member's exit (the group's join included); rebalance: the start to every member's "
      "first assignment ('assigned:' on its stderr, polled every 50 ms); consumed sums every member of every drain",
      s.partitions));
}

}  // namespace streamlab::bench
