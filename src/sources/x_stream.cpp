#include "sources/x_stream.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <strings.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/shutdown.hpp"
#include "sources/x_stream_backoff.hpp"
#include "sources/x_stream_lines.hpp"
#include "sources/x_stream_rules.hpp"
#include "tweets/message_parser.hpp"

namespace streamlab::sources {
namespace {

using std::chrono::duration;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr const char* kRulesPath = "/2/tweets/search/stream/rules";
// The fields the lab's consumers and tweets::MessageParser use: author, time, language, hashtags.
constexpr const char* kStreamPath =
    "/2/tweets/search/stream?expansions=author_id&tweet.fields=created_at,lang,entities"
    "&user.fields=username,name";
constexpr std::size_t kMaxErrorBody = 8192;

void ensure_curl_global() {
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) throw core::RuntimeFailure(fmt::format("libcurl: {}", curl_easy_strerror(rc)));
}

std::string seconds_text(Nanos d) { return fmt::format("{:.2f} s", duration<double>(d).count()); }

// A message for a person: never the token, short, on one line.
std::string scrub(std::string text, const std::string& token) {
  if (!token.empty()) {
    for (auto at = text.find(token); at != std::string::npos; at = text.find(token, at)) {
      text.replace(at, token.size(), "[token]");
    }
  }
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  if (text.size() > 400) text = text.substr(0, 400) + "...";
  return text;
}

int abort_on_shutdown(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return core::shutdown_requested() ? 1 : 0;
}

struct CurlList {
  curl_slist* list = nullptr;
  ~CurlList() { curl_slist_free_all(list); }
  void add(const std::string& s) {
    curl_slist* grown = curl_slist_append(list, s.c_str());
    if (grown == nullptr) throw std::bad_alloc();
    list = grown;
  }
};

struct HttpReply {
  long status = 0;
  std::string body;
  bool too_large = false;
};

// A rules reply holds at most 1,000 rules of at most 1,024 characters each.
constexpr std::size_t kMaxRulesReply = std::size_t{4} << 20;

std::size_t append_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* reply = static_cast<HttpReply*>(user);
  if (reply->body.size() + size * n > kMaxRulesReply) {
    reply->too_large = true;
    return 0;  // libcurl ends the transfer
  }
  reply->body.append(data, size * n);
  return size * n;
}

}  // namespace

std::string bearer_token_from_env() {
  const char* token = std::getenv("X_BEARER_TOKEN");
  if (token == nullptr || *token == '\0') {
    throw core::UsageError(
        "--source x-stream needs an X API bearer token in the environment variable X_BEARER_TOKEN "
        "(it is never taken from the command line)");
  }
  const std::string t(token);
  if (t.find_first_of("\r\n") != std::string::npos) {
    throw core::UsageError("X_BEARER_TOKEN holds a line break: it cannot go in an HTTP header");
  }
  return t;
}

struct XStream::Impl {
  XStreamOptions o;
  std::string token;
  std::string auth_header;
  XRule wanted;

  core::SteadyClock clock;
  XStreamBackoff backoff{clock};
  CURLM* multi = nullptr;
  CURL* stream = nullptr;
  CurlList stream_headers;
  char curl_error[CURL_ERROR_SIZE] = {};
  bool rules_synced = false;
  bool streaming = false;

  // The connection in progress.
  long status = 0;
  bool announced = false;
  std::string error_body;
  std::string rate_limit_reset;
  Nanos last_byte{0};

  LineSplitter splitter;
  std::deque<std::string> lines;
  std::string current;
  tweets::MessageParser parser;
  tweets::ParsedMessage parsed;
  std::uint64_t line_no = 0;
  std::size_t skipped = 0;
  std::string first_skip;

