// Fault scenarios: a sink consumer hit in the middle of a backlog (killed, its store stopped, a
// second member joining and leaving), every member run to the end, then streamlab verify.
#include <unistd.h>

#include <cctype>
#include <csignal>
#include <thread>

#include <fmt/format.h>

#include "core/secrets.hpp"

#include "bench/run.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/shutdown.hpp"

namespace streamlab::bench {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// A store of the local services that the bench stopped: started again when this goes, whatever
// happened meanwhile (an error, Ctrl-C), so the shared services are never left down by a run.
class StoppedService {
 public:
  StoppedService(fs::path script, std::string service, std::vector<std::pair<std::string, std::string>> env)
      : script_(std::move(script)), service_(std::move(service)), env_(std::move(env)) {}
  StoppedService(const StoppedService&) = delete;
  StoppedService& operator=(const StoppedService&) = delete;
  ~StoppedService() {
    if (!stopped_) return;
    try {
      start();
    } catch (const std::exception&) {
      // Nothing more to do from a destructor: the run's report already says the fault failed.
    }
  }
  bool stopped() const { return stopped_; }

  // Throws core::RuntimeFailure when the script fails (the destructor still starts it again).
  void stop() {
    stopped_ = true;  // a stop that failed half-way may have stopped it all the same
    const RunResult rr = run_program({script_.string(), "stop", service_}, std::chrono::seconds(120), env_);
    if (rr.exit_code != 0) {
      throw core::RuntimeFailure(
          fmt::format("{} stop {} exited {}: {}", script_.string(), service_, rr.exit_code, tail(rr.err)));
    }
  }
  // "" when it is running again, else why not.
  std::string start() {
    const RunResult rr = run_program({script_.string(), "start", service_}, std::chrono::seconds(180), env_);
    if (rr.exit_code == 0) {
      stopped_ = false;
      return "";
    }
    return fmt::format("{} start {} exited {}: {}", script_.string(), service_, rr.exit_code, tail(rr.err));
  }

 private:
  static std::string tail(const std::string& t) { return t.size() > 400 ? t.substr(t.size() - 400) : t; }
  fs::path script_;
  std::string service_;
  std::vector<std::pair<std::string, std::string>> env_;
  bool stopped_ = false;
};

std::uint16_t default_port(const std::string& sink) {
  if (sink == "postgres") return 5432;
  if (sink == "redis") return 6379;
  return 10800;
}

}  // namespace

bool Run::wait_members(const std::vector<StreamlabProcess*>& members, const std::function<bool()>& done,
                       std::uint64_t total, double from_fraction, double span, ScenarioResult& r) {
  const auto stored = [&] {
    std::uint64_t n = 0;
    for (const auto* m : members) n += m->stored();
    return n;
  };
  std::uint64_t last = stored();
  auto last_change = std::chrono::steady_clock::now();
  while (true) {
    if (done()) return true;
    bool running = false;
    for (auto* m : members) running = running || !m->child->poll();
    if (!running || core::shutdown_requested()) return false;
    const std::uint64_t n = stored();
    if (n != last) {
      last = n;
      last_change = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - last_change > std::chrono::duration<double>(kStallSeconds)) {
      r.failed = true;
      r.problems.push_back(
          fmt::format("the consumers stored nothing for {:.0f} s (at {} of {} rows)", kStallSeconds, n, total));
      return false;
    }
    if (total > 0)
      progress_->update(from_fraction + span * std::min(1.0, static_cast<double>(n) / static_cast<double>(total)));
    std::this_thread::sleep_for(50ms);
  }
}

bool Run::verify_available() {
  if (!verify_available_) {
    // CLI11's help lists each subcommand on a line of its own, indented by two spaces.
    const RunResult rr = run_program({fs::read_symlink("/proc/self/exe").string(), "--help"}, 30s);
    verify_available_ = rr.out.find("\n  verify ") != std::string::npos;
  }
  return *verify_available_;
}

std::optional<VerifyFigures> Run::verify_sink(const std::string& topic, const std::string& sink,
                                              const std::string& table, const std::string& group, ScenarioResult& r) {
  if (!verify_available()) {
    r.failed = true;
    r.problems.push_back(
        "streamlab verify is not available (this build has no verify command): rows lost and "
        "duplicated cannot be counted");
    return std::nullopt;
  }
  std::vector<std::string> argv = {fs::read_symlink("/proc/self/exe").string(),
                                   "verify",
                                   "-b",
                                   c_.services.brokers,
                                   "-t",
                                   topic,
                                   "--sink",
                                   sink,
                                   "--table",
                                   table,
                                   "-g",
                                   group,
                                   "--json"};
  const Environment env = sink_through_environment(argv);
  const RunResult rr =
      run_program(argv, 300s, env, {}, [this](pid_t pid) { monitor_.watch_pid("verify", "streamlab", pid); });
  monitor_.unwatch("verify");
  auto figures = parse_verify(rr.out);
  if (!figures) {
    r.failed = true;
    r.problems.push_back(fmt::format("streamlab verify exited {} without its figures: {}", rr.exit_code,
                                     rr.err.size() > 400 ? rr.err.substr(rr.err.size() - 400) : rr.err));
  }
  return figures;
}

