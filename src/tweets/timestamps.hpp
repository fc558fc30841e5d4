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

// Appends "YYYY-MM-DDTHH:MM:SSZ" (whole seconds, UTC). False, appending nothing, for
// instants outside years 0000-9999.
bool append_iso8601_utc(std::int64_t epoch_ms, std::string& out);

// Appends the v1.1 form, always "+0000" (for generating tweets). Same range as above.
bool append_twitter_time(std::int64_t epoch_ms, std::string& out);

}  // namespace streamlab::tweets
