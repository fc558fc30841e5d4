// The PostgreSQL sink against a server that lets it connect and then never answers (a hung
// backend, a proxy that drops the bytes): libpq itself, over loopback, with no database. The
// stand-in speaks just the startup (authentication ok, ready for query) and then only reads.
// Each statement the sink sends must fail within its deadline as a RetryableError that says
// so, the connection dropped (the server reads its end) and made again on the next call.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "sinks/postgres/postgres_sink.hpp"
#include "support/sockets.hpp"

using namespace std::chrono_literals;
using streamlab::sinks::PostgresSink;
using streamlab::sinks::RetryableError;
using streamlab::testing::cap_waits;
using streamlab::testing::Fd;
using streamlab::testing::Listener;

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kCap = 20s;  // the stand-in's own waits give up after this, so no test hangs

bool read_exact(int fd, std::uint8_t* out, std::size_t n) {
  for (std::size_t got = 0; got < n;) {
    const ssize_t r = ::recv(fd, out + got, n - got, 0);
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

// How one connection to the stand-in went.
struct Session {
  bool started = false;           // the startup message came and was answered
  bool closed_by_client = false;  // it ended with the client's end of stream, not the cap
};

// Serves `connections` connections one after another, on a thread of its own.
class SilentPostgres {
 public:
  explicit SilentPostgres(int connections) {
    cap_waits(listener_.fd(), kCap);
    thread_ = std::thread([this, connections] {
      for (int i = 0; i < connections; ++i) sessions_.push_back(serve(listener_.accept()));
    });
  }
  ~SilentPostgres() {
    if (thread_.joinable()) thread_.join();
  }
  std::uint16_t port() const { return listener_.port(); }
  // Waits for the connections to end.
  const std::vector<Session>& sessions() {
    thread_.join();
    return sessions_;
  }

 private:
  static Session serve(const Fd& c) {
    Session s;
    if (c.get() < 0) return s;
    cap_waits(c.get(), kCap);
    for (;;) {  // an SSL or GSSAPI encryption request is refused ('N'); then the startup message
      std::uint8_t head[8];
      if (!read_exact(c.get(), head, 8)) return s;
      const std::uint32_t length = std::uint32_t{head[0]} << 24 | head[1] << 16 | head[2] << 8 | head[3];
      const std::uint32_t code = std::uint32_t{head[4]} << 24 | head[5] << 16 | head[6] << 8 | head[7];
      if (code == 80877103 || code == 80877104) {
        if (::send(c.get(), "N", 1, MSG_NOSIGNAL) != 1) return s;
        continue;
      }
      std::vector<std::uint8_t> rest(length - 8);
      if (!read_exact(c.get(), rest.data(), rest.size())) return s;
      break;
    }
    // AuthenticationOk, ReadyForQuery (idle).
    const std::uint8_t ready[] = {'R', 0, 0, 0, 8, 0, 0, 0, 0, 'Z', 0, 0, 0, 5, 'I'};
    if (::send(c.get(), ready, sizeof ready, MSG_NOSIGNAL) != sizeof ready) return s;
    s.started = true;
    std::uint8_t sink[4096];
    ssize_t r = 0;
    while ((r = ::recv(c.get(), sink, sizeof sink, 0)) > 0) {
    }
    s.closed_by_client = r == 0;
    return s;
  }

  Listener listener_;
  std::vector<Session> sessions_;
  std::thread thread_;
};

}  // namespace

TEST(PostgresDeadline, AStatementLeftUnansweredFailsAsRetryableAndTheConnectionIsMadeAgain) {
  SilentPostgres server(2);
  PostgresSink sink(
      {.uri = fmt::format("postgresql://streamlab@127.0.0.1:{}/lab?sslmode=disable&gssencmode=disable", server.port()),
       .timeout = 300ms});
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto start = Clock::now();
    try {
      sink.stored_offsets("g", {});  // connects; the first statement is create_tables' BEGIN
      ADD_FAILURE() << "a silent server answered";
    } catch (const RetryableError& e) {
      EXPECT_EQ(std::string(e.what()),
                fmt::format("postgres 127.0.0.1:{}/lab: no answer to BEGIN in 0.3 s; the connection is dropped and "
                            "made again",
                            server.port()));
    }
    const auto took = Clock::now() - start;
    EXPECT_GE(took, 300ms);
    EXPECT_LT(took, 10s);
  }
  const auto& sessions = server.sessions();
  ASSERT_EQ(sessions.size(), 2u);
  for (const auto& s : sessions) {
    EXPECT_TRUE(s.started);
    EXPECT_TRUE(s.closed_by_client);
  }
}