fs::path Run::services_script() const {
  if (const char* env = std::getenv("STREAMLAB_SERVICES"); env && *env) return env;
  return root_ / "deploy" / "local" / "services";
}

std::optional<std::string> Run::outage_impossible(const std::string& sink) {
  const fs::path script = services_script();
  if (::access(script.c_str(), X_OK) != 0) {
    return fmt::format("no services script at {} to stop and start {} with (STREAMLAB_SERVICES names it)",
                       script.string(), sink);
  }
  const RunResult env = run_program({script.string(), "env", sink}, 30s);
  std::string var = "STREAMLAB_" + sink;
  for (char& ch : var) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const std::string local = exported_value(env.out, var);
  if (env.exit_code != 0 || local.empty() || !same_server(sink_uri(sink), local, default_port(sink))) {
    return fmt::format("the sink {} is not the local {} of {} ({}): the bench stops only the local services",
                       core::redact_secrets(sink_uri(sink)), sink, script.string(),
                       local.empty() ? "none" : core::redact_secrets(local));
  }
  const RunResult status = run_program({script.string(), "status", sink}, 30s);
  if (status.exit_code != 0) return fmt::format("the local {} is not running under {}", sink, script.string());
  if (sink == "ignite" && status.out.find("persistence on") == std::string::npos) {
    return "the local Ignite keeps its data in memory only: a restart loses every row it holds, which tests nothing "
           "about exactly once (STREAMLAB_IGNITE_PERSISTENCE=1 when it starts turns native persistence on)";
  }
  return std::nullopt;
}

// One fault scenario's state, from the first member's start to verify.
struct Run::FaultRun {
  explicit FaultRun(const Scenario& scenario) : s(scenario) {}
  const Scenario& s;
  std::string topic, group, table;
  std::vector<std::string> args;  // every member's command line
  std::vector<StreamlabProcess> members;
  std::vector<std::string> roles;
  json fault;
  bool landed = false;
  std::optional<std::int64_t> recovery;
  std::optional<StoppedService> service;

  std::vector<StreamlabProcess*> all() {
    std::vector<StreamlabProcess*> v;
    for (auto& m : members) v.push_back(&m);
    return v;
  }
  std::uint64_t stored() const {
    std::uint64_t n = 0;
    for (const auto& m : members) n += m.stored();
    return n;
  }
  std::uint64_t at(double fraction) const {
    return static_cast<std::uint64_t>(fraction * static_cast<double>(s.count));
  }
};

// A backlog of counters, one sink consumer with small batches, the fault at `fault_at` of the
// backlog stored, every member run to the end with --until-end, then streamlab verify.
void Run::scenario_fault(const Scenario& s, ScenarioResult& r) {
  FaultRun f(s);
  // What the report shows of a fault that never came to pass (skipped, failed early): nulls.
  f.fault = {{"kind", fault_name(s.fault)},
             {"landed", false},
             {"start_s", nullptr},
             {"end_s", nullptr},
             {"recovery_s", nullptr},
             {"longest_stall_s", nullptr},
             {"lost", nullptr},
             {"duplicated", nullptr},
             {"verify", nullptr},
             {"members", json::array()}};
  if (s.fault == Fault::Outage) f.fault["outage_s"] = s.outage_s;
  r.extra["fault"] = f.fault;
  // What makes the fault impossible is told before anything is produced.
  if (!verify_available()) {
    verify_sink("", "", "", "", r);
    return;
  }
  if (s.fault == Fault::Outage) {
    if (auto why = outage_impossible(s.sink)) {
      r.skipped = true;
      r.problems.push_back("skipped: " + *why);
      return;
    }
  }
  f.topic = topic_for(s.id);
  f.group = prefix_ + s.id;
  f.table = store_for(s.sink, s.id);

  if (!produce_backlog(s, f.topic, 0.15, r)) return;

  // Every member runs to the end of the backlog by itself; with static membership (kill) the
  // restarted process takes its predecessor's place in the group without a rebalance.
  f.args = until_end_args(f.topic, f.group, s.sink, f.table);
  f.args.insert(f.args.end(), {"--batch-rows", std::to_string(s.batch_rows)});
  if (s.fault == Fault::Kill) f.args.insert(f.args.end(), {"--instance-id", f.group + "-1"});
  f.members.reserve(2);  // pointers to them are kept while waiting
  progress_->phase(fmt::format("consuming into {}, {} rows a batch", s.sink, s.batch_rows));
  f.members.push_back(start("consume", "consumer", f.args));
  f.roles.push_back(s.fault == Fault::Kill ? "killed" : s.fault == Fault::Rebalance ? "survivor" : "member");
  f.landed = wait_members(
                 f.all(), [&] { return f.stored() >= f.at(s.fault_at); }, s.count, 0.15, 0.75, r) &&
             !f.members[0].child->poll();
  f.fault["landed"] = f.landed;
  if (!f.landed) {
    // A consumer that failed is told of below, by its exit code; one that finished was too quick.
    if (f.members[0].child->poll() == 0 && !r.failed && !core::shutdown_requested()) {
      r.problems.push_back(
          fmt::format("the fault did not land: the consumer had stored all {} rows before the fault "
                      "could strike at {:.0f}% (a larger --scale makes the backlog last longer)",
                      s.count, 100 * s.fault_at));
    }
  } else {
    switch (s.fault) {
      case Fault::Kill: strike_kill(f, r); break;
      case Fault::Outage: strike_outage(f, r); break;
      case Fault::Rebalance: strike_rebalance(f, r); break;
      case Fault::None: break;
    }
  }
  collect_members(f, r);
  fault_figures(f, r);
}

