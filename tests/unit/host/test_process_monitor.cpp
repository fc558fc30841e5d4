#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "core/errors.hpp"
#include "host/process_monitor.hpp"

namespace host = streamlab::host;

TEST(ProcStat, ReadsFieldsAfterTheLastParenthesis) {
  // comm "a b) c" holds spaces and a parenthesis, as a process may name itself.
  const auto stat = host::parse_proc_stat(
      "1234 (a b) c) S 17 1234 1234 0 -1 4194560 500 0 0 0 250 75 0 0 20 0 3 0 98765 1000000 300 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n");
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->pid, 1234);
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->ppid, 17);
  EXPECT_EQ(stat->cpu_ticks, 325u);
  EXPECT_EQ(stat->start_ticks, 98765u);
}

TEST(ProcStat, RejectsTruncatedOrGarbledLines) {
  EXPECT_FALSE(host::parse_proc_stat("").has_value());
  EXPECT_FALSE(host::parse_proc_stat("1234 (cat) R 1 2 3").has_value());
  EXPECT_FALSE(host::parse_proc_stat("12x4 (cat) R 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 1 1").has_value());
  EXPECT_FALSE(host::parse_proc_stat("1234 cat R 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 1 1").has_value());
}

TEST(ProcStat, ReadsThisProcess) {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  const auto stat = host::parse_proc_stat(line);
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->pid, getpid());
  EXPECT_EQ(stat->ppid, getppid());
}

TEST(ListeningInodes, FindsListenSocketsOnThePortOnly) {
  // Port 0x4A38 = 19000: one LISTEN (0A) socket, one ESTABLISHED (01) one; another port listening.
  const std::string tcp =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 0100007F:4A38 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5551 1 0 100 0 0 10 "
      "0\n"
      "   1: 0100007F:4A38 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 5552 1 0 20 4 30 10 "
      "-1\n"
      "   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5553 1 0 100 0 0 10 "
      "0\n";
  EXPECT_EQ(host::listening_inodes(tcp, 19000), std::vector<std::uint64_t>{5551});
  EXPECT_EQ(host::listening_inodes(tcp, 8080), std::vector<std::uint64_t>{5553});
  EXPECT_TRUE(host::listening_inodes(tcp, 1).empty());
  const std::string tcp6 =
      "  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
      "tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000000000000000000001000000:4A38 00000000000000000000000000000000:0000 0A 00000000:00000000 "
      "00:00000000 00000000     0        0 7771 1 0 100 0 0 10 0\n";
  EXPECT_EQ(host::listening_inodes(tcp6, 19000), std::vector<std::uint64_t>{7771});
  EXPECT_TRUE(host::listening_inodes("", 19000).empty());
}

TEST(Summarize, MeanAndMaxOverTheWindowOnly) {
  host::ProcessSeries s;
  s.name = "kafka";
  s.t_s = {0.5, 1.0, 1.5, 2.0, 2.5};
  s.cpu_pct = {500, 10, 30, 50, 900};
  s.rss_bytes = {9'000'000, 100, 300, 200, 8'000'000};
  s.pids = {1, 1, 1, 1, 1};
  const auto summary = host::summarize(s, 1.0, 2.0);
  EXPECT_EQ(summary.samples, 3u);
  EXPECT_DOUBLE_EQ(summary.cpu_pct_mean, 30.0);
  EXPECT_DOUBLE_EQ(summary.cpu_pct_max, 50.0);
  EXPECT_EQ(summary.rss_bytes_max, 300u);
  const auto empty = host::summarize(s, 3.0, 4.0);
  EXPECT_EQ(empty.samples, 0u);
  EXPECT_DOUBLE_EQ(empty.cpu_pct_mean, 0.0);
}

