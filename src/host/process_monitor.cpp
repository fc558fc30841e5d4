#include "host/process_monitor.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace streamlab::host {
namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(out).str();
}

template <typename T>
bool parse_number(std::string_view text, T& value, int base = 10) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  return ec == std::errc() && end == text.data() + text.size();
}

// Whitespace-separated fields of `text`.
std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n') ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  return fields;
}

// Every numeric entry of /proc: the pids alive now.
std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return pids;
  while (const dirent* entry = readdir(dir)) {
    pid_t pid = 0;
    if (parse_number(std::string_view(entry->d_name), pid) && pid > 0) pids.push_back(pid);
  }
  closedir(dir);
  return pids;
}

std::optional<ProcStat> read_proc_stat(pid_t pid) {
  const auto text = read_small_file(fmt::format("/proc/{}/stat", pid));
  if (!text) return std::nullopt;
  return parse_proc_stat(*text);
}

std::uint64_t read_rss_bytes(pid_t pid) {
  static const auto page_size = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  const auto text = read_small_file(fmt::format("/proc/{}/statm", pid));
  if (!text) return 0;
  const auto fields = split_fields(*text);
  std::uint64_t pages = 0;
  if (fields.size() < 2 || !parse_number(fields[1], pages)) return 0;
  return pages * page_size;
}

bool alive(const ProcStat& stat) { return stat.state != 'Z' && stat.state != 'X'; }

// parent -> children over every live process, read once per sample.
using ChildMap = std::multimap<pid_t, pid_t>;

ChildMap read_child_map() {
  ChildMap children;
  for (const pid_t pid : all_pids()) {
    if (const auto stat = read_proc_stat(pid); stat && alive(*stat)) children.emplace(stat->ppid, pid);
  }
  return children;
}

std::vector<pid_t> tree_of(pid_t root, const ChildMap& children) {
  std::vector<pid_t> tree{root};
  std::set<pid_t> seen{root};
  for (std::size_t i = 0; i < tree.size(); ++i) {
    const auto [first, last] = children.equal_range(tree[i]);
    for (auto it = first; it != last; ++it) {
      if (seen.insert(it->second).second) tree.push_back(it->second);
    }
  }
  return tree;
}

std::set<std::uint64_t> listening_inode_set(std::uint16_t port) {
  std::set<std::uint64_t> inodes;
  for (const char* path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    if (const auto text = read_small_file(path)) {
      for (const auto inode : listening_inodes(*text, port)) inodes.insert(inode);
    }
  }
  return inodes;
}

// Whether one of `pid`'s descriptors is one of the sockets `inodes`.
bool owns_socket(pid_t pid, const std::set<std::uint64_t>& inodes) {
  const std::string fd_dir = fmt::format("/proc/{}/fd", pid);
  DIR* dir = opendir(fd_dir.c_str());
  if (dir == nullptr) return false;
  bool found = false;
  char target[128];
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const std::string link = fd_dir + "/" + entry->d_name;
    const ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0) continue;
    const std::string_view text(target, static_cast<std::size_t>(n));
    constexpr std::string_view prefix = "socket:[";
    if (!text.starts_with(prefix) || !text.ends_with("]")) continue;
    std::uint64_t inode = 0;
    if (parse_number(text.substr(prefix.size(), text.size() - prefix.size() - 1), inode) && inodes.count(inode) != 0) {
      found = true;
      break;
    }
  }
  closedir(dir);
  return found;
}

// Of several owners of a listening socket (a pre-forking server), the one whose parent is
// not an owner too.
pid_t root_owner(const std::vector<pid_t>& owners) {
  if (owners.empty()) return 0;
  const std::set<pid_t> set(owners.begin(), owners.end());
  for (const pid_t pid : owners) {
    const auto stat = read_proc_stat(pid);
    if (stat && set.count(stat->ppid) == 0) return pid;
  }
  return *std::min_element(owners.begin(), owners.end());
}

pid_t find_listener(std::uint16_t port, pid_t hint) {
  const auto inodes = listening_inode_set(port);
  if (inodes.empty()) return 0;
  if (hint > 0 && owns_socket(hint, inodes)) return hint;
  std::vector<pid_t> owners;
  for (const pid_t pid : all_pids()) {
    if (owns_socket(pid, inodes)) owners.push_back(pid);
  }
  return root_owner(owners);
}

