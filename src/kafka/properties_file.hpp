#pragma once
// kcat's -F: a librdkafka properties file, one key=value a line. No librdkafka here: the text
// parser is what a fuzz target runs (tests/fuzz/properties_file_fuzzer.cpp).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace streamlab::kafka {

using Properties = std::vector<std::pair<std::string, std::string>>;

struct PropertiesText {
  Properties properties;
  bool holds_secret = false;  // a key naming a password, secret or token
};

// The text of a properties file: one key=value a line (lines end at '\n'), blank lines and
// lines starting with '#' skipped, spaces, tabs and '\r' around the key and the value trimmed.
// Anything else is a UsageError "-F NAME: line N is not key=value", which never quotes the line
// (it may hold a secret).
PropertiesText parse_properties_text(std::string_view text, std::string_view name);

// The file at `path`, read by parse_properties_text. UsageError naming the file when it cannot
// be read. A file holding a password, secret or token that other users may read gets a warning
// on stderr.
Properties read_properties_file(const std::string& path);

}  // namespace streamlab::kafka