void Run::strike_kill(FaultRun& f, ScenarioResult& r) {
  progress_->phase(fmt::format("SIGKILL at {} rows stored, restarting", f.stored()));
  f.fault["start_s"] = f.fault["end_s"] = now_s();
  const std::int64_t kill_ms = core::wall_ms();
  f.members[0].child->signal(SIGKILL);
  f.members[0].child->wait_for(10s);
  monitor_.unwatch(f.members[0].name);
  f.members.push_back(start("consume", "consumer-restarted", f.args));
  f.roles.push_back("restarted");
  wait_members(
      f.all(), [] { return false; }, f.s.count, 0.15, 0.75, r);
  f.recovery = recovery_ms(f.members[1].points(), kill_ms);
}

void Run::strike_outage(FaultRun& f, ScenarioResult& r) {
  const Scenario& s = f.s;
  // The store's own service: Ignite comes back in the mode it ran in (persistence is read at start).
  std::vector<std::pair<std::string, std::string>> env;
  if (s.sink == "ignite") env.emplace_back("STREAMLAB_IGNITE_PERSISTENCE", "1");
  f.service.emplace(services_script(), s.sink, env);
  progress_->phase(fmt::format("stopping {} for {:.0f} s at {} rows stored", s.sink, s.outage_s, f.stored()));
  f.fault["start_s"] = now_s();
  f.service->stop();
  const auto down = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - down < std::chrono::duration<double>(s.outage_s) &&
         !core::shutdown_requested()) {
    std::this_thread::sleep_for(100ms);
  }
  progress_->phase(fmt::format("starting {} again", s.sink));
  const std::string error = f.service->start();
  const std::int64_t up_ms = core::wall_ms();
  f.fault["end_s"] = now_s();
  if (!error.empty()) {
    r.failed = true;
    r.problems.push_back(error);
  }
  wait_members(
      f.all(), [] { return false; }, s.count, 0.15, 0.75, r);
  f.recovery = recovery_ms(f.members[0].points(), up_ms);
}

void Run::strike_rebalance(FaultRun& f, ScenarioResult& r) {
  const Scenario& s = f.s;
  progress_->phase(fmt::format("a second member joins at {} rows stored", f.stored()));
  f.fault["start_s"] = now_s();
  f.members.push_back(start("consume", "consumer-joined", f.args));
  f.roles.push_back("joined");
  // It leaves once the backlog is past leave_at and it has stored rows of its own: only then
  // does its leave hand the survivor partitions with work left in them.
  const bool leave = wait_members(
                         f.all(), [&] { return f.stored() >= f.at(s.leave_at) && f.members[1].stored() > 0; }, s.count,
                         0.15, 0.75, r) &&
                     !f.members[0].child->poll() && !f.members[1].child->poll();
  if (!leave) {
    if (!r.failed && !core::shutdown_requested()) {
      r.problems.push_back(fmt::format("the rebalance did not land: the second member {}",
                                       f.members[1].stored() == 0 ? "stored nothing before the backlog was done"
                                                                  : "was gone before it could leave"));
      wait_members(
          f.all(), [] { return false; }, s.count, 0.15, 0.75, r);
    }
    return;
  }
  progress_->phase(fmt::format("the second member leaves (SIGTERM) at {} rows stored", f.stored()));
  const std::size_t seen = f.members[0].assignment_lines();
  f.fault["end_s"] = now_s();
  const std::int64_t leave_ms = core::wall_ms();
  f.members[1].child->signal(SIGTERM);
  // The survivor's next assignment is the takeover; stamped here, as consume writes no time.
  std::optional<std::int64_t> takeover_ms;
  wait_members(
      f.all(),
      [&] {
        if (!takeover_ms && f.members[0].assignment_lines() > seen) takeover_ms = core::wall_ms();
        return false;
      },
      s.count, 0.15, 0.75, r);
  if (takeover_ms) f.recovery = recovery_ms(f.members[0].points(), leave_ms, *takeover_ms);
  if (!takeover_ms) r.notes.push_back("the survivor was not seen taking the leaving member's partitions over");
}