TEST(ProcessMonitor, SamplesThisProcessIntoTheReportShape) {
  host::ProcessMonitor monitor(std::chrono::milliseconds(200));
  monitor.watch_pid("self", "streamlab", getpid());
  monitor.watch_pid("nobody", "baseline", 0);  // nothing: zeros, no error
  EXPECT_THROW(monitor.watch_pid("self", "streamlab", getpid()), streamlab::core::UsageError);
  monitor.sample_now();
  monitor.sample_now();
  const auto series = monitor.processes();
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[0].name, "self");
  ASSERT_EQ(series[0].t_s.size(), 2u);
  EXPECT_GE(series[0].pids[0], 1);
  EXPECT_GT(series[0].rss_bytes[0], 1'000'000u);
  EXPECT_GE(series[0].cpu_pct[1], 0.0);
  EXPECT_EQ(series[1].pids[0], 0);
  EXPECT_EQ(series[1].rss_bytes[0], 0u);

  const auto json = monitor.to_json();
  EXPECT_EQ(json["interval_ms"], 200);
  ASSERT_EQ(json["processes"].size(), 2u);
  EXPECT_EQ(json["processes"][0]["name"], "self");
  EXPECT_EQ(json["processes"][0]["role"], "streamlab");
  EXPECT_EQ(json["processes"][0]["t"].size(), 2u);
  EXPECT_EQ(json["processes"][0]["cpu_pct"].size(), 2u);
  EXPECT_EQ(json["processes"][0]["rss_bytes"].size(), 2u);
  EXPECT_TRUE(json["disk"].is_array());

  monitor.unwatch("self");
  monitor.sample_now();
  EXPECT_EQ(monitor.processes()[0].t_s.size(), 2u);  // kept, no longer sampled
  EXPECT_EQ(monitor.processes()[1].t_s.size(), 3u);
}

TEST(ProcessMonitor, RejectsAnIntervalOverOneSecond) {
  EXPECT_THROW(host::ProcessMonitor(std::chrono::milliseconds(1500)), streamlab::core::UsageError);
  EXPECT_THROW(host::ProcessMonitor(std::chrono::milliseconds(0)), streamlab::core::UsageError);
}

TEST(ProcessMonitor, StopsPromptlyWithALongInterval) {
  host::ProcessMonitor monitor(std::chrono::milliseconds(1000));
  monitor.watch_pid("self", "streamlab", getpid());
  monitor.start();
  const auto before = std::chrono::steady_clock::now();
  monitor.stop();
  // Generous: a stop that waited out the interval would take a second.
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(900));
}

namespace {

// A child process listening on 127.0.0.1:`port` (0: any) until killed; returns its pid and port.
std::pair<pid_t, std::uint16_t> start_listener(std::uint16_t port) {
  int ready[2];
  if (pipe(ready) != 0) return {0, 0};
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    socklen_t len = sizeof addr;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd, 1) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      _exit(1);
    }
    const std::uint16_t bound = ntohs(addr.sin_port);
    if (write(ready[1], &bound, sizeof bound) != sizeof bound) _exit(1);
    for (;;) pause();
  }
  close(ready[1]);
  std::uint16_t bound = 0;
  const bool ok = read(ready[0], &bound, sizeof bound) == sizeof bound;
  close(ready[0]);
  return {pid, ok ? bound : 0};
}

void stop_child(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

}  // namespace

TEST(ProcessMonitor, FollowsAServiceRestartedOnItsPort) {
  const auto [first, port] = start_listener(0);
  ASSERT_GT(first, 0);
  ASSERT_NE(port, 0);
  host::ProcessMonitor monitor(std::chrono::milliseconds(200));
  monitor.watch_port("service", "service", port);
  monitor.sample_now();
  stop_child(first);
  monitor.sample_now();  // nothing listens
  const auto [second, same_port] = start_listener(port);
  ASSERT_GT(second, 0);
  monitor.sample_now();
  stop_child(second);
  ASSERT_EQ(same_port, port);
  const auto pids = monitor.processes().at(0).pids;
  EXPECT_EQ(pids, (std::vector<int>{1, 0, 1}));
}
