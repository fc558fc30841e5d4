#include "ignite/hashing.hpp"

namespace streamlab::ignite {
namespace {

// Decodes UTF-8 into code points, calling emit(unit) for each UTF-16 code unit Java would
// hold. A malformed byte becomes U+FFFD (Java may fold a longer malformed run into one).
template <typename Emit>
void for_each_utf16_unit(std::string_view s, Emit&& emit) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    std::uint32_t cp = 0xFFFD;
    std::size_t len = 1;
    if (c < 0x80) {
      cp = c;
    } else {
      std::size_t need = 0;
      std::uint32_t min = 0;
      if ((c & 0xE0) == 0xC0) {
        need = 1, cp = c & 0x1F, min = 0x80;
      } else if ((c & 0xF0) == 0xE0) {
        need = 2, cp = c & 0x0F, min = 0x800;
      } else if ((c & 0xF8) == 0xF0) {
        need = 3, cp = c & 0x07, min = 0x10000;
      }
      bool ok = need > 0 && need < n - i;
      for (std::size_t k = 1; ok && k <= need; ++k) {
        if ((p[i + k] & 0xC0) != 0x80)
          ok = false;
        else
          cp = (cp << 6) | (p[i + k] & 0x3F);
      }
      if (ok && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
        len = need + 1;
      } else {
        cp = 0xFFFD;
      }
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      emit(static_cast<char16_t>(0xD800 + (cp >> 10)));
      emit(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      emit(static_cast<char16_t>(cp));
    }
    i += len;
  }
}

char16_t to_lower(char16_t c) {
  if (c >= u'A' && c <= u'Z') return static_cast<char16_t>(c + 32);
  if (c < 0x80) return c;
  // Latin-1 capitals À..Þ except ×.
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return static_cast<char16_t>(c + 32);
  // Latin Extended-A: pairs (even = capital) in 0x100..0x137 and 0x14A..0x177.
  if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return static_cast<char16_t>(c | 1);
  // Greek capitals Α..Ω (no capital at 0x3A2).
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return static_cast<char16_t>(c + 32);
  // Cyrillic Ѐ..Џ and А..Я.
  if (c >= 0x400 && c <= 0x40F) return static_cast<char16_t>(c + 80);
  if (c >= 0x410 && c <= 0x42F) return static_cast<char16_t>(c + 32);
  return c;
}

}  // namespace

// Java int arithmetic wraps; unsigned arithmetic gives the same bits without signed overflow.
std::int32_t java_hash(std::string_view utf8) {
  std::uint32_t h = 0;
  for_each_utf16_unit(utf8, [&](char16_t u) { h = 31 * h + u; });
  return static_cast<std::int32_t>(h);
}

std::int32_t name_id(std::string_view utf8) {
  std::uint32_t h = 0;
  for_each_utf16_unit(utf8, [&](char16_t u) { h = 31 * h + to_lower(u); });
  return static_cast<std::int32_t>(h);
}

std::int32_t schema_id(std::span<const std::int32_t> field_ids) {
  if (field_ids.empty()) return 0;
  constexpr std::uint32_t kOffsetBasis = 0x811C9DC5;
  constexpr std::uint32_t kPrime = 0x01000193;
  std::uint32_t h = kOffsetBasis;
  for (const std::int32_t id : field_ids) {
    const auto u = static_cast<std::uint32_t>(id);
    for (int shift = 0; shift < 32; shift += 8) {
      h ^= (u >> shift) & 0xFF;
      h *= kPrime;
    }
  }
  return static_cast<std::int32_t>(h);
}

std::int32_t data_hash(std::span<const std::uint8_t> bytes) {
  std::uint32_t h = 1;
  // Java bytes are signed: 0xFF adds -1.
  for (const std::uint8_t b : bytes) h = 31 * h + static_cast<std::uint32_t>(static_cast<std::int8_t>(b));
  return static_cast<std::int32_t>(h);
}

}  // namespace streamlab::ignite
