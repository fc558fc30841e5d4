#pragma once
// What the fuzz targets share: a property check that stops the run with the reason (libFuzzer
// keeps the input as crash-*), a civil-date helper of the COPY oracles, and a way to tell
// whether a text shows a secret of its input.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/errors.hpp"

namespace streamlab::fuzz {

// Aborts, printing `what`, unless `ok`.
inline void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz property broken: %s\n", what);
  std::abort();
}

// Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil): the COPY targets'
// oracles for the timestamps the encoders write, independent of the code under test.
inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// `input` with the secret at [at, at + size) changed and nothing else: each ASCII letter to the
// other case, each digit to the next, so that the parsers read the same structure (hex digits
// stay hex digits, keys are compared without case). A text made from `input` shows the secret
// when the same text made from this differs: comparing texts rather than looking for the secret
// in them, a message whose fixed words hold the secret is no leak, and a part of it shown is one.
inline std::string with_secret_changed(std::string_view input, std::size_t at, std::size_t size) {
  std::string out(input);
  for (std::size_t i = at; i < at + size && i < out.size(); ++i) {
    char& c = out[i];
    if (c >= '0' && c <= '9') {
      c = c == '9' ? '0' : static_cast<char>(c + 1);
    } else if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    } else if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// Whether `input` can stand as one URI in a line of text, where core::redact_secrets looks for
// it: no whitespace or quote, which end a URI there.
// Every byte but unreserved letters, digits and -_. as %XX: a URI parameter any parser decodes back.
inline std::string percent_encoded(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' || u == '_' ||
        u == '.') {
      out.push_back(c);
    } else {
      out += {'%', kHex[u >> 4], kHex[u & 15]};
    }
  }
  return out;
}

// The message of the core::UsageError `parse(input)` throws, or "accepted".
template <typename Parse>
std::string refusal(Parse parse, std::string_view input) {
  try {
    parse(input);
    return "accepted";
  } catch (const core::UsageError& e) {
    return e.what();
  }
}

inline bool one_uri(std::string_view input) { return input.find_first_of(" \t\n\v\f\r\"'") == std::string_view::npos; }

}  // namespace streamlab::fuzz
