#include "core/secrets.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace streamlab::core {
namespace {

bool space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool word(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-'; }

bool secret_key(std::string_view key) {
  std::string lower;
  for (char c : key) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (std::string_view k : {"password", "passwd", "pwd", "pass", "token", "secret", "sasl.password"}) {
    if (lower == k || lower.ends_with(std::string("_") + std::string(k)) ||
        lower.ends_with(std::string(".") + std::string(k))) {
      return true;
    }
  }
  return false;
}

// Whether the '=' at `i` ends a key that names a secret.
bool secret_key_before(std::string_view text, std::size_t i) {
  if (i == 0 || text[i] != '=' || !word(text[i - 1])) return false;
  std::size_t k = i;
  while (k > 0 && (word(text[k - 1]) || text[k - 1] == '.')) --k;
  return secret_key(text.substr(k, i - k));
}

// Where a secret's value that starts at `v` (just past its '=') ends.
std::size_t value_end(std::string_view text, std::size_t v) {
  if (v < text.size() && text[v] == '\'') {  // libpq's quoted value, \' and \\ escaped
    ++v;
    while (v < text.size() && text[v] != '\'') v += text[v] == '\\' ? 2 : 1;
    return std::min(v + 1, text.size());
  }
  while (v < text.size() && !space(text[v]) && text[v] != '&' && text[v] != '"' && text[v] != '\'') ++v;
  return v;
}

// From `at` (just past "://"), the end of the userinfo password's token, and where it starts;
// false when the URI has no "user:password@". When what reads as the userinfo holds a secret
// key=value, it may be a query after a port whose value holds an '@' or a ':'
// (ignite://h:10800?password=p@ss): the part hidden then also covers that whole value.
bool userinfo_password(std::string_view text, std::size_t at, std::size_t& from, std::size_t& to) {
  std::size_t end = at;
  while (end < text.size() && !space(text[end]) && text[end] != '\'' && text[end] != '"') ++end;
  const std::string_view token = text.substr(at, end - at);
  const std::size_t last_at = token.rfind('@');
  if (last_at == std::string_view::npos) return false;
  const std::size_t colon = token.find(':');
  if (colon == std::string_view::npos || colon > last_at) return false;
  if (token.substr(0, colon).find('/') != std::string_view::npos) return false;  // a path, not a user
  from = at + colon + 1;
  to = at + last_at;
  for (std::size_t i = at; i < at + last_at; ++i) {
    if (!secret_key_before(text, i)) continue;
    from = std::min(from, i + 1);
    to = std::max(to, value_end(text, i + 1));
  }
  return true;
}

}  // namespace

std::string redact_secrets(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    // scheme://user:password@
    if (text.compare(i, 3, "://") == 0) {
      std::size_t from = 0, to = 0;
      out.append("://");
      i += 3;
      if (userinfo_password(text, i, from, to)) {
        out.append(text.substr(i, from - i));
        out.append("***");
        i = to;
      }
      continue;
    }
    // key=value where the key names a secret
    if (secret_key_before(text, i)) {
      out.append("=***");
      i = value_end(text, i + 1);
      continue;
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

std::string from_environment(std::string_view flag, const std::string& value) {
  if (!value.starts_with("env:")) return value;
  const std::string name = value.substr(4);
  const char* v = name.empty() ? nullptr : std::getenv(name.c_str());
  if (v == nullptr || *v == '\0') {
    throw UsageError(
        fmt::format("{} {}: the environment variable {} is not set", flag, value, name.empty() ? "(no name)" : name));
  }
  return v;
}

}  // namespace streamlab::core