void add_directory_bytes(const fs::path& dir, std::uint64_t& total, int depth) {
  if (depth > 64) return;  // a loop of bind mounts or the like: enough
  std::error_code ec;
  fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (const fs::directory_iterator end; !ec && it != end; it.increment(ec)) {
    std::error_code entry_ec;
    const auto status = it->symlink_status(entry_ec);
    if (entry_ec) continue;  // vanished meanwhile
    if (fs::is_regular_file(status)) {
      const auto size = it->file_size(entry_ec);
      if (!entry_ec) total += size;
    } else if (fs::is_directory(status)) {
      add_directory_bytes(it->path(), total, depth + 1);
    }
  }
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view line) {
  const auto open = line.find('(');
  const auto close = line.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  ProcStat stat;
  const auto pid_text = line.substr(0, open);
  const auto pid_fields = split_fields(pid_text);
  if (pid_fields.size() != 1 || !parse_number(pid_fields[0], stat.pid)) return std::nullopt;
  // Fields 3.. of proc(5): state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt,
  // majflt, cmajflt, utime (14), stime (15), cutime, cstime, priority, nice, num_threads,
  // itrealvalue, starttime (22).
  const auto fields = split_fields(line.substr(close + 1));
  if (fields.size() < 20 || fields[0].size() != 1) return std::nullopt;
  stat.state = fields[0][0];
  std::uint64_t utime = 0;
  std::uint64_t stime = 0;
  if (!parse_number(fields[1], stat.ppid) || !parse_number(fields[11], utime) || !parse_number(fields[12], stime) ||
      !parse_number(fields[19], stat.start_ticks)) {
    return std::nullopt;
  }
  stat.cpu_ticks = utime + stime;
  return stat;
}

std::vector<std::uint64_t> listening_inodes(std::string_view text, std::uint16_t port) {
  std::vector<std::uint64_t> inodes;
  std::size_t pos = 0;
  bool header = true;
  while (pos < text.size()) {
    auto eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const auto line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (header) {  // the column names
      header = false;
      continue;
    }
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    const auto fields = split_fields(line);
    if (fields.size() < 10 || fields[3] != "0A") continue;  // 0A: TCP_LISTEN
    const auto colon = fields[1].rfind(':');
    if (colon == std::string_view::npos) continue;
    unsigned local_port = 0;
    std::uint64_t inode = 0;
    if (!parse_number(fields[1].substr(colon + 1), local_port, 16) || local_port != port) continue;
    if (parse_number(fields[9], inode) && inode != 0) inodes.push_back(inode);
  }
  return inodes;
}

ResourceSummary summarize(const ProcessSeries& series, double from_s, double to_s) {
  ResourceSummary summary;
  double cpu_sum = 0;
  for (std::size_t i = 0; i < series.t_s.size(); ++i) {
    if (series.t_s[i] < from_s || series.t_s[i] > to_s) continue;
    ++summary.samples;
    cpu_sum += series.cpu_pct[i];
    summary.cpu_pct_max = std::max(summary.cpu_pct_max, series.cpu_pct[i]);
    summary.rss_bytes_max = std::max(summary.rss_bytes_max, series.rss_bytes[i]);
  }
  if (summary.samples > 0) summary.cpu_pct_mean = cpu_sum / static_cast<double>(summary.samples);
  return summary;
}

std::uint64_t directory_bytes(const fs::path& dir) {
  std::uint64_t total = 0;
  add_directory_bytes(dir, total, 0);
  return total;
}

pid_t pid_listening_on(std::uint16_t port) { return find_listener(port, 0); }

std::vector<pid_t> process_tree(pid_t pid) {
  const auto stat = read_proc_stat(pid);
  if (!stat || !alive(*stat)) return {};
  return tree_of(pid, read_child_map());
}

// ---------------------------------------------------------------------------------------------

namespace {

struct PidState {
  std::uint64_t start_ticks = 0;
  std::uint64_t cpu_ticks = 0;
  ProcessMonitor::Clock::time_point at;
};

enum class WatchKind { pid, port, disk };

// One watched name. `name`..`dir` never change; the rest is the sampler's (sample_mu).
struct Watch {
  std::string name;
  std::string role;
  WatchKind kind = WatchKind::pid;
  pid_t root = 0;  // pid: the one given; port: the last listener found
  std::uint16_t port = 0;
  fs::path dir;
  std::map<pid_t, PidState> last;
};

// Watched directories are walked this often (and at every sample_now()).
constexpr auto kDiskInterval = std::chrono::seconds(5);

// CPU time comes in clock ticks (10 ms): a delta over fewer ticks of wall time is mostly noise.
constexpr double kMinTicksPerDelta = 5;

// Series keep what the measurement can tell: ms for times, 0.1 % for CPU.
double rounded(double value, double per_unit) { return std::round(value * per_unit) / per_unit; }

struct Reading {
  double cpu_pct = 0;
  std::uint64_t rss = 0;
  int pids = 0;
};

}  // namespace