  Impl(XStreamOptions options, std::string bearer)
      : o(std::move(options)), token(std::move(bearer)), auth_header("Authorization: Bearer " + token) {
    while (!o.api_base.empty() && o.api_base.back() == '/') o.api_base.pop_back();
    if (o.api_base.rfind("http://", 0) != 0 && o.api_base.rfind("https://", 0) != 0) {
      throw core::UsageError(fmt::format("--api-base '{}' is not an http:// or https:// URL", o.api_base));
    }
    if (o.stall_timeout <= milliseconds(0)) throw core::UsageError("--stall-timeout must be positive");
    wanted = build_rule(o.track, o.langs);
    ensure_curl_global();
    multi = curl_multi_init();
    stream = curl_easy_init();
    if (multi == nullptr || stream == nullptr) throw core::RuntimeFailure("libcurl: cannot create a handle");
    stream_headers.add(auth_header);
  }

  ~Impl() {
    if (streaming) curl_multi_remove_handle(multi, stream);
    if (stream != nullptr) curl_easy_cleanup(stream);
    if (multi != nullptr) curl_multi_cleanup(multi);
  }

  static void log(const std::string& text) {
    fmt::print(stderr, "x-stream: {}\n", text);
    std::fflush(stderr);
  }

  // --- the rules endpoint ------------------------------------------------------------------

