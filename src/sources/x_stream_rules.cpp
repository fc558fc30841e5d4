#include "sources/x_stream_rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"

namespace streamlab::sources {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string keyword(const std::string& word) {
  // Characters that are rule syntax: quotes, grouping, and a leading negation/operator sign.
  if (word.find_first_of("\"()") != std::string::npos || word.front() == '-' || word.back() == ':') {
    throw core::UsageError(
        fmt::format("--track word '{}' holds rule syntax (quotes, parentheses, a leading '-' or a trailing ':'); "
                    "give plain words or phrases",
                    word));
  }
  const bool phrase = word.find_first_of(" \t") != std::string::npos;
  const bool operator_word = word == "OR" || word == "AND";
  return phrase || operator_word ? fmt::format("\"{}\"", word) : word;
}

bool is_lang_code(const std::string& lang) {
  if (lang.size() < 2 || lang.size() > 3) return false;
  return std::all_of(lang.begin(), lang.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

std::string group(const std::vector<std::string>& items) {
  std::string joined;
  for (const auto& item : items) {
    if (!joined.empty()) joined += " OR ";
    joined += item;
  }
  return items.size() > 1 ? fmt::format("({})", joined) : joined;
}

}  // namespace

std::vector<std::string> split_list(std::string_view list, std::string_view flag) {
  std::vector<std::string> items;
  for (;;) {
    const auto comma = list.find(',');
    const std::string_view item = trim(list.substr(0, comma));
    if (item.empty()) {
      throw core::UsageError(fmt::format("{} has an empty item (in '{}')", flag, list));
    }
    items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return items;
}

XRule build_rule(const std::vector<std::string>& track, const std::vector<std::string>& langs) {
  if (track.empty()) throw core::UsageError("--track needs at least one word");
  std::vector<std::string> words, lang_ops;
  for (const auto& w : track) words.push_back(keyword(w));
  for (const auto& l : langs) {
    if (!is_lang_code(l)) {
      throw core::UsageError(
          fmt::format("--lang '{}' is not a language code (like es, en: two or three "
                      "lowercase letters, as X's lang: operator takes them)",
                      l));
    }
    lang_ops.push_back("lang:" + l);
  }
  std::string value = group(words);
  if (!lang_ops.empty()) value += " " + group(lang_ops);
  if (value.size() > kMaxRuleLength) {
    throw core::UsageError(
        fmt::format("the filtered-stream rule from --track and --lang is {} characters; X "
                    "allows at most {} per rule: track fewer words",
                    value.size(), kMaxRuleLength));
  }
  return XRule{"", std::move(value), std::string(kStreamlabRuleTag)};
}

RuleDiff diff_rules(const std::vector<XRule>& wanted, const std::vector<XRule>& existing) {
  RuleDiff diff;
  for (const auto& w : wanted) {
    const bool present =
        std::any_of(existing.begin(), existing.end(), [&](const XRule& e) { return e.value == w.value; });
    const bool listed =
        std::any_of(diff.add.begin(), diff.add.end(), [&](const XRule& a) { return a.value == w.value; });
    if (!present && !listed) diff.add.push_back(w);
  }
  for (const auto& e : existing) {
    if (e.tag != kStreamlabRuleTag) continue;
    const bool keep = std::any_of(wanted.begin(), wanted.end(), [&](const XRule& w) { return w.value == e.value; });
    if (!keep) diff.delete_ids.push_back(e.id);
  }
  return diff;
}

namespace {

// o[key] when `o` is an object holding it, else nullptr: never throws, whatever the shapes.
const nlohmann::json* member(const nlohmann::json& o, const char* key) {
  if (!o.is_object()) return nullptr;
  const auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}

}  // namespace

std::vector<XRule> rules_in_listing(const nlohmann::json& j) {
  std::vector<XRule> existing;
  const nlohmann::json* data = member(j, "data");
  if (data == nullptr || !data->is_array()) return existing;
  for (const auto& r : *data) {
    const nlohmann::json *id = member(r, "id"), *value = member(r, "value"), *tag = member(r, "tag");
    if (id == nullptr || !id->is_string() || value == nullptr || !value->is_string()) continue;
    existing.push_back(XRule{id->get<std::string>(), value->get<std::string>(),
                             tag != nullptr && tag->is_string() ? tag->get<std::string>() : ""});
  }
  return existing;
}

bool rules_change_failed(const nlohmann::json& j, const char* failed_key) {
  const nlohmann::json* meta = member(j, "meta");
  const nlohmann::json* summary = meta == nullptr ? nullptr : member(*meta, "summary");
  const auto above_zero = [&](const char* key) {
    const nlohmann::json* count = summary == nullptr ? nullptr : member(*summary, key);
    return count != nullptr && count->is_number() && count->get<double>() > 0;
  };
  return above_zero(failed_key) || above_zero("invalid") || (member(j, "errors") && !member(j, "data") && !meta);
}

std::string reply_excerpt(std::string_view body) {
  return body.size() <= 300 ? std::string(body) : fmt::format("{}… ({} bytes)", body.substr(0, 300), body.size());
}

std::string x_error_summary(std::string_view body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return reply_excerpt(body);
  auto text_of = [](const nlohmann::json& o) {
    std::string s;
    for (const char* key : {"title", "detail", "message"}) {
      if (!o.contains(key) || !o[key].is_string()) continue;
      const auto text = o[key].get<std::string>();
      if (s.empty()) {
        s = text;
      } else if (s.find(text) == std::string::npos) {
        s += ": " + text;
      }
    }
    if (o.contains("details") && o["details"].is_array() && !o["details"].empty() && o["details"][0].is_string()) {
      s += (s.empty() ? "" : ": ") + o["details"][0].get<std::string>();
    }
    return s;
  };
  std::string s = text_of(j);
  if (s.empty() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty() &&
      j["errors"][0].is_object()) {
    s = text_of(j["errors"][0]);
  }
  return s.empty() ? reply_excerpt(body) : s;
}

}  // namespace streamlab::sources