struct ProcessMonitor::Impl {
  std::chrono::milliseconds interval;
  Clock::time_point epoch;
  double ticks_per_s = static_cast<double>(sysconf(_SC_CLK_TCK));

  std::mutex sample_mu;  // one sample at a time; guards each Watch's sampler state

  mutable std::mutex mu;  // guards everything below
  std::condition_variable wake;
  bool stopping = false;
  std::thread thread;
  std::vector<std::shared_ptr<Watch>> watches;
  std::vector<ProcessSeries> series;
  std::vector<DiskSeries> disk_series;

  // Reads the pids of `watch` and returns their sums; CPU counts from each pid's previous reading.
  Reading read(Watch& watch, const ChildMap& children) const {
    Reading reading;
    // The listener is looked up again only once the one found is gone: reading the kernel's
    // socket tables and a JVM's descriptors costs tens of ms, too much for every sample.
    if (watch.kind == WatchKind::port && !still_running(watch)) watch.root = find_listener(watch.port, watch.root);
    std::map<pid_t, PidState> seen;
    if (watch.root > 0) {
      for (const pid_t pid : tree_of(watch.root, children)) {
        const auto stat = read_proc_stat(pid);
        if (!stat || !alive(*stat)) continue;  // gone: dropped
        const std::uint64_t rss = read_rss_bytes(pid);
        const auto at = Clock::now();  // of this pid's reading: the sampler may be preempted between pids
        PidState state{stat->start_ticks, stat->cpu_ticks, at};
        const auto prev = watch.last.find(pid);
        if (prev != watch.last.end() && prev->second.start_ticks == stat->start_ticks &&
            stat->cpu_ticks >= prev->second.cpu_ticks) {
          const double dt = std::chrono::duration<double>(at - prev->second.at).count();
          if (dt * ticks_per_s >= kMinTicksPerDelta) {
            reading.cpu_pct += 100.0 * static_cast<double>(stat->cpu_ticks - prev->second.cpu_ticks) / ticks_per_s / dt;
          } else {
            state = prev->second;  // too soon to tell at tick resolution: the next sample covers both
          }
        }
        reading.rss += rss;
        ++reading.pids;
        seen[pid] = state;
      }
    }
    watch.last = std::move(seen);
    return reading;
  }

  // Whether the root found before is the same process still (not one that reused its pid).
  static bool still_running(const Watch& watch) {
    const auto known = watch.last.find(watch.root);
    if (watch.root <= 0 || known == watch.last.end()) return false;
    const auto stat = read_proc_stat(watch.root);
    return stat && alive(*stat) && stat->start_ticks == known->second.start_ticks;
  }

  void prime(Watch& watch) {
    if (watch.kind == WatchKind::disk) return;
    read(watch, read_child_map());
  }

  void add(std::shared_ptr<Watch> watch) {
    prime(*watch);
    std::lock_guard lock(mu);
    for (const auto& w : watches) {
      if (w->name == watch->name) throw core::UsageError(fmt::format("monitor: '{}' is already watched", watch->name));
    }
    if (watch->kind == WatchKind::disk) {
      const bool known = std::any_of(disk_series.begin(), disk_series.end(),
                                     [&](const DiskSeries& d) { return d.name == watch->name; });
      if (!known) disk_series.push_back(DiskSeries{watch->name, {}, {}});
    } else {
      const bool known =
          std::any_of(series.begin(), series.end(), [&](const ProcessSeries& s) { return s.name == watch->name; });
      if (!known) series.push_back(ProcessSeries{watch->name, watch->role, {}, {}, {}, {}});
    }
    watches.push_back(std::move(watch));
  }

  // `disks`: also walk the watched directories (thousands of files: not at every interval).
  void sample(bool disks) {
    std::lock_guard sampling(sample_mu);
    std::vector<std::shared_ptr<Watch>> current;
    {
      std::lock_guard lock(mu);
      current = watches;
    }
    if (current.empty()) return;
    const bool any_process =
        std::any_of(current.begin(), current.end(), [](const auto& w) { return w->kind != WatchKind::disk; });
    const ChildMap children = any_process ? read_child_map() : ChildMap{};
    const auto now = Clock::now();
    const double t = std::chrono::duration<double>(now - epoch).count();
    std::vector<std::pair<Watch*, Reading>> readings;
    std::vector<std::pair<Watch*, std::uint64_t>> sizes;
    for (const auto& watch : current) {
      if (watch->kind == WatchKind::disk) {
        if (disks) sizes.emplace_back(watch.get(), directory_bytes(watch->dir));
      } else {
        readings.emplace_back(watch.get(), read(*watch, children));
      }
    }
    std::lock_guard lock(mu);
    for (const auto& [watch, reading] : readings) {
      for (auto& s : series) {
        if (s.name != watch->name) continue;
        s.t_s.push_back(rounded(t, 1000));
        s.cpu_pct.push_back(rounded(reading.cpu_pct, 10));
        s.rss_bytes.push_back(reading.rss);
        s.pids.push_back(reading.pids);
      }
    }
    for (const auto& [watch, bytes] : sizes) {
      for (auto& d : disk_series) {
        if (d.name != watch->name) continue;
        d.t_s.push_back(rounded(t, 1000));
        d.bytes.push_back(bytes);
      }
    }
  }

