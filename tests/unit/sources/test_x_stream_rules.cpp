// sources::x_stream_rules: x-stream's filter rule from --track and --lang, and its sync diff.

#include <gtest/gtest.h>

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
