#pragma once
// One connection to an Ignite node's thin-client port (net::Stream: TCP, or TLS when the cluster
// has SSL on that port): connect with a deadline, send whole buffers, receive whole
// length-prefixed messages. A failure of the connection (refused, reset, closed, timed out) is a
// ConnectionError; TLS that cannot be set up (an untrusted certificate) is an Error; a length
// that is not a protocol message is a ProtocolError.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "net/stream.hpp"

namespace streamlab::ignite {

class Connection {
 public:
  // Resolves `host` and connects to the first address that answers within `timeout` in all.
  Connection(const std::string& host, std::uint16_t port, const net::TlsOptions& tls,
             std::chrono::milliseconds timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void send(std::span<const std::uint8_t> data, std::chrono::milliseconds timeout);
  // One message: its 4-byte little-endian length, then that many bytes (returned). The buffer
  // grows with the bytes that actually arrive, so a lying length costs no more memory than the
  // data sent; a length <= 0 or above `max_bytes` is a ProtocolError.
  std::vector<std::uint8_t> receive(std::chrono::milliseconds timeout, std::size_t max_bytes);

  // "host:port", for messages.
  const std::string& peer() const { return peer_; }

 private:
  std::string peer_;
  std::unique_ptr<net::Stream> stream_;
};

}  // namespace streamlab::ignite
