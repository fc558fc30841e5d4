// The wan scenario: the lab measured a remote server (53 and 179 tweets/s over its network); here
// Toxiproxy's proxies put a link with a round-trip time and a bandwidth between the clients and
// the broker (and, as a second case, the database). Each case runs over loopback first, then
// across the link, with the same procedure as its own scenario (live, backlog, sink), so the
// figures stand side by side; a producer that waits for each tweet's acknowledgement before
// sending the next shows what batching and pipelining recover.
#include <sstream>

#include <fmt/format.h>

#include "bench/run.hpp"
#include "core/errors.hpp"
#include "core/shutdown.hpp"

namespace streamlab::bench {

using json = nlohmann::json;

namespace {

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// "host:port" of a URI ("scheme://[user@]host:port/…").
std::string host_port(const std::string& uri) {
  std::string rest = uri.substr(uri.find("://") == std::string::npos ? 0 : uri.find("://") + 3);
  if (const auto at = rest.rfind('@', rest.find('/')); at != std::string::npos) rest = rest.substr(at + 1);
  return rest.substr(0, rest.find('/'));
}

json figure(double v) { return v > 0 ? json(v) : json(nullptr); }

}  // namespace

// While it lives, the children the run starts reach the services through the link's proxies
// (Kafka's, and the store's when `store` is set), and the link has its shape; then plain again.
class Run::Across {
 public:
  Across(Run& run, host::NetworkLink& link, const host::LinkShape& shape, bool kafka, const std::string& store_uri)
      : run_(run), link_(link), saved_(run.route_) {
    // Shaped first: when Toxiproxy refuses, the children's addresses stay as they were (a
    // constructor that throws runs no destructor).
    link_.shape(shape);
    if (kafka) run_.route_.brokers = run_.c_.services.wan_brokers;
    if (!store_uri.empty()) run_.route_.postgres = store_uri;
  }
  Across(const Across&) = delete;
  Across& operator=(const Across&) = delete;
  ~Across() {
    run_.route_ = saved_;
    try {
      link_.clear();
    } catch (const std::exception& e) {
      run_.progress_->note(fmt::format("warning: the link stays shaped: {}", e.what()));
    }
  }

