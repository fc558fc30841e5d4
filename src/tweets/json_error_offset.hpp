#pragma once
// simdjson reports what is wrong with a JSON text but not where; this finds where, so a
// malformed message can be reported as "error at byte N". Only runs on the error path.

#include <cstddef>
#include <optional>
#include <string_view>

namespace streamlab::tweets {

// The byte offset at which `json` first stops being valid JSON (RFC 8259, UTF-8), or
// `json.size()` when it ends before it is complete. std::nullopt when it finds nothing wrong:
// the text may still break a limit of a particular parser (number range, capacity).
// Nesting deeper than `max_depth` counts as an error at the bracket that goes too deep,
// matching simdjson's default limit, and it bounds this function's own memory.
std::optional<std::size_t> locate_json_error(std::string_view json, std::size_t max_depth = 1024);

}  // namespace streamlab::tweets
