#pragma once
// One TCP connection, optionally inside TLS, with a deadline on every step: what the Ignite thin
// client and the Redis sink speak their protocols over. Connecting tries each address the host
// name resolves to; with TLS the server's certificate must chain to the given CA file (or the
// system's trust store) and name the host dialled (a DNS name or an IP address in its
// subjectAltName), or the handshake fails.
//
// Errors, by what the caller should do about them:
//   IoError   refused, reset, closed or timed out (TimeoutError): the peer or the path; connect
//             again later;
//   TlsError  TLS could not be set up (an untrusted or mismatched certificate, a server that does
//             not speak TLS, an unreadable CA file), or the server refused the session with an
//             alert (a client certificate it wants): configuration, which retrying cannot mend.
// Neither message names the caller's protocol: callers say which server it was.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/errors.hpp"

namespace streamlab::net {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

struct Error : core::RuntimeFailure {
  using core::RuntimeFailure::RuntimeFailure;
};
struct IoError : Error {
  using Error::Error;
};
// An IoError for a deadline that passed first.
struct TimeoutError : IoError {
  using IoError::IoError;
};
struct TlsError : Error {
  using Error::Error;
};

struct TlsOptions {
  bool enabled = false;
  // PEM file of the certificates trusted to sign the server's; empty: the system's store.
  std::string ca_file;
  // false only for speaks_tls's probe, which sends nothing.
  bool verify = true;
};

// Whether the server at host:port answers a TLS ClientHello with a handshake of its own (its
// certificate is not checked): asked when a plaintext connection was dropped before any answer,
// to tell a TLS-only port, which no retry will mend, from a server going away.
bool speaks_tls(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);

// "host:port", or "[host]:port" for an IPv6 address.
std::string format_peer(const std::string& host, std::uint16_t port);

class Stream {
 public:
  // Connects (and completes the TLS handshake) within `timeout` in all.
  Stream(const std::string& host, std::uint16_t port, const TlsOptions& tls, std::chrono::milliseconds timeout);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // All of `data`, or IoError.
  void send(std::span<const std::uint8_t> data, Deadline deadline);
  // At least one byte and at most `n` into `out`; IoError when the peer closed the connection.
  std::size_t receive_some(std::uint8_t* out, std::size_t n, Deadline deadline);
  // Exactly `n` bytes.
  void receive_exact(std::uint8_t* out, std::size_t n, Deadline deadline);

  const std::string& peer() const { return peer_; }
  bool encrypted() const { return ssl_ != nullptr; }

 private:
  struct SslFree {
    void operator()(void* ssl) const;
  };
  void handshake(const std::string& host, const TlsOptions& tls, Deadline deadline);
  // After a TLS call that returned `rc`: waits for the socket when OpenSSL wants it readable or
  // writable (true: call again); else false, with SSL_get_error's reason in `why`.
  bool tls_wait(int rc, Deadline deadline, const char* what, int& why);
  // Throws what a TLS call that failed for `why` (SSL_get_error) means: IoError, or TlsError
  // for an alert the server sent (it refused the session, e.g. wanting a client certificate).
  [[noreturn]] void tls_failure(int why, const char* what);
  // Waits for the socket to be readable (POLLIN) or writable (POLLOUT); IoError naming `what`
  // when the deadline passes first.
  void wait(short events, Deadline deadline, const char* what);

  int fd_ = -1;
  std::unique_ptr<void, SslFree> ssl_;  // an SSL*, when encrypted
  bool failed_ = false;                 // a TLS call failed for good: no SSL_shutdown
  std::string peer_;
};

}  // namespace streamlab::net
