#include "sources/tweet_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/errors.hpp"
#include "core/paths.hpp"

namespace streamlab::sources {

TweetFile::TweetFile(std::string path, bool loop, bool strict)
    : path_(std::move(path)), loop_(loop), strict_(strict), in_(path_, std::ios::binary) {
  if (!in_) {
    throw core::UsageError(fmt::format("cannot read tweet file '{}': {}", path_, std::strerror(errno)));
  }
}

std::optional<std::string_view> TweetFile::next() {
  for (;;) {
    if (!std::getline(in_, line_)) {
      if (in_.bad()) throw core::RuntimeFailure(fmt::format("error reading '{}'", path_));
      // A file with nothing sendable would otherwise loop forever.
      if (!loop_ || yielded_this_pass_ == 0) return std::nullopt;
      in_.clear();
      in_.seekg(0);
      line_no_ = 0;
      yielded_this_pass_ = 0;
      continue;
    }
    ++line_no_;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    parser_.check(line_, parsed_);  // validity only: the tweet goes out as it is
    if (parsed_.kind == tweets::MessageKind::KeepAlive) continue;
    if (parsed_.kind == tweets::MessageKind::Malformed) {
      const std::string where =
          fmt::format("{}:{}: malformed JSON at byte {}: {}", path_, line_no_, parsed_.error_offset, parsed_.error);
      if (strict_) throw core::RuntimeFailure(where);
      if (skipped_++ == 0) first_skip_ = where;
      continue;
    }
    ++yielded_this_pass_;
    return std::string_view(line_);
  }
}

std::string default_corpus_path() { return core::default_corpus().string(); }

}  // namespace streamlab::sources