void Run::collect_members(FaultRun& f, ScenarioResult& r) {
  // Whatever is still running (a stall, Ctrl-C) is stopped; the exit codes go into the report.
  json member_rows = json::array();
  for (std::size_t i = 0; i < f.members.size(); ++i) {
    auto& m = f.members[i];
    const MemberEnd end = end_member(m);
    if (!f.landed) f.roles[i] = "member";  // nothing was done to it
    const bool killed = f.roles[i] == "killed";
    if (end.exit_code != 0 && !killed) {
      r.failed = true;
      r.problems.push_back(fmt::format("{} exited {}: {}", m.name, end.exit_code, m.stderr_tail()));
    }
    member_rows.push_back({{"name", m.name},
                           {"role", f.roles[i]},
                           {"consumed", end.consumed},
                           {"stored", end.stored},
                           {"exit_code", end.exit_code}});
    r.consumed += end.consumed;
    r.member_points.push_back(m.points());
  }
  if (f.service) {
    // Started again already unless that failed: one more try before verify reads the store.
    if (f.service->stopped()) {
      if (const std::string error = f.service->start(); !error.empty()) r.problems.push_back(error);
    }
    f.service.reset();
  }
  f.fault["members"] = member_rows;
  if (f.recovery) f.fault["recovery_s"] = static_cast<double>(*f.recovery) / 1000.0;
  if (f.landed && !f.recovery && !r.failed) {
    r.notes.push_back("no recovery figure: no row was left to store after the fault (the backlog was short)");
  }
}

void Run::fault_figures(FaultRun& f, ScenarioResult& r) {
  const Scenario& s = f.s;
  progress_->phase("streamlab verify");
  r.verified = verify_sink(f.topic, sink_uri(s.sink), f.table, f.group, r);
  progress_->update(1.0);
  if (r.verified) {
    r.stored = r.verified->rows + r.verified->dead_letters;
    f.fault["lost"] = r.verified->missing;
    f.fault["duplicated"] = r.verified->duplicated;
    f.fault["verify"] = to_json(*r.verified);
  }
  const Series series = align_members(r.produced_points, r.member_points, epoch_wall_ms_);
  f.fault["longest_stall_s"] = longest_stall_s(r.member_points);
  // Over the span in which rows were stored, the fault's dip included.
  double first = -1, last = -1;
  for (std::size_t i = 1; i < series.t.size(); ++i) {
    if (series.stored[i] - series.stored[i - 1] < 0.5) continue;
    if (first < 0) first = series.t[i - 1];
    last = series.t[i];
  }
  r.rates["store_rows_per_s"] = last > first && !series.stored.empty() ? series.stored.back() / (last - first) : 0.0;
  r.extra["fault"] = f.fault;
  r.notes.push_back(fmt::format(
      "{} rows a batch; consumed counts every member's reads (a replay after the fault counts again); stored, lost and "
      "duplicated are streamlab verify's",
      s.batch_rows));
  if (s.fault == Fault::Kill) {
    r.notes.push_back(
        "recovery: SIGKILL to the restarted consumer's first --stats line with a row stored (both members "
        "share one static member id, so the restart takes the partitions back without a rebalance)");
  } else if (s.fault == Fault::Outage) {
    r.notes.push_back(
        "recovery: the services script's start returning to the consumer's next --stats line with a new row");
  } else {
    r.notes.push_back(
        "recovery: the second member's SIGTERM to the survivor's first --stats line with a new row after "
        "its next assignment (the partitions it took over)");
  }
  progress_->note(fmt::format(
      "  {}: recovery {}; {}", s.id,
      f.recovery ? fmt::format("{:.2f} s", static_cast<double>(*f.recovery) / 1000.0) : "—",
      r.verified ? fmt::format("verify: {} lost, {} duplicated", r.verified->missing, r.verified->duplicated)
                 : "not verified"));
}

}  // namespace streamlab::bench
