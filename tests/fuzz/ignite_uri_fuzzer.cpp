// libFuzzer target: the Ignite sink's address (ignite/uri.cpp). A refused address's message
// never shows a password (the userinfo's, ignite://user:PASSWORD@host, or ?password=); an
// accepted one's redacted() form and core's redact_secrets (in a URI that a line of text can
// hold) hide it; the fields written back as a URI parse to the same fields.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/secrets.hpp"
#include "fuzz/fuzz_check.hpp"
#include "ignite/uri.hpp"

using namespace streamlab;
using fuzz::check;

namespace {

using Span = std::pair<std::size_t, std::size_t>;  // offset, size

// The passwords of `input`: the userinfo's (from the first ':' to the last '@' before the query)
// and every ?password= value, as written (percent-encoded).
std::vector<Span> password_spans(std::string_view input) {
  std::vector<Span> spans;
  const auto scheme_end = input.find("://");
  if (scheme_end == std::string_view::npos) return spans;
  const std::size_t start = scheme_end + 3;
  const std::size_t query = std::min(input.find('?', start), input.size());
  const std::string_view authority = input.substr(start, query - start);
  const auto last_at = authority.rfind('@');
  const auto colon = authority.find(':');
  if (last_at != std::string_view::npos && colon != std::string_view::npos && colon < last_at) {
    spans.emplace_back(start + colon + 1, last_at - colon - 1);
  }
  std::size_t p = query + 1;
  while (p < input.size()) {
    const std::size_t amp = std::min(input.find('&', p), input.size());
    const std::string_view pair = input.substr(p, amp - p);
    if (pair.starts_with("password=")) spans.emplace_back(p + 9, pair.size() - 9);
    p = amp + 1;
  }
  return spans;
}

// `input` with every password changed (fuzz::with_secret_changed).
std::string with_passwords_changed(std::string_view input, const std::vector<Span>& spans) {
  std::string out(input);
  for (const auto& [at, size] : spans) out = fuzz::with_secret_changed(out, at, size);
  return out;
}

std::string as_uri(const ignite::IgniteUri& u) {
  std::string out = "ignite://";
  for (const auto& a : u.addresses) out += (&a == &u.addresses.front() ? "" : ",") + a.to_string();
  char sep = '?';
  if (u.table) out += std::string(1, sep) + "table=" + *u.table, sep = '&';
  if (u.user) out += std::string(1, sep) + "user=" + fuzz::percent_encoded(*u.user), sep = '&';
  if (u.tls) out += std::string(1, sep) + "tls=" + (*u.tls ? "true" : "false"), sep = '&';
  if (u.cacert) out += std::string(1, sep) + "cacert=" + fuzz::percent_encoded(*u.cacert), sep = '&';
  if (u.password) out += std::string(1, sep) + "password=" + fuzz::percent_encoded(*u.password);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string other = with_passwords_changed(input, password_spans(input));
  ignite::IgniteUri uri;
  try {
    uri = ignite::parse_uri(input);
  } catch (const core::UsageError& e) {
    check(fuzz::refusal(ignite::parse_uri, other) == e.what(), "a refused Ignite URI's message shows a password");
    return 0;
  }
  check(!uri.addresses.empty(), "an accepted Ignite URI without an address");
  for (const auto& a : uri.addresses) check(!a.host.empty() && a.port != 0, "an accepted Ignite address's fields");
  check(!uri.password || uri.user, "a password without a user");
  check(ignite::parse_uri(other).redacted() == uri.redacted(), "redacted() shows a password");
  check(!fuzz::one_uri(input) || core::redact_secrets(input) == core::redact_secrets(other),
        "redact_secrets leaves a password of an Ignite URI the parser accepts");
  const std::string again = as_uri(uri);
  ignite::IgniteUri back;
  try {
    back = ignite::parse_uri(again);
  } catch (const core::UsageError&) {
    check(false, "an accepted Ignite URI written back is refused");
  }
  check(back.addresses.size() == uri.addresses.size(), "written back: another number of addresses");
  for (std::size_t i = 0; i < uri.addresses.size(); ++i) {
    check(back.addresses[i].host == uri.addresses[i].host && back.addresses[i].port == uri.addresses[i].port,
          "written back: another address");
  }
  check(back.table == uri.table && back.user == uri.user && back.password == uri.password && back.tls == uri.tls &&
            back.cacert == uri.cacert,
        "written back: another table, user, password or TLS setting");
  check(!uri.cacert || uri.client_options().tls.enabled, "a CA file without TLS");
  return 0;
}
