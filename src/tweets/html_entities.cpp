#include "tweets/html_entities.hpp"

#include <cstddef>
#include <cstring>

namespace streamlab::tweets {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_scalar_value(char32_t cp) { return cp != 0 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF); }

// `rest` starts just after '&'. On success appends the decoded text and returns how many
// bytes of `rest` the entity used (including ';'); returns 0 when it is not an entity we know.
std::size_t decode_one(std::string_view rest, std::string& out) {
  struct Named {
    std::string_view name;  // with the ';'
    char value;
  };
  static constexpr Named kNamed[] = {
      {"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''},
  };
  if (rest.empty()) return 0;
  if (rest[0] != '#') {
    for (const Named& named : kNamed) {
      if (rest.starts_with(named.name)) {
        out.push_back(named.value);
        return named.name.size();
      }
    }
    return 0;
  }
  // Numeric: 7 decimal or 6 hex digits already exceed U+10FFFF, so longer runs (and the
  // overflow they could cause) are rejected by the digit limits alone.
  std::size_t i = 1;
  const bool hex = i < rest.size() && (rest[i] == 'x' || rest[i] == 'X');
  if (hex) ++i;
  const std::size_t digits_start = i;
  const std::size_t max_digits = hex ? 6 : 7;
  char32_t cp = 0;
  while (i < rest.size() && i - digits_start < max_digits) {
    const char c = rest[i];
    const int v = hex ? hex_value(c) : (c >= '0' && c <= '9' ? c - '0' : -1);
    if (v < 0) break;
    cp = cp * (hex ? 16 : 10) + static_cast<char32_t>(v);
    ++i;
  }
  if (i == digits_start || i >= rest.size() || rest[i] != ';' || !is_scalar_value(cp)) return 0;
  append_utf8(cp, out);
  return i + 1;
}

}  // namespace

void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void append_html_decoded(std::string_view text, std::string& out) {
  // Most tweets hold no '&' at all: memchr keeps that case a plain copy.
  while (!text.empty()) {
    const void* amp = std::memchr(text.data(), '&', text.size());
    if (amp == nullptr) {
      out.append(text);
      return;
    }
    const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(amp) - text.data());
    out.append(text.substr(0, at));
    const std::size_t used = decode_one(text.substr(at + 1), out);
    if (used == 0) out.push_back('&');
    text.remove_prefix(at + 1 + used);
  }
}

std::string decode_html_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_html_decoded(text, out);
  return out;
}

}  // namespace streamlab::tweets
