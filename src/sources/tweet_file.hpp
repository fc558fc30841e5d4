#pragma once
// Replays a JSONL file of tweets line by line, as-is. Blank lines are skipped; malformed
// lines are skipped and counted, or fatal with `strict`.

#include <cstdint>
#include <fstream>
#include <string>

#include "sources/source.hpp"
#include "tweets/message_parser.hpp"

namespace streamlab::sources {

class TweetFile final : public Source {
 public:
  TweetFile(std::string path, bool loop, bool strict);
  std::optional<std::string_view> next() override;
  std::size_t skipped() const override { return skipped_; }
  std::string first_skip_reason() const override { return first_skip_; }

 private:
  std::string path_;
  bool loop_, strict_;
  std::ifstream in_;
  std::string line_;
  std::uint64_t line_no_ = 0;
  std::uint64_t yielded_this_pass_ = 0;
  std::size_t skipped_ = 0;
  std::string first_skip_;
  tweets::MessageParser parser_;
  tweets::ParsedMessage parsed_;
};

// The corpus of real tweets the set-up assembles: $STREAMLAB_CORPUS, else the project's
// data/corpus/tweets.jsonl.
std::string default_corpus_path();

}  // namespace streamlab::sources
