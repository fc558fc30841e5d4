// tweets::html_entities: Twitter's escapes and numeric entities, decoded in one pass.

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "tweets/html_entities.hpp"

namespace {

using namespace streamlab::tweets;
using namespace std::literals;

TEST(HtmlEntities, DecodesTwittersEscapes) {
  EXPECT_EQ(decode_html_entities("a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39; &apos;f&apos;"),
            "a & b <c> \"d\" 'e' 'f'");
  EXPECT_EQ(decode_html_entities("plain text, no ampersand"), "plain text, no ampersand");
  EXPECT_EQ(decode_html_entities(""), "");
}

TEST(HtmlEntities, DecodesNumericEntitiesToUtf8) {
  EXPECT_EQ(decode_html_entities("&#65;&#xe9;&#XE9;&#8364;&#x1F1E8;&#x1F1F1;"), "Aéé€🇨🇱");
  EXPECT_EQ(decode_html_entities("&#1114111;"), "\xF4\x8F\xBF\xBF");
}

TEST(HtmlEntities, LeavesAnythingElseAlone) {
  for (std::string_view kept :
       {"&"sv, "&amp"sv, "& amp;"sv, "&nbsp;"sv, "&#;"sv, "&#x;"sv, "&#0;"sv, "&#xD800;"sv, "&#1114112;"sv,
        "&#x110000;"sv, "&#12345678;"sv, "&#x1234567;"sv, "&#-1;"sv, "AT&T"sv, "&#65"sv, "&&&"sv}) {
    EXPECT_EQ(decode_html_entities(kept), kept);
  }
  // One pass only: what an entity produces is not decoded again.
  EXPECT_EQ(decode_html_entities("&amp;lt; &amp;amp;"), "&lt; &amp;");
  EXPECT_EQ(decode_html_entities("&&amp;"), "&&");
}

TEST(HtmlEntities, AppendsToExistingText) {
  std::string out = "x:";
  append_html_decoded("&lt;y", out);
  EXPECT_EQ(out, "x:<y");
}

}  // namespace
