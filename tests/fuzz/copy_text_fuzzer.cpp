// libFuzzer target: the PostgreSQL sink's COPY text encoder (sinks/postgres/copy_text.cpp). A
// row of a text field, a text[] field, a bytea field and a timestamptz field made from the
// input is cut at its unescaped tabs and its newline, and each field is read back as
// PostgreSQL reads COPY text (and then array and bytea input): the row has exactly its fields
// on one line, no field holds an unescaped tab, newline, carriage return or a backslash that
// escapes nothing, and each reads back as the value written (the timestamp as its instant, to
// the millisecond, computed here by a second route). Table names: quoted, or refused.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "fuzz/fuzz_check.hpp"
#include "sinks/postgres/copy_text.hpp"
#include "tweets/timestamps.hpp"

using namespace streamlab::sinks::postgres;
using streamlab::fuzz::check;
using streamlab::fuzz::days_from_civil;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A COPY text field as PostgreSQL reads it (the backslash sequences of COPY's text format).
std::string copy_unescape(std::string_view field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    const char c = field[i];
    check(c != '\t' && c != '\n' && c != '\r', "an unescaped tab, newline or carriage return in a field");
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    check(i + 1 < field.size(), "a field ends in a lone backslash");
    const char e = field[++i];
    switch (e) {
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'v': out.push_back('\v'); break;
      case '\\': out.push_back('\\'); break;
      default:
        // Octal, \x hex, "\N" and "\." mean something else in COPY; the encoder writes none.
        check(false, "a backslash sequence the encoder should not write");
    }
  }
  return out;
}

// An array literal's elements, as array_in reads a text[] (every element quoted).
std::vector<std::string> array_elements(std::string_view literal) {
  check(literal.size() >= 2 && literal.front() == '{' && literal.back() == '}', "an array literal without braces");
  std::vector<std::string> out;
  std::size_t i = 1;
  while (i < literal.size() - 1) {
    check(literal[i] == '"', "an array element that is not quoted");
    std::string element;
    for (++i;; ++i) {
      check(i < literal.size() - 1, "an array element without its closing quote");
      if (literal[i] == '"') break;
      if (literal[i] == '\\') ++i;
      element.push_back(literal[i]);
    }
    out.push_back(std::move(element));
    ++i;
    if (i < literal.size() - 1) check(literal[i++] == ',', "array elements not separated by commas");
  }
  return out;
}

// "YYYY-MM-DDTHH:MM:SS.mmm+00" read back to milliseconds since the epoch.
std::int64_t timestamp_ms(std::string_view s) {
  check(s.size() == 26 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' &&
            s.substr(23) == "+00",
        "a timestamp not of the form YYYY-MM-DDTHH:MM:SS.mmm+00");
  const auto number = [&](std::size_t at, std::size_t n) {
    std::int64_t v = 0;
    for (std::size_t k = at; k < at + n; ++k) {
      check(s[k] >= '0' && s[k] <= '9', "a timestamp with a non-digit");
      v = v * 10 + (s[k] - '0');
    }
    return v;
  };
  const std::int64_t month = number(5, 2), day = number(8, 2);
  check(month >= 1 && month <= 12 && day >= 1 && day <= 31, "a timestamp's month or day out of range");
  const std::int64_t days = days_from_civil(number(0, 4), static_cast<unsigned>(month), static_cast<unsigned>(day));
  return ((days * 24 + number(11, 2)) * 60 + number(14, 2)) * 60 * 1000 + number(17, 2) * 1000 + number(20, 3);
}

std::string without_nul(std::string s) {
  std::erase(s, '\0');  // the caller's guarantee: a text value holds no NUL
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string text = without_nul(in.ConsumeRandomLengthString(256));
  std::vector<std::string> elements(in.ConsumeIntegralInRange<std::size_t>(0, 4));
  for (auto& e : elements) e = without_nul(in.ConsumeRandomLengthString(64));
  const auto ms = in.ConsumeIntegral<std::int64_t>();
  const std::string table = in.ConsumeRandomLengthString(64);
  const std::string bytes = in.ConsumeRemainingBytesAsString();

  std::string row;
  append_copy_text(text, row);
  row.push_back('\t');
  append_copy_text_array(elements, row);
  row.push_back('\t');
  append_copy_bytea(bytes, row);
  row.push_back('\t');
  append_copy_timestamp_ms(ms, row);
  row.push_back('\n');

  check(row.find('\n') == row.size() - 1, "a row on more than one line");
  std::vector<std::string_view> fields;
  for (std::string_view rest(row.data(), row.size() - 1);;) {
    const auto tab = rest.find('\t');
    fields.push_back(rest.substr(0, tab));
    if (tab == std::string_view::npos) break;
    rest.remove_prefix(tab + 1);
  }
  check(fields.size() == 4, "a row with another number of fields");
  check(copy_unescape(fields[0]) == text, "a text field reads back as another text");
  check(array_elements(copy_unescape(fields[1])) == elements, "a text[] field reads back as other elements");

  const std::string bytea = copy_unescape(fields[2]);
  check(bytea.starts_with("\\x") && bytea.size() == 2 + 2 * bytes.size(), "a bytea field not in hex form");
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const int hi = hex_value(bytea[2 + 2 * i]), lo = hex_value(bytea[3 + 2 * i]);
    check(hi >= 0 && lo >= 0 && hi * 16 + lo == static_cast<unsigned char>(bytes[i]), "a bytea field's byte");
  }

  std::string probe;
  if (streamlab::tweets::append_iso8601_utc(ms, probe)) {
    check(timestamp_ms(copy_unescape(fields[3])) == ms, "a timestamp reads back as another instant");
  } else {
    check(fields[3] == kCopyNull, "a timestamp out of range is not NULL");
  }

  try {
    const std::string quoted = quoted_table_name(table);
    check(quoted.size() >= 3 && quoted.front() == '"' && quoted.back() == '"', "a table name not quoted");
    for (const char c : quoted) {
      check(c == '"' || c == '.' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (c >= '0' && c <= '9'),
            "a quoted table name with another character");
    }
  } catch (const streamlab::core::UsageError&) {
  }
  return 0;
}
