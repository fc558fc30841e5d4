// core::IoWatchdog: a blocking call on a socket whose peer stays silent ends at the deadline;
// a disarmed, re-armed or destroyed watchdog leaves the socket alone. The peers here never
// answer; every blocking call of the test itself is capped (cap_waits), so a broken watchdog
// fails the test instead of hanging it.

#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <vector>

#include "core/io_watchdog.hpp"
#include "support/sockets.hpp"

using namespace std::chrono_literals;
using streamlab::core::IoWatchdog;
using streamlab::testing::cap_waits;
using streamlab::testing::SocketPair;
using streamlab::testing::tcp_pair;
using streamlab::testing::unix_pair;

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kDeadline = 200ms;
constexpr auto kCap = 20s;   // the test's own blocking calls give up after this
constexpr auto kLate = 10s;  // generous: a loaded machine may be slow to run the watchdog

// Expects the pair to carry bytes both ways.
void expect_usable(const SocketPair& p) {
  char c = 'x';
  ASSERT_EQ(::send(p.client.get(), &c, 1, MSG_NOSIGNAL), 1);
  ASSERT_EQ(::recv(p.server.get(), &c, 1, 0), 1);
  ASSERT_EQ(::send(p.server.get(), &c, 1, MSG_NOSIGNAL), 1);
  EXPECT_EQ(::recv(p.client.get(), &c, 1, 0), 1);
}

// A blocking recv on the client, which the silent server never answers: ends at the deadline.
void expect_read_ends_at_the_deadline(IoWatchdog& w, const SocketPair& p) {
  cap_waits(p.client.get(), kCap);
  const auto start = Clock::now();
  w.arm(p.client.get(), kDeadline);
  char c;
  const ssize_t n = ::recv(p.client.get(), &c, 1, 0);
  const auto took = Clock::now() - start;
  EXPECT_EQ(n, 0) << "a shut down socket reads as the end of the stream";
  EXPECT_GE(took, kDeadline);
  EXPECT_LT(took, kLate);
  EXPECT_TRUE(w.disarm());
}

}  // namespace

TEST(IoWatchdog, ABlockedReadFromASilentTcpPeerEndsAtTheDeadline) {
  const SocketPair p = tcp_pair();
  IoWatchdog w;
  expect_read_ends_at_the_deadline(w, p);
  // The peer is told too: it reads the end of the stream (what makes a server drop its side).
  cap_waits(p.server.get(), kCap);
  char c;
  EXPECT_EQ(::recv(p.server.get(), &c, 1, 0), 0);
}

TEST(IoWatchdog, ABlockedReadFromASilentUnixPeerEndsAtTheDeadline) {
  IoWatchdog w;
  expect_read_ends_at_the_deadline(w, unix_pair());
}

TEST(IoWatchdog, ABlockedPollEndsAtTheDeadline) {
  // libpq waits in poll() for the server's answer.
  const SocketPair p = tcp_pair();
  IoWatchdog w;
  const auto start = Clock::now();
  w.arm(p.client.get(), kDeadline);
  pollfd f{p.client.get(), POLLIN, 0};
  const int ready = ::poll(&f, 1, static_cast<int>(std::chrono::milliseconds(kCap).count()));
  const auto took = Clock::now() - start;
  EXPECT_EQ(ready, 1);
  EXPECT_TRUE(f.revents & POLLHUP) << f.revents;
  EXPECT_GE(took, kDeadline);
  EXPECT_LT(took, kLate);
  EXPECT_TRUE(w.disarm());
}

TEST(IoWatchdog, ABlockedWriteToAPeerThatDoesNotReadEndsAtTheDeadline) {
  // COPY's data when the server stops reading: the send buffers fill and send() blocks.
  const SocketPair p = tcp_pair();
  cap_waits(p.client.get(), kCap);
  IoWatchdog w;
  const std::vector<char> chunk(1 << 20, 'x');
  const auto start = Clock::now();
  w.arm(p.client.get(), kDeadline);
  ssize_t n = 0;
  while ((n = ::send(p.client.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL)) > 0) {
  }
  const int error = errno;
  const auto took = Clock::now() - start;
  EXPECT_EQ(error, EPIPE) << "not EAGAIN: the test's own cap, not the watchdog, ended the write";
  EXPECT_GE(took, kDeadline);
  EXPECT_LT(took, kLate);
  EXPECT_TRUE(w.disarm());
}

TEST(IoWatchdog, DisarmedBeforeTheDeadlineLeavesTheSocketUsable) {
  const SocketPair p = tcp_pair();
  cap_waits(p.client.get(), kCap);
  cap_waits(p.server.get(), kCap);
  IoWatchdog w;
  w.arm(p.client.get(), kDeadline);
  EXPECT_FALSE(w.disarm());
  // Nothing happens to the socket when the deadline it had passes: no hang-up within twice it.
  pollfd f{p.client.get(), POLLIN | POLLRDHUP, 0};
  EXPECT_EQ(::poll(&f, 1, static_cast<int>(std::chrono::milliseconds(2 * kDeadline).count())), 0) << f.revents;
  expect_usable(p);
  EXPECT_FALSE(w.disarm());
}

TEST(IoWatchdog, AnEarlierDeadlineReplacesALaterOne) {
  // The watchdog's thread sleeps until the deadline it last saw, and a later one does not wake
  // it: an earlier one must. Fired once, the thread is running (and asleep once disarm()
  // returns); the arms after let it come to sleep until an hour from now (were it still on its
  // way, the test would pass without testing the wake-up).
  IoWatchdog w;
  expect_read_ends_at_the_deadline(w, tcp_pair());
  const SocketPair p = tcp_pair();
  cap_waits(p.client.get(), kCap);
  cap_waits(p.server.get(), kCap);
  for (int i = 0; i < 1000; ++i) {
    w.arm(p.client.get(), 1h);
    ASSERT_FALSE(w.disarm());
  }
  w.arm(p.client.get(), 1h);
  expect_usable(p);
  const auto start = Clock::now();
  w.arm(p.client.get(), kDeadline);
  char c;
  EXPECT_EQ(::recv(p.client.get(), &c, 1, 0), 0);
  EXPECT_LT(Clock::now() - start, kLate);
  EXPECT_TRUE(w.disarm());
}

TEST(IoWatchdog, ArmsAgainAfterDisarmsAndAfterFiring) {
  IoWatchdog w;
  const SocketPair p = tcp_pair();
  cap_waits(p.client.get(), kCap);
  cap_waits(p.server.get(), kCap);
  // As the PostgreSQL sink does around every statement: none of these fires.
  for (int i = 0; i < 1000; ++i) {
    w.arm(p.client.get(), 1h);
    ASSERT_FALSE(w.disarm());
  }
  expect_usable(p);
  expect_read_ends_at_the_deadline(w, p);
  // Once fired, the same watchdog watches the next connection.
  expect_read_ends_at_the_deadline(w, tcp_pair());
}

TEST(IoWatchdog, DestroyedWhileArmedLeavesTheSocketAlone) {
  const SocketPair p = tcp_pair();
  cap_waits(p.client.get(), kCap);
  cap_waits(p.server.get(), kCap);
  const auto start = Clock::now();
  {
    IoWatchdog w;
    w.arm(p.client.get(), 1h);
  }
  EXPECT_LT(Clock::now() - start, kLate) << "the destructor must not wait for the deadline";
  expect_usable(p);
}

TEST(IoWatchdog, NoSocketIsWatchedForNothing) {
  IoWatchdog w;
  w.arm(-1, 1ms);
  EXPECT_FALSE(w.disarm());
}
