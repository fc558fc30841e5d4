#pragma once
// The filtered-stream rules streamlab keeps on X: built from --track and --lang, the
// difference between what is wanted and what X holds, and X's answers about them (and its
// error bodies). Pure functions, no network.

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace streamlab::sources {

// The tag on every rule streamlab adds; rules with other tags (or none) are someone else's.
inline constexpr std::string_view kStreamlabRuleTag = "streamlab";

// X's documented rule length limit for filtered stream rules at Pro access (Enterprise: 2,048).
inline constexpr std::size_t kMaxRuleLength = 1024;

struct XRule {
  std::string id;  // empty for a rule not on X yet
  std::string value;
  std::string tag;
};

// "Chile, Santiago,sport" -> {"Chile", "Santiago", "sport"}. Throws core::UsageError naming
// `flag` for an empty item ("a,,b", trailing comma, "").
std::vector<std::string> split_list(std::string_view list, std::string_view flag);

// One rule: `(w1 OR w2 ...) (lang:l1 OR lang:l2 ...)` (no parentheses around a single item;
// phrases with spaces are quoted). Throws core::UsageError for a word X's rule syntax cannot
// hold as a keyword, a language that is not an ISO 639 code, or a rule over kMaxRuleLength.
XRule build_rule(const std::vector<std::string>& track, const std::vector<std::string>& langs);

struct RuleDiff {
  std::vector<XRule> add;
  std::vector<std::string> delete_ids;
};

// Wanted rules missing on X are added (a rule whose value X already holds under any tag counts
// as present: X refuses duplicates); streamlab-tagged rules on X that are not wanted are
// deleted; rules with other tags are left alone.
RuleDiff diff_rules(const std::vector<XRule>& wanted, const std::vector<XRule>& existing);

// The rules in X's answer to listing them, a JSON object: {"data": [{"id", "value", "tag"}, ...]}.
// An entry without a string id and value is skipped; a missing tag (or not a string) is "".
// Neither this nor rules_change_failed throws, whatever the shapes the answer holds.
std::vector<XRule> rules_in_listing(const nlohmann::json& listing);

// Whether X's answer to adding or deleting rules (a JSON object) says it failed: its
// meta.summary.<failed_key> ("not_created", "not_deleted") or meta.summary.invalid is a number
// above 0, or it holds errors and neither data nor meta.
bool rules_change_failed(const nlohmann::json& reply, const char* failed_key);

// What an X error body says, for a message: RFC 7807 title/detail, or the first of `errors`;
// reply_excerpt(body) when it says nothing readable.
std::string x_error_summary(std::string_view body);

// At most the first 300 bytes of an answer, for an error message.
std::string reply_excerpt(std::string_view body);

}  // namespace streamlab::sources
