#pragma once
// Shared by the message parser's and the synthetic source's tests: the real corpus, and a
// second, independent reading of tweets with nlohmann::json, so the simdjson parser is checked
// against another implementation of the same rules rather than against itself.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_locations.hpp"

namespace streamlab::test {

using nlohmann::json;

inline std::string corpus_path() { return std::string(STREAMLAB_SOURCE_DIR) + "/data/corpus/tweets.jsonl"; }

// The corpus lines, or nullopt when the corpus has not been built (deploy/local/corpus).
inline std::optional<std::vector<std::string>> read_corpus() {
  std::ifstream in(corpus_path(), std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  if (lines.empty()) return std::nullopt;
  return lines;
}

inline constexpr const char* kMissingCorpus =
    "corpus missing: run deploy/local/corpus (it writes data/corpus/tweets.jsonl)";

// The value below which a share `p` of the sizes fall: sorted[floor(p * (n - 1))]. The
// synthetic source's calibration and its test use this same definition.
inline std::size_t quantile(std::vector<std::size_t> sizes, double p) {
  std::sort(sizes.begin(), sizes.end());
  return sizes[static_cast<std::size_t>(p * static_cast<double>(sizes.size() - 1))];
}

inline void reference_utf8(std::uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Looks for the ';' and judges the name between: a different route from the parser's
// (which matches entity by entity), so a shared mistake is unlikely.
inline std::string reference_html_decode(const std::string& text) {
  static const std::map<std::string, char> kNamed = {
      {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t semicolon = text[i] == '&' ? text.find(';', i + 1) : std::string::npos;
    if (semicolon == std::string::npos || semicolon - i > 10) {
      out += text[i++];
      continue;
    }
    const std::string name = text.substr(i + 1, semicolon - i - 1);
    if (const auto named = kNamed.find(name); named != kNamed.end()) {
      out += named->second;
      i = semicolon + 1;
      continue;
    }
    const bool hex = name.size() > 1 && name[0] == '#' && (name[1] == 'x' || name[1] == 'X');
    const std::string digits = name.size() > 1 && name[0] == '#' ? name.substr(hex ? 2 : 1) : "";
    const char* allowed = hex ? "0123456789abcdefABCDEF" : "0123456789";
    if (digits.empty() || digits.size() > (hex ? 6u : 7u) || digits.find_first_not_of(allowed) != std::string::npos) {
      out += text[i++];
      continue;
    }
    const unsigned long cp = std::stoul(digits, nullptr, hex ? 16 : 10);
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      out += text[i++];
      continue;
    }
    reference_utf8(static_cast<std::uint32_t>(cp), out);
    i = semicolon + 1;
  }
  return out;
}

// The status whose text a v1.1 tweet shows: a retweet shows its original.
inline const json& reference_content_status(const json& status) {
  if (status.contains("retweeted_status") && status["retweeted_status"].is_object()) {
    return reference_content_status(status["retweeted_status"]);
  }
  return status;
}

inline std::string reference_full_text(const json& tweet) {
  const json& s = reference_content_status(tweet);
  std::string raw;
  if (s.contains("extended_tweet") && s["extended_tweet"].contains("full_text")) {
    raw = s["extended_tweet"]["full_text"].get<std::string>();
  } else if (s.contains("full_text")) {
    raw = s["full_text"].get<std::string>();
  } else {
    raw = s["text"].get<std::string>();
  }
  return reference_html_decode(raw);
}

inline std::vector<std::string> reference_entities(const json& tweet, const char* list, const char* field) {
  const json& s = reference_content_status(tweet);
  const json* entities = nullptr;
  if (s.contains("extended_tweet") && s["extended_tweet"].contains("full_text")) {
    if (s["extended_tweet"].contains("entities")) entities = &s["extended_tweet"]["entities"];
  } else if (s.contains("entities")) {
    entities = &s["entities"];
  }
  std::vector<std::string> out;
  if (entities == nullptr || !entities->contains(list)) return out;
  for (const json& item : (*entities)[list]) out.push_back(item[field].get<std::string>());
  return out;
}

inline std::string reference_id(const json& tweet) {
  if (tweet.contains("id_str")) return tweet["id_str"].get<std::string>();
  return std::to_string(tweet["id"].get<std::uint64_t>());
}

inline bool reference_is_notice(const json& message) {
  static const char* const kKeys[] = {"delete",     "scrub_geo", "limit", "status_withheld", "user_withheld",
                                      "disconnect", "warning",   "event", "friends"};
  if (!message.is_object()) return false;
  for (const char* key : kKeys) {
    if (message.contains(key)) return true;
  }
  return false;
}

}  // namespace streamlab::test
