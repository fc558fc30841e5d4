#pragma once
// The tweet model: what streamlab keeps of a tweet, whatever shape Twitter/X served it in.

#include <cstdint>
#include <string>
#include <vector>

namespace streamlab::tweets {

struct Tweet {
  std::string id;  // decimal id string (id_str in v1.1, id in v2)
  // One form whatever the source's: "YYYY-MM-DDTHH:MM:SSZ", UTC, whole seconds. v1.1's
  // "Wed Oct 10 20:19:24 +0200 2018" has its offset applied; v2's "2022-01-01T12:00:00.000Z"
  // loses its fraction here (X serves .000 anyway) but not in created_at_ms.
  // Empty when absent or unreadable, or outside years 0001-9999 (ParsedMessage::invalid then
  // says so, and the message goes to the dead letters).
  std::string created_at;
  std::int64_t created_at_ms = 0;     // milliseconds since the epoch, exact; 0 when absent
  std::string author;                 // screen name / username, without '@'; empty when unknown
  std::string lang;                   // BCP 47 code as given ("es", "en", "und"); empty when absent
  std::string text;                   // full text, HTML entities decoded; for a retweet the original's
  std::vector<std::string> hashtags;  // without '#', in order of appearance
  std::vector<std::string> mentions;  // screen names without '@', in order of appearance
  bool is_retweet = false;
  bool is_quote = false;
};

}  // namespace streamlab::tweets
