// libFuzzer target: the JSON error locator (tweets/json_error_offset.cpp), against a second
// implementation: it finds nothing wrong exactly when nlohmann::json accepts the text (RFC 8259,
// UTF-8; but for a NUL byte, a byte order mark or a number beyond a double, where nlohmann
// differs), and where it finds an error at byte k <
// size, the first k bytes are a valid start of a JSON text (the locator, given only them, reports that they end too
// soon or are whole).

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "tweets/json_error_offset.hpp"

using streamlab::fuzz::check;
using streamlab::tweets::locate_json_error;

namespace {

// Whether nlohmann refuses `json` for a number beyond a double's range, which RFC 8259 allows
// and the locator leaves to the parser (its contract: a limit of a particular parser).
bool number_overflow(std::string_view json) {
  try {
    (void)nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {  // out_of_range 406
    return std::string_view(e.what()).find("number overflow") != std::string_view::npos;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  // Deeper than any input of -max_len: the depth limit is not what is compared here.
  const auto error = locate_json_error(json, size + 1);
  // nlohmann skips a leading UTF-8 byte order mark, which RFC 8259 does not allow, and takes a
  // NUL byte for the end of its input. A NUL is nowhere valid: the error is at it or before.
  if (const auto nul = json.find('\0'); nul != std::string_view::npos) {
    check(error && *error <= nul, "the locator finds no error before a NUL byte");
  } else if (!json.starts_with("\xEF\xBB\xBF")) {
    const bool accepted = nlohmann::json::accept(json);
    check(!accepted || !error, "the locator finds an error in JSON that nlohmann accepts");
    check(accepted || error || number_overflow(json), "the locator finds nothing wrong in what nlohmann refuses");
  }
  if (error) {
    check(*error <= size, "an error offset past the end");
    if (*error < size) {
      const auto prefix = locate_json_error(json.substr(0, *error), size + 1);
      check(!prefix || *prefix == *error, "the bytes before the error are not a valid start of a JSON text");
    }
  }
  // With the default depth limit, an error is reported no later than without it.
  const auto limited = locate_json_error(json);
  check(!error || (limited && *limited <= *error), "the depth limit hides an error");
  return 0;
}
