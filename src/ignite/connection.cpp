#include "ignite/connection.hpp"

#include <fmt/format.h>
#include <algorithm>

#include "ignite/errors.hpp"

namespace streamlab::ignite {
namespace {

// Runs `step`, turning the stream's errors into the client's: a lost connection may be made
// again, TLS that cannot be set up may not.
template <typename Step>
auto guarded(const std::string& peer, Step&& step) {
  try {
    return step();
  } catch (const net::IoError& e) {
    throw ConnectionError(fmt::format("ignite {}: {}", peer, e.what()));
  } catch (const net::TlsError& e) {
    throw Error(fmt::format("ignite {}: {}", peer, e.what()));
  }
}

}  // namespace

Connection::Connection(const std::string& host, std::uint16_t port, const net::TlsOptions& tls,
                       std::chrono::milliseconds timeout)
    : peer_(net::format_peer(host, port)) {
  stream_ = guarded(peer_, [&] { return std::make_unique<net::Stream>(host, port, tls, timeout); });
}

Connection::~Connection() = default;

void Connection::send(std::span<const std::uint8_t> data, std::chrono::milliseconds timeout) {
  guarded(peer_, [&] { stream_->send(data, net::Clock::now() + timeout); });
}

std::vector<std::uint8_t> Connection::receive(std::chrono::milliseconds timeout, std::size_t max_bytes) {
  const auto deadline = net::Clock::now() + timeout;
  return guarded(peer_, [&] {
    std::uint8_t prefix[4];
    stream_->receive_exact(prefix, 4, deadline);
    const std::int32_t length = static_cast<std::int32_t>(
        static_cast<std::uint32_t>(prefix[0]) | static_cast<std::uint32_t>(prefix[1]) << 8 |
        static_cast<std::uint32_t>(prefix[2]) << 16 | static_cast<std::uint32_t>(prefix[3]) << 24);
    if (length <= 0 || static_cast<std::size_t>(length) > max_bytes) {
      throw ProtocolError(
          fmt::format("ignite {}: response length {} (the limit is {} bytes)", peer_, length, max_bytes));
    }
    const auto total = static_cast<std::size_t>(length);
    constexpr std::size_t kChunk = std::size_t{1} << 20;
    std::vector<std::uint8_t> body;
    while (body.size() < total) {
      const std::size_t at = body.size();
      const std::size_t step = std::min(kChunk, total - at);
      body.resize(at + step);
      stream_->receive_exact(body.data() + at, step, deadline);
    }
    return body;
  });
}

}  // namespace streamlab::ignite
