#include "sources/synthetic/json_writer.hpp"

#include <cstddef>

namespace streamlab::sources::synthetic {

namespace {

void put_hex4(std::string& out, std::uint32_t unit) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(unit >> shift) & 0xF]);
}

// Per byte: 1 when JSON needs it escaped, 2 when only ASCII-only output does.
constexpr std::array<std::uint8_t, 256> kEscapeClass = [] {
  std::array<std::uint8_t, 256> table{};
  for (std::size_t c = 0; c < 0x20; ++c) table[c] = 1;
  table['"'] = 1;
  table['\\'] = 1;
  for (std::size_t c = 0x80; c < 0x100; ++c) table[c] = 2;
  return table;
}();

}  // namespace

void put_escaped(std::string& out, std::string_view s, bool ascii_only) {
  out.push_back('"');
  const std::uint8_t escape_mask = ascii_only ? 3 : 1;
  std::size_t plain_from = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((kEscapeClass[c] & escape_mask) == 0) {
      ++i;
      continue;
    }
    out.append(s.substr(plain_from, i - plain_from));
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (c == '\n') {
      out.append("\\n");
      ++i;
    } else if (c < 0x20) {
      put_hex4(out, c);
      ++i;
    } else {
      const std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      std::uint32_t cp = c & (length == 4 ? 0x07 : length == 3 ? 0x0F : 0x1F);
      for (std::size_t k = 1; k < length; ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      }
      if (cp >= 0x10000) {
        cp -= 0x10000;
        put_hex4(out, 0xD800 + (cp >> 10));
        put_hex4(out, 0xDC00 + (cp & 0x3FF));
      } else {
        put_hex4(out, cp);
      }
      i += length;
    }
    plain_from = i;
  }
  out.append(s.substr(plain_from));
  out.push_back('"');
}

void put_indices(std::string& out, std::uint32_t begin, std::uint32_t end) {
  out.append(",\"indices\":[");
  put_uint(out, begin);
  out.push_back(',');
  put_uint(out, end);
  out.append("]}");
}

}  // namespace streamlab::sources::synthetic
