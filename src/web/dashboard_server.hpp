#pragma once
// `consume --web HOST:PORT`: the live dashboard. An HTTP server (cpp-httplib, its own threads)
// serves the built front end, /events (Server-Sent Events: a snapshot 5 times a second with
// the new feed cards; at most max_event_streams at once) and /metrics (Prometheus text format); a ticker thread parses
// what the consume loop handed over and closes each update; a poller thread reads the high watermarks and positions of
// the assigned partitions and the CPU and RSS of this process and the broker.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "web/live_state.hpp"

namespace httplib {
class Server;
}
namespace streamlab::host {
class ProcessMonitor;
}

namespace streamlab::web {

struct DashboardOptions {
  std::string address;  // HOST:PORT, port 0 = any free one
  DashboardInfo info;
  std::string brokers;          // bootstrap list, to find the broker's process by its port
  bool start_from_end = false;  // a partition's lag before its first message: 0 rather than all of it
  // /events streams served at once; more are answered 503. Each holds one of the server's
  // workers for as long as it lasts, so the server has this many plus spare ones for the page
  // and /metrics.
  std::size_t max_event_streams = 16;
  // The brokers' Prometheus endpoints (deploy/local/services env: $STREAMLAB_KAFKA_METRICS),
  // scraped once a second; none: no broker panel.
  std::vector<std::string> broker_metrics;
  // Every request must present this (empty = none needed): `Authorization: Bearer TOKEN` (a
  // Prometheus scrape), or a browser's cookie, set when it opens a page with ?token=TOKEN.
  std::string token;
};

// A --web-token as given: empty, or at least 16 characters of letters, digits and -._~+/=
// (what a cookie and a bearer header carry as they are); UsageError naming the problem otherwise.
void check_web_token(const std::string& token);
// The token a request presents: its bearer header's, else its ?token=, else its streamlab_token cookie's.
std::string presented_token(std::string_view authorization, std::string_view query_token, std::string_view cookie);
// Compares in time that does not depend on where they differ.
bool same_token(std::string_view expected, std::string_view given);
// 127.0.0.0/8, ::1 and localhost: an address only this machine reaches.
bool is_loopback_host(const std::string& host);

// "127.0.0.1:8080", "localhost:0", "[::1]:8080" → host and port; UsageError otherwise.
std::pair<std::string, std::uint16_t> parse_listen_address(const std::string& address);

// Where the built front end is: $STREAMLAB_WEB_DIST, else the build's web/dist, + "/dashboard".
std::filesystem::path dashboard_dist_dir();

class DashboardServer {
 public:
  // Listens and starts its threads; `consumer` (not owned) must outlive stop().
  // Throws UsageError for a bad address, RuntimeFailure when it cannot listen or the front end
  // is not built.
  DashboardServer(DashboardOptions options, rd_kafka_t* consumer);
  ~DashboardServer();
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  LiveState& state() { return state_; }
  const std::string& url() const { return url_; }
  // Ends the event streams, the server and the threads; idempotent.
  void stop();

 private:
  void run_ticker();
  void run_poller();
  void poll_offsets();
  void poll_processes();
  void poll_brokers();
  // Sleeps until `t` or stop(); true when stopping.
  bool wait_until(std::chrono::steady_clock::time_point t);

  DashboardOptions options_;
  rd_kafka_t* consumer_;
  LiveState state_;
  std::unique_ptr<httplib::Server> server_;
  std::unique_ptr<host::ProcessMonitor> monitor_;
  std::unique_ptr<host::BrokerScraper> brokers_;  // null without options_.broker_metrics
  std::string url_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread listener_, ticker_, poller_;
  std::atomic<std::size_t> event_streams_{0};
  // Poller state: the previous high watermarks, for the produced rate.
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> last_high_;
  std::chrono::steady_clock::time_point last_high_at_{};
};

}  // namespace streamlab::web
