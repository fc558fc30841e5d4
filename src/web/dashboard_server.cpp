#include "web/dashboard_server.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "core/errors.hpp"
#include "core/paths.hpp"
#include "host/process_monitor.hpp"

namespace streamlab::web {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr milliseconds kAnalyzeEvery{50};
constexpr int kTicksPerSnapshot = 4;  // a snapshot every 200 ms
constexpr milliseconds kPollEvery{500};
constexpr int kWatermarkTimeoutMs = 500;
// Finding the broker by its port scans /proc: once a second is enough for a chart.
constexpr milliseconds kMonitorEvery{1000};
// Workers beyond the event streams' cap: a browser opens up to six connections to one host.
constexpr std::size_t kSpareWorkers = 8;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};

// The port of the first bootstrap broker, to find its process; 0 when there is none to find.
std::uint16_t first_broker_port(const std::string& brokers) {
  std::string first = brokers.substr(0, brokers.find(','));
  if (const auto scheme = first.find("://"); scheme != std::string::npos) first = first.substr(scheme + 3);
  const auto colon = first.rfind(':');
  if (colon == std::string::npos) return 0;
  unsigned port = 0;
  const char* end = first.data() + first.size();
  auto [ptr, ec] = std::from_chars(first.data() + colon + 1, end, port);
  return ec == std::errc() && ptr == end && port <= 65535 ? static_cast<std::uint16_t>(port) : 0;
}

}  // namespace

std::pair<std::string, std::uint16_t> parse_listen_address(const std::string& address) {
  const auto bad = [&](const char* why) {
    return core::UsageError(
        fmt::format("--web expects HOST:PORT (e.g. 127.0.0.1:8080, port 0 = any free one), "
                    "got '{}': {}",
                    address, why));
  };
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) throw bad("no port");
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) throw bad("no host");
  const std::string port_text = address.substr(colon + 1);
  unsigned port = 0;
  const char* end = port_text.data() + port_text.size();
  auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc() || ptr != end || port > 65535) throw bad("the port is not 0-65535");
  return {host, static_cast<std::uint16_t>(port)};
}

std::filesystem::path dashboard_dist_dir() { return core::web_dist() / "dashboard"; }

void check_web_token(const std::string& token) {
  if (token.empty()) return;
  if (token.size() < 16) throw core::UsageError("--web-token: at least 16 characters, so that it cannot be guessed");
  for (const char c : token) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("-._~+/=").find(c) == std::string_view::npos) {
      throw core::UsageError("--web-token: only letters, digits and -._~+/= (it travels in a cookie and a header)");
    }
  }
}

std::string presented_token(std::string_view authorization, std::string_view query_token, std::string_view cookie) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.starts_with(kBearer)) return std::string(authorization.substr(kBearer.size()));
  if (!query_token.empty()) return std::string(query_token);
  constexpr std::string_view kCookie = "streamlab_token=";
  // "a=1; streamlab_token=T; b=2"
  for (std::size_t at = 0; at < cookie.size();) {
    std::size_t end = cookie.find(';', at);
    if (end == std::string_view::npos) end = cookie.size();
    std::string_view part = cookie.substr(at, end - at);
    while (part.starts_with(' ')) part.remove_prefix(1);
    if (part.starts_with(kCookie)) return std::string(part.substr(kCookie.size()));
    at = end + 1;
  }
  return {};
}

bool same_token(std::string_view expected, std::string_view given) {
  unsigned char diff = expected.size() == given.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    diff |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : 0));
  }
  return diff == 0;
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

