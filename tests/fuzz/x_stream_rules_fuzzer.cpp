// libFuzzer target: what x-stream reads from X's rules endpoint and error bodies
// (sources/x_stream_rules.cpp): the rules of a listing, whether a change failed, the summary
// of an error body, and the sync diff from them. None may throw, whatever the body (X is not
// trusted to send the shapes its documentation shows), whole or put in each place the readers
// look into; the diff deletes only streamlab's rules.
// The same bytes also go through --track/--lang's list splitting and rule building, which
// may only refuse with a UsageError, and never build a rule over X's length limit.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "fuzz/fuzz_check.hpp"
#include "sources/x_stream_rules.hpp"

using namespace streamlab::sources;
using streamlab::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const std::string summary = x_error_summary(body);
  check(reply_excerpt(body).size() <= 300 + 40, "an excerpt longer than 300 bytes and its note");
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    check(summary == reply_excerpt(body), "a body that is not a JSON object is not summed up by its excerpt");
  }
  if (j.is_discarded()) return 0;
  // The body as a whole reply, and its value in each place the readers look into, so that every
  // shape meets every field without mutation having to build the reply around it.
  std::vector<nlohmann::json> replies = {
      {{"data", j}},
      {{"data", {{{"id", j}, {"value", "x"}}}}},
      {{"data", {{{"id", "1"}, {"value", j}, {"tag", j}}, j}}},
      {{"meta", j}, {"errors", j}},
      {{"meta", {{"summary", j}}}},
      {{"meta", {{"summary", {{"not_created", j}, {"invalid", j}}}}}},
  };
  if (j.is_object()) replies.push_back(j);
  for (const auto& reply : replies) {
    const std::vector<XRule> existing = rules_in_listing(reply);
    rules_change_failed(reply, "not_created");
    rules_change_failed(reply, "not_deleted");
    const XRule wanted{"", "(a OR b) lang:es", std::string(kStreamlabRuleTag)};
    const RuleDiff diff = diff_rules({wanted}, existing);
    for (const auto& id : diff.delete_ids) {
      check(std::any_of(existing.begin(), existing.end(),
                        [&](const XRule& r) { return r.id == id && r.tag == kStreamlabRuleTag; }),
            "the diff deletes a rule that is not streamlab's");
    }
    x_error_summary(reply.dump());
  }
  try {
    const XRule rule = build_rule(split_list(body, "--track"), {});
    check(rule.value.size() <= kMaxRuleLength, "a rule over X's length limit");
  } catch (const streamlab::core::UsageError&) {
  }
  return 0;
}
