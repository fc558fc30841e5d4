#pragma once
// Percent-decoding of a URI's parts (RFC 3986: "%XX" is the byte 0xXX), for the sink URIs'
// parameters (a CA file's path, a password), which deploy/local/services writes encoded.

#include <optional>
#include <string>
#include <string_view>

namespace streamlab::core {

// The decoded bytes; nullopt when a '%' is not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view s);

}  // namespace streamlab::core
