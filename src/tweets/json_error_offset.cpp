#include "tweets/json_error_offset.hpp"

#include <cstdint>
#include <vector>

namespace streamlab::tweets {

namespace {

// A location that is either an error offset or "fine, continue at `next`".
struct Step {
  bool ok;
  std::size_t at;  // ok: where scanning continues; !ok: the error offset
};

Step fail(std::size_t at) { return {false, at}; }
Step next(std::size_t at) { return {true, at}; }

bool is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s), n_(s.size()) {}

  std::size_t skip_ws(std::size_t i) const {
    while (i < n_ && is_ws(byte(i))) ++i;
    return i;
  }

  // `i` is at the opening quote.
  Step string(std::size_t i) const {
    ++i;
    while (true) {
      if (i >= n_) return fail(n_);
      const unsigned char c = byte(i);
      if (c == '"') return next(i + 1);
      if (c == '\\') {
        const Step escaped = escape(i);
        if (!escaped.ok) return escaped;
        i = escaped.at;
      } else if (c < 0x20) {
        return fail(i);
      } else if (c < 0x80) {
        ++i;
      } else {
        const Step utf8 = utf8_sequence(i);
        if (!utf8.ok) return utf8;
        i = utf8.at;
      }
    }
  }

  Step number(std::size_t i) const {
    if (byte(i) == '-') ++i;
    if (i >= n_) return fail(n_);
    if (byte(i) == '0') {
      ++i;
    } else if (is_digit(byte(i))) {
      while (i < n_ && is_digit(byte(i))) ++i;
    } else {
      return fail(i);
    }
    if (i < n_ && byte(i) == '.') {
      const Step digits = digit_run(i + 1);
      if (!digits.ok) return digits;
      i = digits.at;
    }
    if (i < n_ && (byte(i) == 'e' || byte(i) == 'E')) {
      ++i;
      if (i < n_ && (byte(i) == '+' || byte(i) == '-')) ++i;
      return digit_run(i);
    }
    return next(i);
  }

  Step literal(std::size_t i, std::string_view word) const {
    for (std::size_t k = 0; k < word.size(); ++k) {
      if (i + k >= n_) return fail(n_);
      if (s_[i + k] != word[k]) return fail(i + k);
    }
    return next(i + word.size());
  }

  unsigned char byte(std::size_t i) const { return static_cast<unsigned char>(s_[i]); }
  std::size_t size() const { return n_; }

 private:
  Step digit_run(std::size_t i) const {
    if (i >= n_) return fail(n_);
    if (!is_digit(byte(i))) return fail(i);
    while (i < n_ && is_digit(byte(i))) ++i;
    return next(i);
  }

