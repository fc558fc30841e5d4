#include "net/stream.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

namespace streamlab::net {
namespace {

int remaining_ms(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1'000'000'000));
}

std::string error_text(int err) { return std::strerror(err); }

// The newest error on OpenSSL's queue of this thread, in words (the queue is emptied).
std::string openssl_error() {
  unsigned long last = 0;
  while (const unsigned long e = ERR_get_error()) last = e;
  if (last == 0) return "unknown TLS error";
  char text[256];
  ERR_error_string_n(last, text, sizeof text);
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? reason : text;
}

// OpenSSL writes to the socket with write(2), which raises SIGPIPE on a connection the peer
// closed; a library must neither die of it nor change the process's disposition. So SIGPIPE is
// blocked on this thread for the call, and one it raised is taken off the queue (libpq's way).
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe, &old_);
  }
  ~SigpipeBlocked() {
    const int saved = errno;  // the caller reads the call's errno after this
    if (!was_pending_) {
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      const timespec none{0, 0};
      while (sigtimedwait(&pipe, nullptr, &none) == -1 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    errno = saved;
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t old_{};
  bool was_pending_ = false;
};

// One OpenSSL call that may touch the socket: SIGPIPE blocked, and with no error left over from
// an earlier call to be mistaken for its own.
template <typename Call>
int tls_call(Call&& call) {
  const SigpipeBlocked quiet;
  ERR_clear_error();
  errno = 0;
  return call();
}

bool is_ip_address(const std::string& host) {
  in6_addr v6{};
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

SSL* ssl_of(void* p) { return static_cast<SSL*>(p); }

// Whether a failed TLS call ended with an alert the server sent (it refused the session: a client
// certificate it wants, a protocol version): configuration, not a network fault.
bool peer_alert(int why) {
  if (why != SSL_ERROR_SSL) return false;
  const unsigned long e = ERR_peek_error();
  return ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) >= SSL_AD_REASON_OFFSET;
}

// Whether a failed TLS call (SSL_get_error's `why`) means the peer closed the connection or
// reset it without TLS's close_notify: OpenSSL 3 calls that an unexpected EOF, older versions a
// system call error with no error queued.
bool peer_hung_up(int why) {
  if (why == SSL_ERROR_SYSCALL) return ERR_peek_error() == 0;
  return why == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

}  // namespace

std::string format_peer(const std::string& host, std::uint16_t port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

bool speaks_tls(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
  try {
    const Stream probe(host, port, TlsOptions{.enabled = true, .ca_file = {}, .verify = false}, timeout);
    return true;
  } catch (const Error&) {
    return false;
  }
}

void Stream::SslFree::operator()(void* ssl) const { SSL_free(ssl_of(ssl)); }

Stream::Stream(const std::string& host, std::uint16_t port, const TlsOptions& tls, std::chrono::milliseconds timeout)
    : peer_(format_peer(host, port)) {
  const Deadline deadline = Clock::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) throw IoError(fmt::format("cannot resolve host '{}': {}", host, gai_strerror(rc)));
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
        int ready = 0;
        while ((ready = ::poll(&p, 1, remaining_ms(deadline))) < 0 && errno == EINTR) {
        }
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
  if (fd_ < 0) throw IoError(fmt::format("cannot connect: {}", last_error));
  if (tls.enabled) {
    try {
      handshake(host, tls, deadline);
    } catch (...) {
      ssl_.reset();
      ::close(fd_);
      throw;
    }
  }
}

Stream::~Stream() {
  if (ssl_ && !failed_) {
    // A close_notify if the socket takes it at once; the peer learns of the close either way.
    const SigpipeBlocked quiet;
    SSL_shutdown(ssl_of(ssl_.get()));
    ERR_clear_error();
  }
  if (fd_ >= 0) ::close(fd_);
}

void Stream::handshake(const std::string& host, const TlsOptions& tls, Deadline deadline) {
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) throw TlsError(fmt::format("TLS: {}", openssl_error()));
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  if (!tls.verify) {
    // speaks_tls's probe: nothing is trusted, and nothing is sent over it.
  } else if (tls.ca_file.empty()) {
    SSL_CTX_set_default_verify_paths(ctx.get());
  } else if (SSL_CTX_load_verify_locations(ctx.get(), tls.ca_file.c_str(), nullptr) != 1) {
    throw TlsError(fmt::format("cannot read the CA file '{}': {}", tls.ca_file, openssl_error()));
  }
  SSL_CTX_set_verify(ctx.get(), tls.verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  ssl_.reset(SSL_new(ctx.get()));
  SSL* ssl = ssl_of(ssl_.get());
  if (ssl == nullptr || SSL_set_fd(ssl, fd_) != 1) throw TlsError(fmt::format("TLS: {}", openssl_error()));
  // The name to check the certificate against; a failure here would leave it unchecked.
  const bool named = is_ip_address(host)
                         ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1
                         : SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 && SSL_set1_host(ssl, host.c_str()) == 1;
  if (!named) throw TlsError(fmt::format("TLS: cannot check certificates against '{}': {}", host, openssl_error()));
  for (;;) {
    const int rc = tls_call([&] { return SSL_connect(ssl); });
    if (rc == 1) return;
    int why = 0;
    if (tls_wait(rc, deadline, "in the TLS handshake", why)) {
      continue;
    } else if (const long verify = SSL_get_verify_result(ssl); verify != X509_V_OK) {
      throw TlsError(fmt::format("the server's TLS certificate is not trusted: {} (CA file: {})",
                                 X509_verify_cert_error_string(verify),
                                 tls.ca_file.empty() ? "the system's" : tls.ca_file));
    } else if (peer_hung_up(why)) {
      // The server hung up (or reset) without a word of TLS: one being restarted, or a proxy
      // whose server is down, as often as one that does not speak TLS; so it may be retried.
      const int err = errno;
      throw IoError(fmt::format("the connection was closed in the TLS handshake{} (is the port a TLS one?)",
                                err != 0 ? ": " + error_text(err) : ""));
    } else {
      throw TlsError(
          fmt::format("TLS handshake failed: {} (does the server speak TLS on this port?)", openssl_error()));
    }
  }
}

void Stream::tls_failure(int why, const char* what) {
  const int err = errno;
  failed_ = true;  // no close_notify on a session OpenSSL has given up
  if (why == SSL_ERROR_ZERO_RETURN) throw IoError("connection closed by the server");
  if (peer_hung_up(why)) {
    throw IoError(err != 0 ? fmt::format("{}: {}", what, error_text(err))
                           : std::string("connection closed by the server"));
  }
  if (peer_alert(why)) throw TlsError(fmt::format("the server refused the TLS session: {}", openssl_error()));
  throw IoError(fmt::format("{}: {}", what, openssl_error()));
}

bool Stream::tls_wait(int rc, Deadline deadline, const char* what, int& why) {
  why = SSL_get_error(ssl_of(ssl_.get()), rc);
  if (why == SSL_ERROR_WANT_READ) {
    wait(POLLIN, deadline, what);
  } else if (why == SSL_ERROR_WANT_WRITE) {
    wait(POLLOUT, deadline, what);
  } else {
    return false;
  }
  return true;
}

void Stream::wait(short events, Deadline deadline, const char* what) {
  for (;;) {
    pollfd p{fd_, events, 0};
    const int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready > 0) return;
    if (ready == 0) throw TimeoutError(fmt::format("timed out {}", what));
    if (errno != EINTR) throw IoError(fmt::format("poll: {}", error_text(errno)));
  }
}

void Stream::send(std::span<const std::uint8_t> data, Deadline deadline) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    if (ssl_) {
      std::size_t n = 0;
      const int rc =
          tls_call([&] { return SSL_write_ex(ssl_of(ssl_.get()), data.data() + sent, data.size() - sent, &n); });
      int why = 0;
      if (rc == 1) {
        sent += n;
      } else if (!tls_wait(rc, deadline, "sending a request", why)) {
        tls_failure(why, "send failed");
      }
      continue;
    }
    const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      wait(POLLOUT, deadline, "sending a request");
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      throw IoError(fmt::format("send failed: {}", error_text(errno)));
    }
  }
}

std::size_t Stream::receive_some(std::uint8_t* out, std::size_t n, Deadline deadline) {
  for (;;) {
    if (ssl_) {
      std::size_t got = 0;
      const int rc = tls_call([&] { return SSL_read_ex(ssl_of(ssl_.get()), out, n, &got); });
      if (rc == 1) return got;
      int why = 0;
      if (!tls_wait(rc, deadline, "waiting for a response", why)) tls_failure(why, "receive failed");
      continue;
    }
    const ssize_t r = ::recv(fd_, out, n, 0);
    if (r > 0) return static_cast<std::size_t>(r);
    if (r == 0) throw IoError("connection closed by the server");
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      wait(POLLIN, deadline, "waiting for a response");
    } else if (errno != EINTR) {
      throw IoError(fmt::format("receive failed: {}", error_text(errno)));
    }
  }
}

void Stream::receive_exact(std::uint8_t* out, std::size_t n, Deadline deadline) {
  std::size_t got = 0;
  while (got < n) got += receive_some(out + got, n - got, deadline);
}

}  // namespace streamlab::net
