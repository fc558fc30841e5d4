#pragma once
// Live tweets from X API v2's filtered stream: keeps streamlab's rule (from --track and --lang)
// in the rule set, connects to the stream with libcurl, and yields each tweet line as X sent
// it. Reconnects as X documents it (see x_stream_backoff.hpp); a refused token stops it.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "sources/source.hpp"

namespace streamlab::sources {

struct XStreamOptions {
  std::string api_base = "https://api.x.com";
  std::vector<std::string> track;  // keywords, any of which matches
  std::vector<std::string> langs;  // languages, any of which matches; empty = any language
  // No byte (not even a keep-alive, sent every ~20 s) for this long: the connection is dead.
  std::chrono::milliseconds stall_timeout{30000};
  // next() returns nullopt after at most about this long when nothing has arrived.
  std::chrono::milliseconds wait_slice{200};
};

// The bearer token from $X_BEARER_TOKEN; throws core::UsageError when missing or empty.
std::string bearer_token_from_env();

class XStream final : public Source {
 public:
  // Validates the options (core::UsageError); connects on the first next().
  XStream(XStreamOptions options, std::string bearer_token);
  ~XStream() override;
  XStream(const XStream&) = delete;
  XStream& operator=(const XStream&) = delete;

  std::optional<std::string_view> next() override;
  bool live() const override { return true; }
  std::size_t skipped() const override;
  std::string first_skip_reason() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamlab::sources