  void run() {
    // The first sample one interval after start: CPU% needs a span since the watch began.
    auto next = Clock::now() + interval;
    auto next_disks = Clock::now();
    std::unique_lock lock(mu);
    while (!wake.wait_until(lock, next, [this] { return stopping; })) {
      lock.unlock();
      const bool disks = Clock::now() >= next_disks;
      if (disks) next_disks = Clock::now() + kDiskInterval;
      sample(disks);
      lock.lock();
      next += interval;
      const auto now = Clock::now();
      if (next < now) next = now;  // late (a slow walk of a big dir): no burst of catch-up samples
    }
  }
};

ProcessMonitor::ProcessMonitor(std::chrono::milliseconds interval, Clock::time_point epoch)
    : impl_(std::make_unique<Impl>()) {
  if (interval < std::chrono::milliseconds(1) || interval > std::chrono::milliseconds(1000)) {
    throw core::UsageError(fmt::format("monitor interval must be 1..1000 ms, not {} ms", interval.count()));
  }
  impl_->interval = interval;
  impl_->epoch = epoch;
}

ProcessMonitor::~ProcessMonitor() { stop(); }

void ProcessMonitor::watch_pid(const std::string& name, const std::string& role, pid_t pid) {
  auto watch = std::make_shared<Watch>();
  watch->name = name;
  watch->role = role;
  watch->kind = WatchKind::pid;
  watch->root = pid;
  impl_->add(std::move(watch));
}

void ProcessMonitor::watch_port(const std::string& name, const std::string& role, std::uint16_t port) {
  auto watch = std::make_shared<Watch>();
  watch->name = name;
  watch->role = role;
  watch->kind = WatchKind::port;
  watch->port = port;
  impl_->add(std::move(watch));
}

void ProcessMonitor::watch_disk(const std::string& name, fs::path dir) {
  auto watch = std::make_shared<Watch>();
  watch->name = name;
  watch->kind = WatchKind::disk;
  watch->dir = std::move(dir);
  impl_->add(std::move(watch));
}

void ProcessMonitor::unwatch(const std::string& name) {
  std::lock_guard lock(impl_->mu);
  auto& w = impl_->watches;
  w.erase(std::remove_if(w.begin(), w.end(), [&](const auto& watch) { return watch->name == name; }), w.end());
}

void ProcessMonitor::start() {
  std::lock_guard lock(impl_->mu);
  if (impl_->thread.joinable()) return;
  impl_->stopping = false;
  impl_->thread = std::thread([this] { impl_->run(); });
}

void ProcessMonitor::stop() {
  std::thread thread;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    thread = std::move(impl_->thread);
  }
  impl_->wake.notify_all();
  if (thread.joinable()) thread.join();
}

void ProcessMonitor::sample_now() { impl_->sample(/*disks=*/true); }

std::vector<ProcessSeries> ProcessMonitor::processes() const {
  std::lock_guard lock(impl_->mu);
  return impl_->series;
}

std::vector<DiskSeries> ProcessMonitor::disks() const {
  std::lock_guard lock(impl_->mu);
  return impl_->disk_series;
}

ResourceSummary ProcessMonitor::summary(const std::string& name, double from_s, double to_s) const {
  std::lock_guard lock(impl_->mu);
  for (const auto& s : impl_->series) {
    if (s.name == name) return summarize(s, from_s, to_s);
  }
  return {};
}

nlohmann::json ProcessMonitor::to_json() const {
  std::lock_guard lock(impl_->mu);
  nlohmann::json processes = nlohmann::json::array();
  for (const auto& s : impl_->series) {
    processes.push_back(
        {{"name", s.name}, {"role", s.role}, {"t", s.t_s}, {"cpu_pct", s.cpu_pct}, {"rss_bytes", s.rss_bytes}});
  }
  nlohmann::json disk = nlohmann::json::array();
  for (const auto& d : impl_->disk_series) disk.push_back({{"name", d.name}, {"t", d.t_s}, {"bytes", d.bytes}});
  return {{"interval_ms", impl_->interval.count()}, {"processes", processes}, {"disk", disk}};
}

}  // namespace streamlab::host
