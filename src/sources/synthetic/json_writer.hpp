#pragma once
// JSON writing into one reused string: numbers, ids rendered once, escaped strings.

#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace streamlab::sources::synthetic {

inline void put_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

inline void put_str_uint(std::string& out, std::uint64_t v) {
  out.push_back('"');
  put_uint(out, v);
  out.push_back('"');
}

// An id's decimal digits, rendered once: a post's id is written up to eight times.
struct Decimal {
  std::array<char, 20> digits{};
  std::uint8_t length = 0;

  void set(std::uint64_t v) {
    const char* end = std::to_chars(digits.data(), digits.data() + digits.size(), v).ptr;
    length = static_cast<std::uint8_t>(end - digits.data());
  }
  std::string_view view() const { return {digits.data(), length}; }
};

// `"id":123,"id_str":"123"`.
inline void put_id_pair(std::string& out, const Decimal& id) {
  out.append("\"id\":");
  out.append(id.view());
  out.append(",\"id_str\":\"");
  out.append(id.view());
  out.push_back('"');
}

// Escapes what JSON requires; with `ascii_only`, also every non-ASCII character (as \uXXXX,
// surrogate pairs beyond the BMP), the way some clients and older APIs serve text. The input
// is our own vocabulary, hence valid UTF-8.
void put_escaped(std::string& out, std::string_view s, bool ascii_only);

// `,"indices":[begin,end]}`: the end of an entity.
void put_indices(std::string& out, std::uint32_t begin, std::uint32_t end);

}  // namespace streamlab::sources::synthetic
