#pragma once
// The two timestamp forms Twitter/X serves (v1.1 "Wed Oct 10 20:19:24 +0000 2018", v2 ISO
// 8601) and the one form streamlab keeps. Hand-written rather than strptime/timegm: those
// depend on the C locale and the TZ environment, and are slow on a per-message path.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace streamlab::tweets {

// v1.1 created_at, "Www Mmm DD HH:MM:SS +hhmm YYYY": milliseconds since the epoch, UTC
// (the offset is honoured). The weekday is not checked against the date.
std::optional<std::int64_t> parse_twitter_time(std::string_view text);

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)": milliseconds since the epoch, UTC.
// Fraction digits beyond milliseconds are dropped (truncated, not rounded).
std::optional<std::int64_t> parse_iso8601_time(std::string_view text);

// Years 0001 to 9999 (UTC): the instants every store takes. Year 0 reads as ISO 8601's 1 BC,
// but PostgreSQL's timestamptz refuses it ("date/time field value out of range"), and the kept
// form has four digits for the year; a tweet dated outside is not a tweet streamlab keeps.
inline constexpr std::int64_t kFirstKeptMs = -62'135'596'800'000;  // 0001-01-01T00:00:00.000Z
inline constexpr std::int64_t kLastKeptMs = 253'402'300'799'999;   // 9999-12-31T23:59:59.999Z
inline bool is_kept_time(std::int64_t epoch_ms) { return epoch_ms >= kFirstKeptMs && epoch_ms <= kLastKeptMs; }

// Appends "YYYY-MM-DDTHH:MM:SSZ" (whole seconds, UTC). False, appending nothing, for
// instants outside years 0000-9999.
bool append_iso8601_utc(std::int64_t epoch_ms, std::string& out);

// Appends the v1.1 form, always "+0000" (for generating tweets). Same range as above.
bool append_twitter_time(std::int64_t epoch_ms, std::string& out);

}  // namespace streamlab::tweets