 private:
  Run& run_;
  host::NetworkLink& link_;
  ServiceUris saved_;
};

// One run of `sub` (a live, backlog or sink scenario) by its own procedure: its JSON, its
// problems prefixed with `label` into `r`, its counts added to r's.
json Run::wan_run(const Scenario& sub, const std::string& label, ScenarioResult& r) {
  ScenarioResult sr;
  const double t0 = now_s();
  try {
    run_scenario(sub, sr);
  } catch (const std::exception& e) {
    sr.failed = true;
    sr.problems.push_back(fmt::format("failed: {}", e.what()));
  }
  json j = scenario_json(sub, sr, t0, now_s());
  for (const auto& p : j["problems"]) r.problems.push_back(fmt::format("{}: {}", label, p.get<std::string>()));
  if (!j["ok"].get<bool>()) r.failed = true;
  r.produced += sr.produced;
  r.consumed += sr.consumed;
  return j;
}

void Run::scenario_wan(const Scenario& s, ScenarioResult& r) {
  json cases = json::array();
  r.extra["wan"] = {{"rtt_ms", s.link.rtt_ms},
                    {"bandwidth_mbit", s.link.bandwidth_mbit > 0 ? json(s.link.bandwidth_mbit) : json(nullptr)},
                    {"link", host::describe(s.link)},
                    {"cases", cases}};
  const ServiceUris& u = c_.services;
  if (u.toxiproxy.empty() || u.wan_brokers.empty()) {
    r.skipped = true;
    r.problems.push_back(
        "skipped: no Toxiproxy ($STREAMLAB_TOXIPROXY, $STREAMLAB_WAN_BROKERS): deploy/local/services start toxiproxy, "
        "then eval \"$(deploy/local/services env)\"");
    return;
  }
  std::optional<host::NetworkLink> kafka_link, store_link;
  try {
    kafka_link.emplace(u.toxiproxy, split_list(u.wan_brokers));
  } catch (const core::RuntimeFailure& e) {
    r.skipped = true;
    r.problems.push_back(fmt::format("skipped: {}", e.what()));
    return;
  }
  const auto add = [&](const std::string& what, const std::string& measure, const std::string& unit, double loopback,
                       double across) {
    cases.push_back({{"case", what},
                     {"measure", measure},
                     {"unit", unit},
                     {"loopback", figure(loopback)},
                     {"link", figure(across)},
                     {"ratio", loopback > 0 && across > 0 ? json(across / loopback) : json(nullptr)}});
  };
  const auto sub = [&](Kind kind, const std::string& id) {
    Scenario x;
    x.id = s.id + "-" + id;
    x.title = x.id;
    x.kind = kind;
    x.payload = s.payload;
    return x;
  };

  // Tweets at the lab's live rate, the producer and the live consumer both across the link.
  if (!core::shutdown_requested()) {
    Scenario live = sub(Kind::Live, "live");
    live.rate = s.rate;
    live.duration_s = s.duration_s;
    progress_->phase("tweets live over loopback");
    const json near = wan_run(live, "live over loopback", r);
    live.id += "-link";
    progress_->phase(fmt::format("tweets live across the link ({})", host::describe(s.link)));
    json far;
    {
      Across across(*this, *kafka_link, s.link, true, "");
      far = wan_run(live, "live across the link", r);
    }
    const std::string what = fmt::format("tweets live at {:g}/s", s.rate);
    for (const char* p : {"p50", "p99"}) {
      add(what, fmt::format("end-to-end latency {}", p), "ms", num(near["latency_ms"], p), num(far["latency_ms"], p));
    }
  }

  // A backlog produced unpaced, then consumed from the beginning.
  if (!core::shutdown_requested()) {
    Scenario backlog = sub(Kind::Backlog, "backlog");
    backlog.count = s.count;
    progress_->phase("a tweet backlog over loopback");
    const json near = wan_run(backlog, "backlog over loopback", r);
    backlog.id += "-link";
    progress_->phase("a tweet backlog across the link");
    json far;
    {
      Across across(*this, *kafka_link, s.link, true, "");
      far = wan_run(backlog, "backlog across the link", r);
    }
    const std::string what = fmt::format("a backlog of {} tweets", s.count);
    add(what, "produce", "tweets/s", num(near["rates"], "produce_msgs_per_s"), num(far["rates"], "produce_msgs_per_s"));
    add(what, "consume", "tweets/s", num(near["rates"], "consume_msgs_per_s"), num(far["rates"], "consume_msgs_per_s"));
  }

  // The producer without batching or pipelining: one tweet per request and one request in flight,
  // so each tweet waits for the one before it to be acknowledged (a round trip each).
  if (!core::shutdown_requested()) {
    Scenario lockstep = sub(Kind::Backlog, "lockstep");
    lockstep.count = s.lockstep_count;
    const std::vector<std::string> one_at_a_time = {
        "-X", "batch.num.messages=1", "-X", "linger.ms=0", "-X", "max.in.flight.requests.per.connection=1"};
    double rates[2] = {0, 0};
    for (const bool far : {false, true}) {
      ScenarioResult sr;
      std::optional<Across> across;
      if (far) across.emplace(*this, *kafka_link, s.link, true, "");
      progress_->phase(fmt::format("one tweet per round trip {}", far ? "across the link" : "over loopback"));
      const std::string topic = topic_for(lockstep.id + (far ? "-link" : ""));
      if (!produce_backlog(lockstep, topic, 0, sr, one_at_a_time)) {
        r.failed = true;
        for (const auto& p : sr.problems) r.problems.push_back("one tweet per round trip: " + p);
      }
      rates[far ? 1 : 0] = num(sr.rates, "produce_msgs_per_s");
    }
    add(fmt::format("{} tweets, each acknowledged before the next is sent", s.lockstep_count), "produce", "tweets/s",
        rates[0], rates[1]);
  }

  // The sink: the backlog stored over loopback, with Kafka across the link, with the store across it.
  if (!s.link_sink.empty() && !core::shutdown_requested()) {
    if (auto why = sink_unavailable(s.link_sink)) {
      r.notes.push_back(fmt::format("the {} cases were not run: {}", s.link_sink, *why));
    } else {
      Scenario drain = sub(Kind::Sink, "sink");
      drain.sink = s.link_sink;
      drain.count = s.count;
      const auto stored = [](const json& j) { return num(j["rates"], "store_rows_per_s"); };
      progress_->phase(fmt::format("a tweet backlog into {} over loopback", s.link_sink));
      const double near = stored(wan_run(drain, s.link_sink + " over loopback", r));
      double far_kafka = 0, far_store = 0;
      drain.id += "-kafka-link";
      progress_->phase(fmt::format("into {}, Kafka across the link", s.link_sink));
      {
        Across across(*this, *kafka_link, s.link, true, "");
        far_kafka = stored(wan_run(drain, s.link_sink + ", Kafka across the link", r));
      }
      if (u.wan_postgres.empty()) {
        r.notes.push_back("no $STREAMLAB_WAN_POSTGRES: the store across the link was not run");
      } else {
        try {
          store_link.emplace(u.toxiproxy, std::vector<std::string>{host_port(u.wan_postgres)});
          drain.id = s.id + "-sink-store-link";
          progress_->phase(fmt::format("into {} across the link", s.link_sink));
          Across across(*this, *store_link, s.link, false, u.wan_postgres);
          far_store = stored(wan_run(drain, s.link_sink + " across the link", r));
        } catch (const core::RuntimeFailure& e) {
          r.failed = true;
          r.problems.push_back(fmt::format("{} across the link: {}", s.link_sink, e.what()));
        }
      }
      const std::string what = fmt::format("a backlog of {} tweets into {}", s.count, s.link_sink);
      add(what + ", Kafka across the link", "store", "rows/s", near, far_kafka);
      add(what + ", " + s.link_sink + " across the link", "store", "rows/s", near, far_store);
    }
  }
  r.extra["wan"]["cases"] = cases;
  r.notes.push_back(fmt::format(
      "across the link: Toxiproxy adds half of the {:g} ms round trip in each direction{}; over loopback: the same "
      "procedure against the services themselves, just before",
      s.link.rtt_ms,
      s.link.bandwidth_mbit > 0 ? fmt::format(" and limits each direction to {:g} Mbit/s", s.link.bandwidth_mbit)
                                : ""));
}

}  // namespace streamlab::bench
