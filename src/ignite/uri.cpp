#include "ignite/uri.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/errors.hpp"
#include "core/percent_encoding.hpp"

namespace streamlab::ignite {
namespace {

// The address as a message may show it: without the query (?password=) nor what stands between
// the scheme and the last '@' (user:password@, which this format refuses but a user may write).
std::string shown(std::string_view uri) {
  uri = uri.substr(0, uri.find('?'));
  const auto at = uri.rfind('@');
  if (at == std::string_view::npos) return std::string(uri);
  const auto scheme = uri.find("://");
  const std::size_t start = scheme != std::string_view::npos && scheme + 3 <= at ? scheme + 3 : 0;
  return fmt::format("{}***{}", uri.substr(0, start), uri.substr(at));
}

[[noreturn]] void bad(std::string_view uri, std::string_view why) {
  throw core::UsageError(
      fmt::format("invalid Ignite address '{}': {} (expected ignite://host[:port][,host[:port]...][?table=NAME])",
                  shown(uri), why));
}

std::string percent_decode(std::string_view uri, std::string_view s) {
  std::optional<std::string> out = core::percent_decode(s);
  if (!out) bad(uri, "a '%' not followed by two hex digits");
  return *out;
}

bool is_sql_identifier(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (const char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

// One "host[:port]" of the address list.
Address parse_address(std::string_view uri, std::string_view rest) {
  Address out;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) bad(uri, "an IPv6 address without its closing ']'");
    out.host = std::string(rest.substr(1, close - 1));
    // Brackets hold an IPv6 address, written back with them (Address::text) only when it has a
    // ':'; anything else in them would come back as another address, or none.
    if (out.host.find(':') == std::string::npos || out.host.find('[') != std::string::npos) {
      bad(uri, "brackets hold an IPv6 address");
    }
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') bad(uri, "unexpected text after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) bad(uri, "an empty port");
    }
  } else {
    const auto colon = rest.find(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = rest.substr(colon + 1);
      if (port.empty()) bad(uri, "an empty port");
    }
  }
  if (out.host.empty()) bad(uri, "no host");
  if (!port.empty()) {
    unsigned value = 0;
    for (const char c : port) {
      if (c < '0' || c > '9') bad(uri, fmt::format("port '{}' is not a number", port));
      value = value * 10 + static_cast<unsigned>(c - '0');
      if (value > 65535) bad(uri, fmt::format("port {} is out of range 1..65535", port));
    }
    if (value == 0) bad(uri, "port 0");
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

}  // namespace

IgniteUri parse_uri(std::string_view uri) {
  constexpr std::string_view kScheme = "ignite://";
  if (uri.size() < kScheme.size() || !std::equal(kScheme.begin(), kScheme.end(), uri.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
      })) {
    bad(uri, "it does not start with ignite://");
  }
  std::string_view rest = uri.substr(kScheme.size());
  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) bad(uri, "it has a path; only host, port and ?table= are known");
  if (rest.find('@') != std::string_view::npos)
    bad(uri, "credentials go in ?user=...&password=..., not before the host");

  IgniteUri out;
  if (rest.empty()) bad(uri, "no host");
  while (true) {
    const auto comma = rest.find(',');
    out.addresses.push_back(parse_address(uri, rest.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }

  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) bad(uri, fmt::format("parameter '{}' has no value", pair));
    const std::string_view name = pair.substr(0, eq);
    std::string value = percent_decode(uri, pair.substr(eq + 1));
    if (name == "tls") {
      if (value != "true" && value != "false") bad(uri, fmt::format("tls is true or false, not '{}'", value));
      if (out.tls) bad(uri, "parameter 'tls' given twice");
      out.tls = value == "true";
      continue;
    }
    std::optional<std::string>* slot = nullptr;
    if (name == "table")
      slot = &out.table;
    else if (name == "user")
      slot = &out.user;
    else if (name == "password")
      slot = &out.password;
    else if (name == "cacert")
      slot = &out.cacert;
    else
      bad(uri, fmt::format("unknown parameter '{}' (known: table, user, password, tls, cacert)", name));
    if (slot->has_value()) bad(uri, fmt::format("parameter '{}' given twice", name));
    if (value.empty()) bad(uri, fmt::format("parameter '{}' is empty", name));
    *slot = std::move(value);
  }
  if (out.table && !is_sql_identifier(*out.table)) {
    bad(uri, fmt::format("table '{}' is not an SQL identifier (letters, digits and '_', not starting with a digit)",
                         *out.table));
  }
  if (out.password && !out.user) bad(uri, "a password without a user");
  if (out.cacert && out.tls == false) bad(uri, "a CA file (cacert) with tls=false");
  return out;
}

ClientOptions IgniteUri::client_options() const {
  ClientOptions o;
  o.addresses = addresses;
  o.user = user;
  o.password = password;
  // A user without a password in the address takes $STREAMLAB_IGNITE_PASSWORD, so the password
  // need be in no command line.
  if (user && !password) {
    if (const char* from_env = std::getenv("STREAMLAB_IGNITE_PASSWORD"); from_env != nullptr && *from_env != '\0')
      o.password = from_env;
  }
  o.tls.enabled = tls.value_or(cacert.has_value());
  o.tls.ca_file = cacert.value_or("");
  return o;
}

std::string IgniteUri::redacted() const {
  std::string out = "ignite://";
  for (const auto& a : addresses) out += (&a == &addresses.front() ? "" : ",") + a.to_string();
  char sep = '?';
  if (table) out += fmt::format("{}table={}", sep, *table), sep = '&';
  if (user) out += fmt::format("{}user={}", sep, *user), sep = '&';
  if (tls) out += fmt::format("{}tls={}", sep, *tls ? "true" : "false"), sep = '&';
  if (cacert) out += fmt::format("{}cacert={}", sep, *cacert), sep = '&';
  if (password) out += fmt::format("{}password=***", sep);
  return out;
}

}  // namespace streamlab::ignite
