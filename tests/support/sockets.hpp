#pragma once
// Loopback sockets for tests of what a silent peer does to a client: a listener on 127.0.0.1,
// connected pairs, and a cap on how long a test's own blocking call may wait, so that a broken
// deadline fails the test instead of hanging it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace streamlab::testing {

// An owned descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Blocking reads and writes on `fd` (accept too, on a listener) give up after `cap`: EAGAIN.
inline void cap_waits(int fd, std::chrono::seconds cap) {
  const timeval tv{static_cast<time_t>(cap.count()), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// A TCP listener on 127.0.0.1, on a port the kernel picks.
class Listener {
 public:
  Listener() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_.get() < 0 || ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(fd_.get(), 8) != 0 || ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(a.sin_port);
  }
  std::uint16_t port() const { return port_; }
  int fd() const { return fd_.get(); }

  // A client socket connected to this listener.
  Fd connect() const {
    Fd c(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port_);
    if (c.get() < 0 || ::connect(c.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port_));
    }
    return c;
  }
  // The next connection; an invalid Fd when none came within the listener's cap_waits.
  Fd accept() const { return Fd(::accept(fd_.get(), nullptr, nullptr)); }

 private:
  Fd fd_;
  std::uint16_t port_ = 0;
};

// The two ends of a connection: the client's and the server's.
struct SocketPair {
  Fd client, server;
};
// Over TCP on loopback.
inline SocketPair tcp_pair() {
  Listener l;
  Fd client = l.connect();
  return {std::move(client), l.accept()};
}

// Over a Unix stream socket (as PostgreSQL's local connections).
inline SocketPair unix_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) throw std::runtime_error("socketpair failed");
  return {Fd(fds[0]), Fd(fds[1])};
}

}  // namespace streamlab::testing
