// libFuzzer target: the -F properties file reader's text parser (kafka/properties_file.cpp). It
// refuses only with a UsageError naming a line and never quoting it (a line may hold a secret);
// what it accepts is one pair for each line that is neither blank nor a comment, keys and
// values trimmed, keys without '=' or a line break, and the pairs written back as a file parse
// to the same pairs.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/errors.hpp"
#include "fuzz/fuzz_check.hpp"
#include "kafka/properties_file.hpp"

using namespace streamlab;
using fuzz::check;

namespace {

bool trimmed(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  return s.empty() || (!space(s.front()) && !space(s.back()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  kafka::PropertiesText parsed;
  try {
    parsed = kafka::parse_properties_text(text, "f.properties");
  } catch (const core::UsageError& e) {
    const std::string_view what = e.what();
    constexpr std::string_view kHead = "-F f.properties: line ", kTail = " is not key=value";
    check(what.starts_with(kHead) && what.ends_with(kTail), "a refusal that is not \"line N is not key=value\"");
    const std::string_view number = what.substr(kHead.size(), what.size() - kHead.size() - kTail.size());
    check(
        !number.empty() && number.find_first_not_of("0123456789") == std::string_view::npos &&
            std::stoul(std::string(number)) <= static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1,
        "a refusal naming no line of the file");
    return 0;
  }
  std::size_t lines = 0;
  for (std::string_view rest = text; !rest.empty();) {
    const auto nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    const auto first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && line[first] != '#') ++lines;
  }
  check(parsed.properties.size() == lines, "not one pair for each line that is neither blank nor a comment");
  std::string again;
  bool secret = false;
  for (const auto& [key, value] : parsed.properties) {
    check(!key.empty() && key.find_first_of("=\n") == std::string::npos && key[0] != '#', "a key");
    check(value.find('\n') == std::string::npos, "a value with a line break");
    check(trimmed(key) && trimmed(value), "a key or value not trimmed");
    secret = secret || key.find("password") != std::string::npos || key.find("secret") != std::string::npos ||
             key.find("token") != std::string::npos;
    again += key + "=" + value + "\n";
  }
  check(secret == parsed.holds_secret, "holds_secret is not whether a key names a secret");
  try {
    check(kafka::parse_properties_text(again, "again").properties == parsed.properties,
          "the pairs written back parse to other pairs");
  } catch (const core::UsageError&) {
    check(false, "the pairs written back are refused");
  }
  return 0;
}