DashboardServer::DashboardServer(DashboardOptions options, rd_kafka_t* consumer)
    : options_(std::move(options)),
      consumer_(consumer),
      state_(options_.info),
      server_(std::make_unique<httplib::Server>()) {
  const auto [host, port] = parse_listen_address(options_.address);
  const std::filesystem::path dist = dashboard_dist_dir();
  if (!std::filesystem::is_regular_file(dist / "index.html") || !std::filesystem::is_regular_file(dist / "app.js")) {
    throw core::RuntimeFailure(
        fmt::format("--web: the dashboard's front end is not built ({} has no index.html and app.js); run web/build "
                    "(or point STREAMLAB_WEB_DIST at a built web/dist)",
                    dist.string()));
  }
  // Everything the page needs comes from here; the browser is told not to load anything else.
  server_->set_default_headers(
      {{"Content-Security-Policy", "default-src 'self'; img-src 'self' data:"}, {"X-Content-Type-Options", "nosniff"}});
  // httplib's default sets SO_REUSEPORT, which lets a second dashboard bind a port already in
  // use without an error; SO_REUSEADDR alone still allows a quick restart on the same port.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // Workers for every event stream the cap allows and spare ones, so the page and /metrics are
  // always answered; an idle keep-alive connection gives its worker back after 2 s.
  const std::size_t workers = options_.max_event_streams + kSpareWorkers;
  server_->new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  server_->set_keep_alive_timeout(2);
  if (!options_.token.empty()) {
    // Before any route or file: nothing is served to a request without the token.
    server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      const std::string query = req.get_param_value("token");
      if (same_token(options_.token,
                     presented_token(req.get_header_value("Authorization"), query, req.get_header_value("Cookie")))) {
        if (query.empty()) return httplib::Server::HandlerResponse::Unhandled;
        // Opened from a link with the token: the browser keeps it in a cookie for the page's own
        // requests (its /events stream among them), and the address bar loses it.
        res.set_header("Set-Cookie", "streamlab_token=" + options_.token + "; HttpOnly; SameSite=Strict; Path=/");
        res.set_redirect(req.path);
        return httplib::Server::HandlerResponse::Handled;
      }
      res.status = 401;
      res.set_header("WWW-Authenticate", "Bearer realm=\"streamlab\"");
      res.set_content(
          "this dashboard needs its token (--web-token): open /?token=TOKEN, or send Authorization: "
          "Bearer TOKEN\n",
          "text/plain; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    });
  }
  server_->set_mount_point("/", dist.string());
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(state_.metrics(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/events", [this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    if (event_streams_.fetch_add(1) >= options_.max_event_streams) {
      --event_streams_;
      res.status = 503;
      res.set_header("Retry-After", "5");
      res.set_content(fmt::format("the dashboard serves at most {} /events streams at once (--web-clients)\n",
                                  options_.max_event_streams),
                      "text/plain; charset=utf-8");
      return;
    }
    // Ends with the stream: the provider, and this with it, goes when the response does.
    std::shared_ptr<void> slot(nullptr, [this](void*) { --event_streams_; });
    auto cursor = std::make_shared<LiveState::Cursor>();
    res.set_chunked_content_provider("text/event-stream", [this, cursor, slot](std::size_t, httplib::DataSink& sink) {
      std::string event;
      while (!state_.next_event(*cursor, event, milliseconds(1000))) {
        if (state_.stopped()) {
          sink.done();
          return true;
        }
        // A comment line: lets a dropped connection show up as a failed write.
        if (!sink.write(": idle\n\n", 8)) return false;
      }
      event.insert(0, "data: ");
      event += "\n\n";
      return sink.write(event.data(), event.size());
    });
  });

  errno = 0;
  const int bound = port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    throw core::RuntimeFailure(fmt::format("--web: cannot listen on {}{}", options_.address,
                                           errno != 0 ? fmt::format(": {}", std::strerror(errno)) : ""));
  }
  url_ = fmt::format("http://{}:{}/", host.find(':') != std::string::npos ? "[" + host + "]" : host, bound);

  monitor_ = std::make_unique<host::ProcessMonitor>(kMonitorEvery);
  monitor_->watch_pid("streamlab", "streamlab", getpid());
  // The broker, when it runs on this machine and is visible in /proc.
  if (const std::uint16_t broker_port = first_broker_port(options_.brokers); broker_port != 0) {
    if (const pid_t broker = host::pid_listening_on(broker_port); broker != 0 && broker != getpid()) {
      monitor_->watch_port("kafka", "service", broker_port);
    }
  }
  monitor_->start();
  if (!options_.broker_metrics.empty()) brokers_ = std::make_unique<host::BrokerScraper>(options_.broker_metrics);

  listener_ = std::thread([this] { server_->listen_after_bind(); });
  ticker_ = std::thread([this] { run_ticker(); });
  poller_ = std::thread([this] { run_poller(); });
}

