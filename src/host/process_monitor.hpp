#pragma once
// Samples CPU% and RSS of the processes of an experiment from /proc (at least once a second),
// and the size of a directory (the broker's log dir), on a background thread.
//
// A watched "process" is a set of pids re-resolved at every sample, so a PostgreSQL server
// counts with every backend it forks, and a service is found by the port it listens on.
// CPU% is of one core (a process busy on both cores of this machine shows 200%).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace streamlab::host {

struct ProcessSeries {
  std::string name;                      // "kafka", "postgres", "consumer", …
  std::string role;                      // "service" | "streamlab" | "baseline"
  std::vector<double> t_s;               // seconds since the monitor's epoch
  std::vector<double> cpu_pct;           // summed over the set's pids, of one core
  std::vector<std::uint64_t> rss_bytes;  // summed over the set's pids
  std::vector<int> pids;                 // how many pids the set had
};

struct DiskSeries {
  std::string name;
  std::vector<double> t_s;
  std::vector<std::uint64_t> bytes;
};

struct ResourceSummary {
  double cpu_pct_mean = 0;
  double cpu_pct_max = 0;
  std::uint64_t rss_bytes_max = 0;
  std::size_t samples = 0;
};

// What the monitor reads from one line of /proc/<pid>/stat.
struct ProcStat {
  pid_t pid = 0;
  char state = '?';
  pid_t ppid = 0;
  std::uint64_t cpu_ticks = 0;    // utime + stime, in clock ticks
  std::uint64_t start_ticks = 0;  // start time after boot: tells a reused pid apart
};
// The command name may hold spaces and parentheses: the fields start after its last ')'.
std::optional<ProcStat> parse_proc_stat(std::string_view line);
// Socket inodes in LISTEN state on `port`, from the text of /proc/net/tcp or /proc/net/tcp6.
std::vector<std::uint64_t> listening_inodes(std::string_view proc_net_tcp, std::uint16_t port);
// Mean/max over the samples of `series` with t in [from_s, to_s].
ResourceSummary summarize(const ProcessSeries& series, double from_s, double to_s);
// The total size of the regular files under `dir`; files vanishing meanwhile are skipped.
std::uint64_t directory_bytes(const std::filesystem::path& dir);

// The pid owning a socket listening on `port` (TCP, IPv4 or IPv6), or 0.
pid_t pid_listening_on(std::uint16_t port);
// `pid` and all its descendants.
std::vector<pid_t> process_tree(pid_t pid);

class ProcessMonitor {
 public:
  using Clock = std::chrono::steady_clock;
  // `epoch`: t = 0 of every series (the bench passes its own start).
  explicit ProcessMonitor(std::chrono::milliseconds interval = std::chrono::milliseconds(500),
                          Clock::time_point epoch = Clock::now());
  ~ProcessMonitor();  // stops the thread

  // One process and its descendants (a child the bench started; it may exit meanwhile).
  void watch_pid(const std::string& name, const std::string& role, pid_t pid);
  // Whatever listens on `port`, with its descendants (PostgreSQL backends, …) found at each
  // sample; the listener is looked up again once it is gone, so a restarted service is followed.
  void watch_port(const std::string& name, const std::string& role, std::uint16_t port);
  // The total size of the files under `dir` (the broker's log dirs): every 5 s and at each
  // sample_now(), walking thousands of files being too costly for every interval.
  void watch_disk(const std::string& name, std::filesystem::path dir);
  void unwatch(const std::string& name);  // stops sampling it; its series is kept

  void start();
  void stop();
  void sample_now();  // one sample of everything, on the caller's thread (start() does this periodically)

  std::vector<ProcessSeries> processes() const;
  std::vector<DiskSeries> disks() const;
  // Mean/max over the samples with t in [from_s, to_s].
  ResourceSummary summary(const std::string& name, double from_s, double to_s) const;
  // {"interval_ms", "processes": [{name, role, t, cpu_pct, rss_bytes}], "disk": [{name, t, bytes}]}
  nlohmann::json to_json() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamlab::host
