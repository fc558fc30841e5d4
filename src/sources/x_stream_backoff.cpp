#include "sources/x_stream_backoff.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace streamlab::sources {
void XStreamBackoff::connected() {
  connected_at_ = clock_.now();
  // The network schedule starts over only once the connection has proved itself (failed()).
  http_.reset();
  rate_limit_.reset();
}

Nanos XStreamBackoff::failed(XStreamFailure kind, std::optional<Nanos> rate_limit_reset_in) {
  const Nanos now = clock_.now();
  const bool was_established = connected_at_ && now - *connected_at_ >= kEstablished;
  connected_at_.reset();
  Nanos wait{0};
  switch (kind) {
    case XStreamFailure::Network:
      if (was_established) {
        network_failures_ = 0;  // reconnect at once; the next failure starts the linear schedule
      } else {
        ++network_failures_;
        wait = std::min(kNetworkStep * network_failures_, kNetworkMax);
      }
      break;
    case XStreamFailure::Http: wait = http_.next(); break;
    case XStreamFailure::RateLimited:
      wait = rate_limit_.next();
      if (rate_limit_reset_in && *rate_limit_reset_in > Nanos{0}) wait = *rate_limit_reset_in;
      break;
  }
  next_attempt_ = now + wait;
  return wait;
}

std::optional<Nanos> rate_limit_reset_in(const std::string& header_value, std::int64_t now_wall_ms) {
  std::int64_t reset_s = 0;
  const char* begin = header_value.data();
  const char* end = begin + header_value.size();
  while (begin < end && *begin == ' ') ++begin;
  while (end > begin && (end[-1] == ' ' || end[-1] == '\r' || end[-1] == '\n')) --end;
  const auto [ptr, ec] = std::from_chars(begin, end, reset_s);
  if (begin == end || ec != std::errc() || ptr != end) return std::nullopt;
  // X's rate-limit windows last 15 minutes: a reset further ahead (or one that would overflow)
  // is not believed past that.
  const std::int64_t now_s = now_wall_ms / 1000;
  if (reset_s < now_s) return std::nullopt;  // past (and far past would overflow below)
  if (reset_s > now_s + kRateLimitWindowS) return std::chrono::seconds(kRateLimitWindowS);
  const std::int64_t wait_ms = reset_s * 1000 - now_wall_ms;
  if (wait_ms <= 0) return std::nullopt;
  return std::chrono::milliseconds(wait_ms);
}

}  // namespace streamlab::sources