DashboardServer::~DashboardServer() { stop(); }

void DashboardServer::stop() {
  {
    std::lock_guard lock(stop_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  state_.stop();  // ends the event streams, so the server's workers can finish
  server_->stop();
  for (std::thread* t : {&listener_, &ticker_, &poller_}) {
    if (t->joinable()) t->join();
  }
  monitor_->stop();
}

bool DashboardServer::wait_until(SteadyClock::time_point t) {
  std::unique_lock lock(stop_mu_);
  return stop_cv_.wait_until(lock, t, [this] { return stopping_; });
}

void DashboardServer::run_ticker() {
  auto next = SteadyClock::now();
  for (int n = 0;; ++n) {
    state_.analyze();
    if (n % kTicksPerSnapshot == 0) state_.tick();
    next += kAnalyzeEvery;
    // After a stall, restart the schedule rather than firing a burst of updates.
    if (const auto now = SteadyClock::now(); now > next + kAnalyzeEvery * kTicksPerSnapshot) next = now;
    if (wait_until(next)) return;
  }
}

void DashboardServer::run_poller() {
  do {
    poll_offsets();
    poll_processes();
    poll_brokers();
  } while (!wait_until(SteadyClock::now() + kPollEvery));
}

void DashboardServer::poll_offsets() {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(consumer_, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR || raw == nullptr) return;
  std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter> assigned(raw);
  rd_kafka_position(consumer_, assigned.get());  // the next offset the application reads
  const auto now = SteadyClock::now();
  std::vector<PartitionOffsets> partitions;
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> high;
  std::int64_t produced = 0;
  for (int i = 0; i < assigned->cnt; ++i) {
    const rd_kafka_topic_partition_t& tp = assigned->elems[i];
    std::int64_t lo = 0, hi = 0;
    // Asking the broker is exact even while fetching is paused; the cached values from the
    // last fetch response are the fallback.
    if (rd_kafka_query_watermark_offsets(consumer_, tp.topic, tp.partition, &lo, &hi, kWatermarkTimeoutMs) !=
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        (rd_kafka_get_watermark_offsets(consumer_, tp.topic, tp.partition, &lo, &hi) != RD_KAFKA_RESP_ERR_NO_ERROR ||
         hi < 0)) {
      continue;
    }
    PartitionOffsets p{
        .topic = tp.topic, .partition = tp.partition, .high = hi, .position = tp.offset >= 0 ? tp.offset : -1};
    // Before its first message a partition's position is unknown: all of it is still to be
    // read, unless reading starts at the end.
    p.lag = p.position >= 0 ? std::max<std::int64_t>(0, hi - p.position)
                            : (options_.start_from_end ? 0 : std::max<std::int64_t>(0, hi - lo));
    const auto key = std::make_pair(p.topic, p.partition);
    if (const auto it = last_high_.find(key); it != last_high_.end() && hi >= it->second) produced += hi - it->second;
    high[key] = hi;
    partitions.push_back(std::move(p));
  }
  const double dt = std::chrono::duration<double>(now - last_high_at_).count();
  const double rate = !last_high_.empty() && dt > 0 ? static_cast<double>(produced) / dt : 0;
  last_high_ = std::move(high);
  last_high_at_ = now;
  state_.set_partitions(std::move(partitions), rate);
}

void DashboardServer::poll_processes() {
  std::vector<ProcessUsage> usage;
  for (const auto& series : monitor_->processes()) {
    if (series.cpu_pct.empty() || series.rss_bytes.empty()) continue;
    usage.push_back({series.name, series.cpu_pct.back(), series.rss_bytes.back()});
  }
  state_.set_processes(std::move(usage));
}

void DashboardServer::poll_brokers() {
  if (brokers_) state_.set_brokers(brokers_->sample());
}

}  // namespace streamlab::web
