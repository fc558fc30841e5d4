// ProcessMonitor against real processes: children of this test with a known CPU load, memory,
// listening socket and descendants.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "host/process_monitor.hpp"

namespace host = streamlab::host;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kAllocation = 200u << 20;  // 200 MiB
constexpr double kBusySeconds = 2.5;

// A child process running `body` (only async-signal-safe calls in it: the parent has threads);
// the child writes to `ready_fd` when set up and exits when the parent closes its end of `hold`.
struct Child {
  pid_t pid = -1;
  int from_child = -1;  // read end: what the child reports
  int hold = -1;        // write end: closing it releases the child
  rusage usage{};       // the child's, once reaped

  void release() {
    if (hold >= 0) close(hold);
    hold = -1;
  }
  // Waits for the child's exit (with a deadline); kills it when it does not come.
  bool reap(std::chrono::seconds deadline = 20s) {
    if (pid <= 0) return true;
    const auto until = std::chrono::steady_clock::now() + deadline;
    int status = 0;
    while (std::chrono::steady_clock::now() < until) {
      if (wait4(pid, &status, WNOHANG, &usage) == pid) {
        pid = -1;
        return true;
      }
      std::this_thread::sleep_for(10ms);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    pid = -1;
    return false;
  }
  ~Child() {
    release();
    if (from_child >= 0) close(from_child);
    if (pid > 0) {
      kill(pid, SIGKILL);
      int status = 0;
      waitpid(pid, &status, 0);
    }
  }
};

void start_child(Child& child, const std::function<void(int report_fd, int hold_fd)>& body) {
  int report[2];
  int hold[2];
  ASSERT_EQ(pipe(report), 0);
  ASSERT_EQ(pipe(hold), 0);
  child.pid = fork();
  ASSERT_GE(child.pid, 0);
  if (child.pid == 0) {
    close(report[0]);
    close(hold[1]);
    body(report[1], hold[0]);
    _exit(0);
  }
  close(report[1]);
  close(hold[0]);
  child.from_child = report[0];
  child.hold = hold[1];
}

// Blocks until the parent closes its end of the hold pipe.
void wait_for_release(int hold_fd) {
  char c;
  while (read(hold_fd, &c, 1) > 0) {
  }
}

template <typename T>
bool read_value(int fd, T& value) {
  return read(fd, &value, sizeof value) == static_cast<ssize_t>(sizeof value);
}

double clock_s(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

}  // namespace

TEST(ProcessMonitorLive, ReadsTheCpuAndMemoryOfABusyChild) {
  Child child;
  start_child(child, [](int report_fd, int) {
    auto* memory = static_cast<volatile char*>(
        mmap(nullptr, kAllocation, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (memory == MAP_FAILED) _exit(3);
    for (std::size_t i = 0; i < kAllocation; i += 4096) memory[i] = 1;
    // Ready, with the CPU time spent so far (on the memory) and the start of the busy loop.
    const double ready[2] = {clock_s(CLOCK_PROCESS_CPUTIME_ID), clock_s(CLOCK_MONOTONIC)};
    if (write(report_fd, ready, sizeof ready) != sizeof ready) _exit(4);
    volatile std::uint64_t spin = 0;
    while (clock_s(CLOCK_MONOTONIC) < ready[1] + kBusySeconds) spin = spin + 1;
  });
  double ready[2] = {0, 0};
  ASSERT_TRUE(read_value(child.from_child, ready)) << "the child did not get its memory";

  host::ProcessMonitor monitor(200ms);
  monitor.watch_pid("busy", "streamlab", child.pid);
  monitor.start();
  ASSERT_TRUE(child.reap()) << "the busy child did not finish";
  monitor.stop();

  const auto series = monitor.processes();
  ASSERT_EQ(series.size(), 1u);
  const auto& s = series[0];
  double cpu_sum = 0;
  std::size_t alive = 0;
  std::uint64_t rss_max = 0;
  for (std::size_t i = 0; i < s.t_s.size(); ++i) {
    if (s.pids[i] == 0) continue;  // after its exit
    ++alive;
    cpu_sum += s.cpu_pct[i];
    rss_max = std::max(rss_max, s.rss_bytes[i]);
  }
  ASSERT_GE(alive, 5u) << "too few samples while the child lived";
  const double cpu_mean = cpu_sum / static_cast<double>(alive);
  // What the child really got while busy, by the kernel's account at its exit (wait4): on an
  // idle machine ~100 % of a core, less when others share the cores.
  const double busy_cpu_s = seconds(child.usage.ru_utime) + seconds(child.usage.ru_stime) - ready[0];
  const double expected = 100.0 * busy_cpu_s / kBusySeconds;
  std::printf(
      "busy child: monitor's CPU mean %.1f %% over %zu samples (the child's own account: %.1f %%), "
      "RSS max %.1f MB\n",
      cpu_mean, alive, expected, static_cast<double>(rss_max) / 1e6);
  // A monitor that missed the ticks, summed twice or counted ms as ticks would be far outside.
  EXPECT_NEAR(cpu_mean, expected, 15.0);
  EXPECT_GE(cpu_mean, 5.0);
  EXPECT_LE(cpu_mean, 110.0);
  for (std::size_t i = 0; i < s.t_s.size(); ++i) EXPECT_LE(s.cpu_pct[i], 150.0) << "sample " << i;
  EXPECT_GE(rss_max, kAllocation);
  EXPECT_LT(rss_max, kAllocation + (50u << 20));
  // A vanished pid is dropped quietly: the samples after the exit are empty.
  monitor.sample_now();
  EXPECT_EQ(monitor.processes()[0].pids.back(), 0);

  const auto summary = monitor.summary("busy", 0, 1e9);
  EXPECT_EQ(summary.samples, s.t_s.size() + 1);
  EXPECT_EQ(summary.rss_bytes_max, rss_max);
}

TEST(ProcessMonitorLive, FindsTheOwnerOfAListeningSocket) {
  for (const int family : {AF_INET, AF_INET6}) {
    SCOPED_TRACE(family == AF_INET ? "IPv4" : "IPv6");
    Child child;
    start_child(child, [family](int report_fd, int hold_fd) {
      const int fd = socket(family, SOCK_STREAM, 0);
      std::uint16_t port = 0;
      if (family == AF_INET) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 4) != 0 ||
            getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
          _exit(3);
        }
        port = ntohs(addr.sin_port);
      } else {
        sockaddr_in6 addr{};
        addr.sin6_family = AF_INET6;
        addr.sin6_addr = in6addr_loopback;
        socklen_t len = sizeof addr;
        if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 4) != 0 ||
            getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
          _exit(3);  // no IPv6 here: the parent sees no port
        }
        port = ntohs(addr.sin6_port);
      }
      if (write(report_fd, &port, sizeof port) != sizeof port) _exit(4);
      wait_for_release(hold_fd);
    });
    std::uint16_t port = 0;
    if (!read_value(child.from_child, port)) {
      ASSERT_EQ(family, AF_INET6) << "the child could not listen";
      continue;  // a machine without IPv6 loopback
    }
    EXPECT_EQ(host::pid_listening_on(port), child.pid);

    host::ProcessMonitor monitor(200ms);
    monitor.watch_port("listener", "service", port);
    monitor.sample_now();
    EXPECT_EQ(monitor.processes()[0].pids.back(), 1);
    EXPECT_GT(monitor.processes()[0].rss_bytes.back(), 0u);

    child.release();
    ASSERT_TRUE(child.reap());
    EXPECT_EQ(host::pid_listening_on(port), 0);
    monitor.sample_now();
    EXPECT_EQ(monitor.processes()[0].pids.back(), 0);
  }
}

