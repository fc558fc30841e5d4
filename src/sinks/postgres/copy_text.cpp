#include "sinks/postgres/copy_text.hpp"

#include <fmt/format.h>

#include "core/errors.hpp"
#include "tweets/timestamps.hpp"

namespace streamlab::sinks::postgres {

void append_copy_text(std::string_view value, std::string& out) {
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out.push_back(c);
    }
  }
}

std::string array_literal(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal.push_back(',');
    literal.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') literal.push_back('\\');
      literal.push_back(c);
    }
    literal.push_back('"');
  }
  literal.push_back('}');
  return literal;
}

void append_copy_text_array(const std::vector<std::string>& values, std::string& out) {
  append_copy_text(array_literal(values), out);
}

void append_copy_bytea(std::string_view bytes, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\\\x";  // "\x" once COPY has unescaped it
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
}

void append_copy_timestamp_ms(std::int64_t epoch_ms, std::string& out) {
  std::string iso;
  if (!tweets::append_iso8601_utc(epoch_ms, iso)) {
    out += kCopyNull;
    return;
  }
  iso.pop_back();  // the 'Z': milliseconds go before the zone
  fmt::format_to(std::back_inserter(out), "{}.{:03}+00", iso, ((epoch_ms % 1000) + 1000) % 1000);
}

std::string quoted_table_name(std::string_view name, std::size_t max_length) {
  const auto bad = [&] {
    return core::UsageError(
        fmt::format("--table '{}': use letters, digits and _ (not starting with a digit), at most {} characters, "
                    "optionally as schema.table",
                    name, max_length));
  };
  std::string quoted;
  std::size_t start = 0;
  int parts = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    const std::string_view part = name.substr(start, dot == std::string_view::npos ? name.npos : dot - start);
    if (part.empty() || part.size() > max_length || ++parts > 2) throw bad();
    for (std::size_t i = 0; i < part.size(); ++i) {
      const char c = part[i];
      const bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
      if (!ok) throw bad();
    }
    if (!quoted.empty()) quoted.push_back('.');
    quoted += fmt::format("\"{}\"", part);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return quoted;
}

}  // namespace streamlab::sinks::postgres
