#pragma once
// When to reconnect to X's filtered stream, by the kind of failure, as X documents it for its
// streaming endpoints:
//   - an established connection that drops: reconnect at once;
//   - TCP/IP errors (refused, reset, dropped, stalled): back off linearly, +250 ms per attempt
//     up to 16 s;
//   - HTTP errors worth retrying (5xx, ...): exponentially from 5 s, doubling up to 320 s;
//   - HTTP 429: exponentially from 1 minute, doubling; when X says when the limit resets
//     (x-rate-limit-reset), wait until then instead.
// A successful connection (HTTP 200) resets the HTTP and 429 schedules; the network schedule
// starts over once a connection has stayed up for kEstablished, so a server that accepts and
// drops at once is backed off instead of hammered.

#include <cstdint>
#include <optional>
#include <string>

#include "core/backoff.hpp"
#include "core/clock.hpp"

namespace streamlab::sources {

using core::Nanos;

enum class XStreamFailure { Network, Http, RateLimited };

class XStreamBackoff {
 public:
  static constexpr Nanos kNetworkStep = std::chrono::milliseconds(250);
  static constexpr Nanos kNetworkMax = std::chrono::seconds(16);
  static constexpr Nanos kHttpFirst = std::chrono::seconds(5);
  static constexpr Nanos kHttpMax = std::chrono::seconds(320);
  static constexpr Nanos kRateLimitFirst = std::chrono::minutes(1);
  // X documents no cap for 429s; past the 15-minute rate-limit window, waiting longer gains nothing.
  static constexpr Nanos kRateLimitMax = std::chrono::minutes(16);
  // How long a connection must have been up to count as established when it drops.
  static constexpr Nanos kEstablished = std::chrono::seconds(10);

  explicit XStreamBackoff(core::Clock& clock) : clock_(clock) {}

  // The stream answered 200.
  void connected();

  // A connection attempt failed, or an established connection ended. `rate_limit_reset_in` is
  // how long until X's x-rate-limit-reset (for RateLimited; ignored unless positive).
  // Returns the wait before the next attempt, and makes due() false until it has passed.
  Nanos failed(XStreamFailure kind, std::optional<Nanos> rate_limit_reset_in = std::nullopt);

  // Whether the next attempt may start now.
  bool due() const { return clock_.now() >= next_attempt_; }
  Nanos next_attempt() const { return next_attempt_; }

 private:
  core::Clock& clock_;
  Nanos next_attempt_{0};
  std::optional<Nanos> connected_at_;
  int network_failures_ = 0;
  core::Backoff<Nanos> http_{kHttpFirst, kHttpMax}, rate_limit_{kRateLimitFirst, kRateLimitMax};
};

// The wait until an x-rate-limit-reset header's epoch second, from the wall clock `now_ms`, at
// most one rate-limit window (15 minutes); nullopt when the header is missing, not a number,
// or not in the future.
inline constexpr std::int64_t kRateLimitWindowS = 15 * 60;
std::optional<Nanos> rate_limit_reset_in(const std::string& header_value, std::int64_t now_wall_ms);

}  // namespace streamlab::sources