TEST(ProcessMonitorLive, ProcessTreeIncludesAGrandchild) {
  Child child;
  start_child(child, [](int report_fd, int hold_fd) {
    const pid_t grandchild = fork();
    if (grandchild < 0) _exit(3);
    if (grandchild == 0) {
      wait_for_release(hold_fd);
      _exit(0);
    }
    if (write(report_fd, &grandchild, sizeof grandchild) != sizeof grandchild) _exit(4);
    wait_for_release(hold_fd);
    int status = 0;
    waitpid(grandchild, &status, 0);
  });
  pid_t grandchild = 0;
  ASSERT_TRUE(read_value(child.from_child, grandchild));
  const auto tree = host::process_tree(child.pid);
  EXPECT_EQ(tree.front(), child.pid);
  EXPECT_NE(std::find(tree.begin(), tree.end(), grandchild), tree.end());
  EXPECT_EQ(std::find(tree.begin(), tree.end(), getpid()), tree.end());

  host::ProcessMonitor monitor(200ms);
  monitor.watch_pid("family", "baseline", child.pid);
  monitor.sample_now();
  EXPECT_EQ(monitor.processes()[0].pids.back(), 2);

  child.release();
  ASSERT_TRUE(child.reap());
  EXPECT_TRUE(host::process_tree(child.pid).empty());
}

TEST(ProcessMonitorLive, SumsTheFilesUnderADirectory) {
  const fs::path dir = fs::temp_directory_path() / ("streamlab-monitor-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "topic-0");
  fs::create_directories(dir / "topic-1" / "deeper");
  const auto write_file = [](const fs::path& path, std::size_t bytes) {
    std::ofstream(path, std::ios::binary) << std::string(bytes, 'x');
  };
  write_file(dir / "meta.properties", 100);
  write_file(dir / "topic-0" / "00000000000000000000.log", 40'000);
  write_file(dir / "topic-1" / "00000000000000000000.log", 25'000);
  write_file(dir / "topic-1" / "deeper" / "x.index", 7);
  fs::create_symlink(dir / "topic-0" / "00000000000000000000.log", dir / "link");  // not counted twice

  host::ProcessMonitor monitor(200ms);
  monitor.watch_disk("kafka-logs", dir);
  monitor.watch_disk("missing", dir / "nowhere");
  monitor.sample_now();
  fs::remove_all(dir / "topic-1");  // Kafka deletes segments while it runs
  monitor.sample_now();
  const auto disks = monitor.disks();
  ASSERT_EQ(disks.size(), 2u);
  EXPECT_EQ(disks[0].bytes, (std::vector<std::uint64_t>{65'107, 40'100}));
  EXPECT_EQ(disks[1].bytes, (std::vector<std::uint64_t>{0, 0}));
  const auto json = monitor.to_json();
  EXPECT_EQ(json["disk"][0]["name"], "kafka-logs");
  EXPECT_EQ(json["disk"][0]["bytes"][0], 65'107);
  fs::remove_all(dir);
}
