// sources::x_stream_rules: x-stream's filter rule from --track and --lang, its sync diff, and X's replies.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "sources/x_stream_rules.hpp"

using streamlab::core::UsageError;
using namespace streamlab::sources;

TEST(XStreamRules, BuildsOneRuleFromTrackAndLanguages) {
  const XRule r = build_rule({"Chile", "Santiago", "Fútbol"}, {"es", "en"});
  EXPECT_EQ(r.value, "(Chile OR Santiago OR Fútbol) (lang:es OR lang:en)");
  EXPECT_EQ(r.tag, "streamlab");
  EXPECT_EQ(build_rule({"sport"}, {"en"}).value, "sport lang:en");
  EXPECT_EQ(build_rule({"sport"}, {}).value, "sport");
  EXPECT_EQ(build_rule({"copa america", "OR"}, {"es"}).value, "(\"copa america\" OR \"OR\") lang:es");
}

TEST(XStreamRules, SplitsCommaListsAndRefusesEmptyItems) {
  EXPECT_EQ(split_list("Chile, Santiago ,sport", "--track"), (std::vector<std::string>{"Chile", "Santiago", "sport"}));
  for (const char* bad : {"", "a,,b", "a,", ",a", " , "}) {
    try {
      split_list(bad, "--track");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("--track"), std::string::npos) << e.what();
    }
  }
}

TEST(XStreamRules, RefusesBadWordsLanguagesAndOverlongRules) {
  EXPECT_THROW(build_rule({}, {"es"}), UsageError);
  for (const char* word : {"say \"hi\"", "(x", "-minus", "lang:"}) {
    EXPECT_THROW(build_rule({word}, {"es"}), UsageError) << word;
  }
  for (const char* lang : {"e", "spanish", "ES", "e1", "es-CL"}) {
    try {
      build_rule({"x"}, {lang});
      ADD_FAILURE() << "accepted --lang " << lang;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(lang), std::string::npos) << e.what();
    }
  }
  const std::vector<std::string> many(200, "word");  // 200 * "word OR " > 1024
  try {
    build_rule(many, {"es"});
    ADD_FAILURE() << "accepted an overlong rule";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("1024"), std::string::npos) << e.what();
  }
  const std::vector<std::string> fits(100, "word");  // 2 + 100*4 + 99*4 + 10 = 808
  EXPECT_LE(build_rule(fits, {"es"}).value.size(), kMaxRuleLength);
}

TEST(XStreamRules, DiffAddsMissingDeletesStaleAndLeavesOthersAlone) {
  const XRule want{"", "(a OR b) lang:es", "streamlab"};
  const std::vector<XRule> existing = {
      {"1", "old rule", "streamlab"},    // stale: deleted
      {"2", "cats", "someone-else"},     // foreign: left alone
      {"3", "dogs", ""},                 // untagged: left alone
      {"4", "older rule", "streamlab"},  // stale: deleted
  };
  const RuleDiff d = diff_rules({want}, existing);
  ASSERT_EQ(d.add.size(), 1u);
  EXPECT_EQ(d.add[0].value, want.value);
  EXPECT_EQ(d.add[0].tag, "streamlab");
  EXPECT_EQ(d.delete_ids, (std::vector<std::string>{"1", "4"}));
}

TEST(XStreamRules, DiffKeepsAWantedRuleAlreadyThere) {
  const XRule want{"", "x lang:en", "streamlab"};
  RuleDiff d = diff_rules({want}, {{"9", "x lang:en", "streamlab"}});
  EXPECT_TRUE(d.add.empty());
  EXPECT_TRUE(d.delete_ids.empty());
  // X refuses a duplicate value whatever its tag: someone else's identical rule serves us too.
  d = diff_rules({want}, {{"8", "x lang:en", "theirs"}});
  EXPECT_TRUE(d.add.empty());
  EXPECT_TRUE(d.delete_ids.empty());
  d = diff_rules({want, want}, {});
  EXPECT_EQ(d.add.size(), 1u);
}

TEST(XStreamRules, ReadsTheListingAndAChangesSummary) {
  const auto listing = nlohmann::json::parse(
      R"({"data":[{"id":"1","value":"a lang:es","tag":"streamlab"},{"id":"2","value":"b"}],"meta":{"result_count":2}})");
  const std::vector<XRule> rules = rules_in_listing(listing);
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].id, "1");
  EXPECT_EQ(rules[0].tag, "streamlab");
  EXPECT_EQ(rules[1].value, "b");
  EXPECT_EQ(rules[1].tag, "");
  EXPECT_TRUE(rules_in_listing(nlohmann::json::parse(R"({"meta":{"result_count":0}})")).empty());
  EXPECT_FALSE(rules_change_failed(nlohmann::json::parse(R"({"meta":{"summary":{"created":1,"not_created":0}}})"),
                                   "not_created"));
  EXPECT_TRUE(rules_change_failed(nlohmann::json::parse(R"({"meta":{"summary":{"not_created":1}}})"), "not_created"));
  EXPECT_TRUE(rules_change_failed(nlohmann::json::parse(R"({"meta":{"summary":{"invalid":1}}})"), "not_deleted"));
  EXPECT_TRUE(rules_change_failed(nlohmann::json::parse(R"({"errors":[{"title":"x"}]})"), "not_created"));
  EXPECT_EQ(x_error_summary(R"({"title":"Unauthorized","detail":"Unauthorized","status":401})"), "Unauthorized");
  EXPECT_EQ(x_error_summary(R"({"errors":[{"message":"m","details":["d"]}]})"), "m: d");
  EXPECT_EQ(x_error_summary("<html>"), "<html>");
  EXPECT_EQ(reply_excerpt(std::string(400, 'x')), std::string(300, 'x') + "… (400 bytes)");
}

// Found by tests/fuzz (x_stream_rules): an id or value that is not a string, a count that is not
// a number and a meta or summary that is not an object threw nlohmann's exceptions, which ended
// x-stream with a message about JSON types instead of reading what it could.
TEST(XStreamRules, RepliesOfOtherShapesDoNotThrow) {
  const auto rules = rules_in_listing(nlohmann::json::parse(
      R"({"data":[{"id":1,"value":"x"},{"id":"2","value":["y"]},{"id":"3","value":"z","tag":7},"w",null]})"));
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].id, "3");
  EXPECT_EQ(rules[0].tag, "");
  EXPECT_TRUE(rules_in_listing(nlohmann::json::parse(R"({"data":{"id":"1"}})")).empty());
  for (const char* reply : {R"({"meta":[]})", R"({"meta":{"summary":[1]}})", R"({"meta":{"summary":"x"}})",
                            R"({"meta":{"summary":{"not_created":"1","invalid":null}}})", R"({"meta":7})"}) {
    EXPECT_FALSE(rules_change_failed(nlohmann::json::parse(reply), "not_created")) << reply;
  }
}
