#include "ignite/connection.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ignite/errors.hpp"

namespace streamlab::ignite {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1'000'000'000));
}

std::string error_text(int err) { return std::strerror(err); }

}  // namespace

Connection::Connection(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout)
    : peer_(host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                                : fmt::format("{}:{}", host, port)) {
  const auto deadline = Clock::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    throw ConnectionError(fmt::format("ignite {}: cannot resolve host '{}': {}", peer_, host, gai_strerror(rc)));
  }
  std::string last_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_error = error_text(errno);
      continue;
    }
    int err = 0;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        const int ready = ::poll(&p, 1, remaining_ms(deadline));
        if (ready == 0) {
          err = ETIMEDOUT;
        } else if (ready < 0) {
          err = errno;
        } else {
          socklen_t len = sizeof(err);
          if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
        }
      }
    }
    if (err == 0) {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
      fd_ = fd;
      break;
    }
    ::close(fd);
    last_error = err == ETIMEDOUT ? fmt::format("timed out after {} ms", timeout.count()) : error_text(err);
    if (Clock::now() >= deadline) break;
  }
  freeaddrinfo(found);
  if (fd_ < 0) throw ConnectionError(fmt::format("ignite {}: cannot connect: {}", peer_, last_error));
}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

void Connection::wait(short events, Clock::time_point deadline, const char* what) {
  for (;;) {
    pollfd p{fd_, events, 0};
    const int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready > 0) return;
    if (ready == 0) throw ConnectionError(fmt::format("ignite {}: timed out {}", peer_, what));
    if (errno != EINTR) throw ConnectionError(fmt::format("ignite {}: poll: {}", peer_, error_text(errno)));
  }
}

void Connection::send(std::span<const std::uint8_t> data, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      wait(POLLOUT, deadline, "sending a request");
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      throw ConnectionError(fmt::format("ignite {}: send failed: {}", peer_, error_text(errno)));
    }
  }
}

void Connection::receive_exact(std::uint8_t* out, std::size_t n, Clock::time_point deadline) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::recv(fd_, out + got, n - got, 0);
    if (r > 0) {
      got += static_cast<std::size_t>(r);
    } else if (r == 0) {
      throw ConnectionError(fmt::format("ignite {}: connection closed by the server", peer_));
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      wait(POLLIN, deadline, "waiting for a response");
    } else if (errno != EINTR) {
      throw ConnectionError(fmt::format("ignite {}: receive failed: {}", peer_, error_text(errno)));
    }
  }
}

std::vector<std::uint8_t> Connection::receive(std::chrono::milliseconds timeout, std::size_t max_bytes) {
  const auto deadline = Clock::now() + timeout;
  std::uint8_t prefix[4];
  receive_exact(prefix, 4, deadline);
  const std::int32_t length = static_cast<std::int32_t>(
      static_cast<std::uint32_t>(prefix[0]) | static_cast<std::uint32_t>(prefix[1]) << 8 |
      static_cast<std::uint32_t>(prefix[2]) << 16 | static_cast<std::uint32_t>(prefix[3]) << 24);
  if (length <= 0 || static_cast<std::size_t>(length) > max_bytes) {
    throw ProtocolError(fmt::format("ignite {}: response length {} (the limit is {} bytes)", peer_, length, max_bytes));
  }
  const auto total = static_cast<std::size_t>(length);
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  std::vector<std::uint8_t> body;
  while (body.size() < total) {
    const std::size_t at = body.size();
    const std::size_t step = std::min(kChunk, total - at);
    body.resize(at + step);
    receive_exact(body.data() + at, step, deadline);
  }
  return body;
}

}  // namespace streamlab::ignite