  HttpReply request(const char* method, const std::string& what, const std::string* json_body) {
    CURL* h = curl_easy_init();
    if (h == nullptr) throw core::RuntimeFailure("libcurl: cannot create a handle");
    CurlList headers;
    headers.add(auth_header);
    if (json_body != nullptr) headers.add("Content-Type: application/json");
    HttpReply reply;
    char err[CURL_ERROR_SIZE] = {};
    const std::string url = o.api_base + kRulesPath + (json_body == nullptr ? "?max_results=1000" : "");
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.list);
    if (json_body != nullptr) {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, json_body->c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(json_body->size()));
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, abort_on_shutdown);
    const CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_cleanup(h);
    if (reply.too_large) {
      throw core::RuntimeFailure(
          fmt::format("X API's answer to {} is larger than {} MB: not a rules reply", what, kMaxRulesReply >> 20));
    }
    if (rc != CURLE_OK) {
      throw core::RuntimeFailure(scrub(
          fmt::format("cannot {} at {}: {}", what, o.api_base, err[0] != '\0' ? err : curl_easy_strerror(rc)), token));
    }
    return reply;
  }

  [[noreturn]] void refused(const std::string& what, const HttpReply& r) {
    if (r.status == 401 || r.status == 403) {
      throw core::RuntimeFailure(scrub(fmt::format("X API refused the bearer token in X_BEARER_TOKEN (HTTP {}: {}) "
                                                   "when trying to {}",
                                                   r.status, x_error_summary(r.body), what),
                                       token));
    }
    throw core::RuntimeFailure(scrub(
        fmt::format("X API answered HTTP {} when trying to {}: {}", r.status, what, x_error_summary(r.body)), token));
  }

  nlohmann::json json_of(const std::string& what, const HttpReply& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      throw core::RuntimeFailure(
          scrub(fmt::format("X API's answer to {} is not a JSON object: {}", what, reply_excerpt(r.body)), token));
    }
    return j;
  }

  // Adds streamlab's rule when X lacks it, deletes stale streamlab rules, leaves others alone.
  void sync_rules() {
    const std::string listing = "list the filtered-stream rules";
    const HttpReply got = request("GET", listing, nullptr);
    if (got.status != 200) refused(listing, got);
    const auto j = json_of(listing, got);
    const std::vector<XRule> existing = rules_in_listing(j);
    const RuleDiff diff = diff_rules({wanted}, existing);
    if (!diff.delete_ids.empty()) {
      const std::string what = "delete stale streamlab rules";
      const std::string body = nlohmann::json{{"delete", {{"ids", diff.delete_ids}}}}.dump();
      const HttpReply r = request("POST", what, &body);
      if (r.status != 200) refused(what, r);
      check_summary(what, json_of(what, r), "not_deleted");
    }
    if (!diff.add.empty()) {
      const std::string what = "add the rule '" + wanted.value + "'";
      nlohmann::json add = nlohmann::json::array();
      for (const auto& rule : diff.add) add.push_back({{"value", rule.value}, {"tag", rule.tag}});
      const std::string body = nlohmann::json{{"add", add}}.dump();
      const HttpReply r = request("POST", what, &body);
      if (r.status != 200 && r.status != 201) refused(what, r);
      check_summary(what, json_of(what, r), "not_created");
    }
    const auto foreign =
        std::count_if(existing.begin(), existing.end(), [](const XRule& r) { return r.tag != kStreamlabRuleTag; });
    log(fmt::format("rule '{}' (tag {}) {}; {} stale streamlab rule(s) deleted; {} other rule(s) left alone",
                    wanted.value, kStreamlabRuleTag, diff.add.empty() ? "already set" : "added", diff.delete_ids.size(),
                    foreign));
  }

  void check_summary(const std::string& what, const nlohmann::json& j, const char* failed_key) {
    if (rules_change_failed(j, failed_key)) {
      throw core::RuntimeFailure(scrub(fmt::format("X API could not {}: {}", what, x_error_summary(j.dump())), token));
    }
  }

  // --- the stream --------------------------------------------------------------------------

  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
    auto* self = static_cast<Impl*>(user);
    const std::string_view line(data, size * n);
    self->last_byte = self->clock.now();
    if (line.rfind("HTTP/", 0) == 0) {
      self->rate_limit_reset.clear();
    } else if (line.size() > 19 && strncasecmp(line.data(), "x-rate-limit-reset:", 19) == 0) {
      self->rate_limit_reset.assign(line.substr(19));
    } else if (line == "\r\n" || line == "\n") {
      curl_easy_getinfo(self->stream, CURLINFO_RESPONSE_CODE, &self->status);
      if (self->status == 200 && !self->announced) {
        self->announced = true;
        self->backoff.connected();
        log("connected to the filtered stream");
      }
    }
    return size * n;
  }

  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    auto* self = static_cast<Impl*>(user);
    const std::string_view chunk(data, size * n);
    self->last_byte = self->clock.now();
    if (self->status == 200) {
      const std::uint64_t oversized = self->splitter.oversized();
      self->splitter.feed(chunk, self->lines);
      if (self->splitter.oversized() > oversized) {
        self->log(fmt::format("dropped a line longer than {} MB (no tweet is): the stream is not what X sends",
                              LineSplitter::kMaxLine >> 20));
      }
    } else if (self->error_body.size() < kMaxErrorBody) {
      self->error_body.append(chunk.substr(0, kMaxErrorBody - self->error_body.size()));
    }
    return size * n;
  }

  void start_stream() {
    status = 0;
    announced = false;
    error_body.clear();
    rate_limit_reset.clear();
    curl_error[0] = '\0';
    last_byte = clock.now();
    const std::string url = o.api_base + kStreamPath;
    curl_easy_reset(stream);
    curl_easy_setopt(stream, CURLOPT_URL, url.c_str());
    curl_easy_setopt(stream, CURLOPT_HTTPHEADER, stream_headers.list);
    curl_easy_setopt(stream, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(stream, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(stream, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(stream, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(stream, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(stream, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(stream, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(stream, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_multi_add_handle(multi, stream);
    streaming = true;
  }

  void stop_stream() {
    curl_multi_remove_handle(multi, stream);
    streaming = false;
    if (const std::size_t partial = splitter.reset(); partial > 0) {
      log(fmt::format("dropped {} bytes of a line the connection lost before its end", partial));
    }
  }

  void retry(XStreamFailure kind, const std::string& why, std::optional<Nanos> reset_in = std::nullopt) {
    const Nanos wait = backoff.failed(kind, reset_in);
    log(fmt::format("{}; reconnecting in {}", scrub(why, token), seconds_text(wait)));
  }

  void finish_stream(CURLcode result) {
    long code = 0;
    curl_easy_getinfo(stream, CURLINFO_RESPONSE_CODE, &code);
    stop_stream();
    if (code == 200 || code == 0) {
      const std::string why =
          result == CURLE_OK
              ? "the server ended the stream"
              : fmt::format("connection lost: {}", curl_error[0] != '\0' ? curl_error : curl_easy_strerror(result));
      retry(XStreamFailure::Network, why);
    } else if (code == 429) {
      const auto reset_in = rate_limit_reset_in(rate_limit_reset, core::wall_ms());
      retry(XStreamFailure::RateLimited,
            fmt::format("rate limited (HTTP 429: {}){}", x_error_summary(error_body),
                        reset_in ? fmt::format(", x-rate-limit-reset in {}", seconds_text(*reset_in)) : ""),
            reset_in);
    } else if (code >= 400 && code < 500) {
      refused("connect to the filtered stream", HttpReply{code, error_body});
    } else {
      retry(XStreamFailure::Http, fmt::format("HTTP {} from the stream: {}", code, x_error_summary(error_body)));
    }
  }

  // Whether `line` is a tweet to produce; notices are logged, anything else is skipped.
  bool accept(const std::string& line) {
    ++line_no;
    parser.parse(line, parsed);
    switch (parsed.kind) {
      case tweets::MessageKind::Tweet: return true;
      case tweets::MessageKind::KeepAlive: return false;
      case tweets::MessageKind::Notice:
        log(fmt::format("X sent a stream message ({}), not produced: {}", parsed.notice, scrub(line, token)));
        return false;
      case tweets::MessageKind::Malformed:
        skip(fmt::format("stream line {}: malformed JSON at byte {}: {}", line_no, parsed.error_offset, parsed.error));
        return false;
      default: skip(fmt::format("stream line {}: not a tweet", line_no)); return false;
    }
  }

  void skip(std::string why) {
    if (skipped++ == 0) first_skip = std::move(why);
  }

  std::optional<std::string_view> next() {
    if (!rules_synced) {
      sync_rules();
      rules_synced = true;
    }
    const Nanos slice_end = clock.now() + o.wait_slice;
    for (;;) {
      while (!lines.empty()) {
        current = std::move(lines.front());
        lines.pop_front();
        if (accept(current)) return std::string_view(current);
      }
      const Nanos now = clock.now();
      if (now >= slice_end || core::shutdown_requested()) return std::nullopt;
      if (!streaming) {
        if (backoff.due()) {
          start_stream();
        } else {
          clock.sleep_until(std::min(backoff.next_attempt(), slice_end));
        }
        continue;
      }
      int running = 0;
      curl_multi_perform(multi, &running);
      int queued = 0;
      if (CURLMsg* m = curl_multi_info_read(multi, &queued); m != nullptr && m->msg == CURLMSG_DONE) {
        finish_stream(m->data.result);
        continue;
      }
      if (clock.now() - last_byte > o.stall_timeout) {
        stop_stream();
        retry(XStreamFailure::Network,
              fmt::format("nothing received for {} (keep-alives come every ~20 s)", seconds_text(o.stall_timeout)));
        continue;
      }
      if (!lines.empty()) continue;
      const auto left = duration_cast<milliseconds>(slice_end - clock.now()).count();
      curl_multi_poll(multi, nullptr, 0, static_cast<int>(std::clamp<long long>(left, 1, 1000)), nullptr);
    }
  }
};

XStream::XStream(XStreamOptions options, std::string bearer_token)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(bearer_token))) {}
XStream::~XStream() = default;
std::optional<std::string_view> XStream::next() { return impl_->next(); }
std::size_t XStream::skipped() const { return impl_->skipped; }
std::string XStream::first_skip_reason() const { return impl_->first_skip; }

}  // namespace streamlab::sources
