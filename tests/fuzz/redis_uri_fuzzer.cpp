// libFuzzer target: the Redis sink's address (sinks/redis/redis_uri.cpp). A refused address's
// message never shows its password; an accepted one is described without it, core's
// redact_secrets hides the password the parser found (in a URI that a line of text can hold),
// and the fields written back as a URI parse to the same fields.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/errors.hpp"
#include "core/secrets.hpp"
#include "fuzz/fuzz_check.hpp"
#include "sinks/redis/redis_uri.hpp"

using namespace streamlab;
using fuzz::check;

namespace {

// The length of the scheme parse_redis_uri takes (redis:// or rediss:// for TLS), or 0.
std::size_t scheme_size(std::string_view input) {
  return input.starts_with("rediss://") ? 9 : input.starts_with("redis://") ? 8 : 0;
}

// Where parse_redis_uri finds the password: from the first ':' after the scheme to the last '@'
// (user@ alone has none).
bool password_span(std::string_view input, std::size_t& at, std::size_t& size) {
  const std::size_t scheme = scheme_size(input);
  if (scheme == 0) return false;
  const auto last_at = input.rfind('@');
  if (last_at == std::string_view::npos || last_at < scheme) return false;
  const auto colon = input.find(':', scheme);
  if (colon == std::string_view::npos || colon > last_at) return false;
  at = colon + 1;
  size = last_at - at;
  return true;
}

std::string as_uri(const sinks::RedisUri& u, bool credentials, bool password) {
  std::string out(u.tls ? "rediss://" : "redis://");
  if (credentials) out += u.user + (password ? ":" + u.password : "") + "@";
  out += u.host + ":" + std::to_string(u.port) + "/" + std::to_string(u.db);
  char sep = '?';
  if (!u.record.empty()) out += sep + ("record=" + fuzz::percent_encoded(u.record)), sep = '&';
  if (!u.cacert.empty()) out += sep + ("cacert=" + fuzz::percent_encoded(u.cacert));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t at = 0, length = 0;
  const bool has_password = password_span(input, at, length);
  const std::string other = has_password ? fuzz::with_secret_changed(input, at, length) : std::string(input);
  sinks::RedisUri uri;
  try {
    uri = sinks::parse_redis_uri(input);
  } catch (const core::UsageError& e) {
    check(fuzz::refusal(sinks::parse_redis_uri, other) == e.what(), "a refused Redis URI's message shows its password");
    return 0;
  }
  check(!uri.host.empty() && uri.port >= 1 && uri.port <= 65535 && uri.db >= 0, "an accepted Redis URI's fields");
  const bool credentials = input.find('@') != std::string_view::npos;
  check(has_password || uri.password.empty(), "a password outside the password span");
  if (has_password) {
    check(uri.password == input.substr(at, length), "the password is not where the parser is said to find it");
    const sinks::RedisUri changed = sinks::parse_redis_uri(other);
    check(changed.describe() == uri.describe(), "describe() shows the password");
    check(!fuzz::one_uri(input) || core::redact_secrets(input) == core::redact_secrets(other),
          "redact_secrets leaves the password of a Redis URI the parser accepts");
  }
  const std::string again = as_uri(uri, credentials, has_password);
  sinks::RedisUri back;
  try {
    back = sinks::parse_redis_uri(again);
  } catch (const core::UsageError&) {
    check(false, "an accepted Redis URI written back is refused");
  }
  check(back.host == uri.host && back.port == uri.port && back.db == uri.db && back.user == uri.user &&
            back.password == uri.password && back.record == uri.record && back.tls == uri.tls &&
            back.cacert == uri.cacert,
        "an accepted Redis URI written back parses to other fields");
  return 0;
}
