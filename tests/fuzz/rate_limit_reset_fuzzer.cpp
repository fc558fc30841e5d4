// libFuzzer target: X's x-rate-limit-reset header as x-stream reads it
// (sources/x_stream_backoff.cpp, rate_limit_reset_in). The first 8 bytes choose the wall clock
// (any instant from 1970 to the year 3000), the rest is the header. Whatever the header, the wait
// is none or within one rate-limit window (15 minutes) and never reached by overflow; a header
// that is a plain number of seconds within the window gives exactly the time until then.

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "sources/x_stream_backoff.hpp"

using streamlab::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 8) return 0;
  std::uint64_t raw = 0;
  std::memcpy(&raw, data, 8);
  constexpr std::uint64_t kYear3000Ms = 32'503'680'000'000;
  const auto now_ms = static_cast<std::int64_t>(raw % kYear3000Ms);
  const std::string header(reinterpret_cast<const char*>(data) + 8, size - 8);

  const auto wait = streamlab::sources::rate_limit_reset_in(header, now_ms);
  const auto window = std::chrono::seconds(streamlab::sources::kRateLimitWindowS);
  check(!wait || (*wait > std::chrono::nanoseconds{0} && *wait <= window), "a wait outside (0, 15 min]");

  // A plain decimal number (spaces around it, a line end after it) within the window: the wait
  // is exactly the time until that second.
  std::size_t b = 0, e = header.size();
  while (b < e && header[b] == ' ') ++b;
  while (e > b && (header[e - 1] == ' ' || header[e - 1] == '\r' || header[e - 1] == '\n')) --e;
  std::int64_t reset_s = 0;
  const auto [ptr, ec] = std::from_chars(header.data() + b, header.data() + e, reset_s);
  const bool number = b < e && ec == std::errc() && ptr == header.data() + e;
  const std::int64_t now_s = now_ms / 1000;
  if (number && reset_s >= now_s && reset_s <= now_s + streamlab::sources::kRateLimitWindowS) {
    const std::int64_t expect_ms = reset_s * 1000 - now_ms;
    check(expect_ms <= 0 ? !wait : wait && *wait == std::chrono::milliseconds(expect_ms),
          "a reset within the window that is not waited for exactly");
  }
  if (!number) check(!wait, "a header that is not a number gives a wait");
  return 0;
}