  // Four hex digits after "\u" at `i` (the backslash); -1 with `error` set when they are not.
  std::int32_t u_escape(std::size_t i, std::size_t& error) const {
    std::int32_t value = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const std::size_t at = i + 2 + k;
      if (at >= n_) {
        error = n_;
        return -1;
      }
      const int v = hex_value(byte(at));
      if (v < 0) {
        error = at;
        return -1;
      }
      value = value * 16 + v;
    }
    return value;
  }

  // `i` is at the backslash.
  Step escape(std::size_t i) const {
    if (i + 1 >= n_) return fail(n_);
    switch (byte(i + 1)) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't': return next(i + 2);
      case 'u': break;
      default: return fail(i + 1);
    }
    std::size_t error = 0;
    const std::int32_t unit = u_escape(i, error);
    if (unit < 0) return fail(error);
    if (unit >= 0xDC00 && unit <= 0xDFFF) return fail(i);  // a low surrogate with no high one
    if (unit < 0xD800 || unit > 0xDBFF) return next(i + 6);
    // A high surrogate only means something followed by "\u" and a low surrogate.
    // Each byte is looked at as it comes: a text that ends after the high surrogate or its
    // backslash ends too soon, but any other byte there is an error at the high surrogate.
    const std::size_t low_at = i + 6;
    if (low_at >= n_) return fail(n_);
    if (byte(low_at) != '\\') return fail(i);
    if (low_at + 1 >= n_) return fail(n_);
    if (byte(low_at + 1) != 'u') return fail(i);
    const std::int32_t low = u_escape(low_at, error);
    if (low < 0) return fail(error);
    if (low < 0xDC00 || low > 0xDFFF) return fail(i);
    return next(low_at + 6);
  }

  // `i` is at a byte >= 0x80; the ranges are RFC 3629's, which exclude overlong forms,
  // surrogates and code points beyond U+10FFFF.
  Step utf8_sequence(std::size_t i) const {
    const unsigned char lead = byte(i);
    std::size_t continuation = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      continuation = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      continuation = 2;
      if (lead == 0xE0) second_min = 0xA0;
      if (lead == 0xED) second_max = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      continuation = 3;
      if (lead == 0xF0) second_min = 0x90;
      if (lead == 0xF4) second_max = 0x8F;
    } else {
      return fail(i);
    }
    for (std::size_t k = 1; k <= continuation; ++k) {
      if (i + k >= n_) return fail(n_);
      const unsigned char c = byte(i + k);
      const unsigned char lo = k == 1 ? second_min : 0x80;
      const unsigned char hi = k == 1 ? second_max : 0xBF;
      if (c < lo || c > hi) return fail(i);
    }
    return next(i + 1 + continuation);
  }

  std::string_view s_;
  std::size_t n_;
};

}  // namespace

std::optional<std::size_t> locate_json_error(std::string_view json, std::size_t max_depth) {
  const Scanner scan(json);
  const std::size_t n = scan.size();
  // Open containers, innermost last: an explicit stack, so hostile nesting cannot exhaust
  // the call stack.
  std::vector<char> open;
  enum class Expect { Value, AfterValue, Key };
  Expect expect = Expect::Value;
  std::size_t i = scan.skip_ws(0);

  while (true) {
    switch (expect) {
      case Expect::Value: {
        if (i >= n) return n;
        const unsigned char c = scan.byte(i);
        if (c == '{' || c == '[') {
          if (open.size() >= max_depth) return i;
          open.push_back(static_cast<char>(c));
          i = scan.skip_ws(i + 1);
          if (i >= n) return n;
          const unsigned char closer = c == '{' ? '}' : ']';
          if (scan.byte(i) == closer) {
            open.pop_back();
            ++i;
            expect = Expect::AfterValue;
          } else {
            expect = c == '{' ? Expect::Key : Expect::Value;
          }
          break;
        }
        Step step{false, i};
        if (c == '"') {
          step = scan.string(i);
        } else if (c == 't') {
          step = scan.literal(i, "true");
        } else if (c == 'f') {
          step = scan.literal(i, "false");
        } else if (c == 'n') {
          step = scan.literal(i, "null");
        } else if (c == '-' || is_digit(c)) {
          step = scan.number(i);
        }
        if (!step.ok) return step.at;
        i = step.at;
        expect = Expect::AfterValue;
        break;
      }
      case Expect::AfterValue: {
        i = scan.skip_ws(i);
        if (open.empty()) {
          if (i < n) return i;  // content after the one top-level value
          return std::nullopt;
        }
        if (i >= n) return n;
        const unsigned char c = scan.byte(i);
        const char top = open.back();
        if ((top == '{' && c == '}') || (top == '[' && c == ']')) {
          open.pop_back();
          ++i;
          break;
        }
        if (c != ',') return i;
        i = scan.skip_ws(i + 1);
        expect = top == '{' ? Expect::Key : Expect::Value;
        break;
      }
      case Expect::Key: {
        if (i >= n) return n;
        if (scan.byte(i) != '"') return i;
        const Step key = scan.string(i);
        if (!key.ok) return key.at;
        i = scan.skip_ws(key.at);
        if (i >= n) return n;
        if (scan.byte(i) != ':') return i;
        i = scan.skip_ws(i + 1);
        expect = Expect::Value;
        break;
      }
    }
  }
}

}  // namespace streamlab::tweets
