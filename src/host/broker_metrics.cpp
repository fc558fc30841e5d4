#include "host/broker_metrics.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "host/http.hpp"

namespace streamlab::host {
namespace {

bool name_char(char c, bool first) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
         (!first && std::isdigit(static_cast<unsigned char>(c)));
}

// One sample line; false when it does not parse.
bool parse_line(std::string_view line, PromSample& out) {
  std::size_t i = 0;
  while (i < line.size() && name_char(line[i], i == 0)) ++i;
  if (i == 0) return false;
  out.name.assign(line.substr(0, i));
  out.labels.clear();
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (true) {
      while (i < line.size() && line[i] == ' ') ++i;
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      const std::size_t start = i;
      while (i < line.size() && name_char(line[i], i == start)) ++i;
      if (i == start || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') return false;
      const std::string label(line.substr(start, i - start));
      i += 2;
      std::string value;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\' && i + 1 < line.size()) {
          ++i;
          value += line[i] == 'n' ? '\n' : line[i];
        } else {
          value += line[i];
        }
        ++i;
      }
      if (i >= line.size()) return false;  // no closing quote
      ++i;
      out.labels[label] = std::move(value);
      while (i < line.size() && line[i] == ' ') ++i;
      if (i < line.size() && line[i] == ',') ++i;
    }
  }
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  std::size_t end = i;
  while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
  const std::string number(line.substr(i, end - i));
  if (number.empty()) return false;
  if (number == "NaN") {
    out.value = std::nan("");
  } else if (number == "+Inf" || number == "Inf") {
    out.value = HUGE_VAL;
  } else if (number == "-Inf") {
    out.value = -HUGE_VAL;
  } else {
    char* parsed_end = nullptr;
    out.value = std::strtod(number.c_str(), &parsed_end);
    if (parsed_end != number.c_str() + number.size()) return false;
  }
  return true;  // a timestamp after the value is ignored
}

// A counter's growth per second; a counter that went down (the broker restarted) counts from 0.
double rate(double before, double after, double seconds) {
  if (seconds <= 0) return 0;
  return (after >= before ? after - before : after) / seconds;
}

}  // namespace

std::vector<PromSample> parse_prometheus_text(std::string_view text, std::size_t* malformed) {
  std::vector<PromSample> samples;
  std::size_t bad = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    PromSample s;
    if (parse_line(line, s)) {
      samples.push_back(std::move(s));
    } else {
      ++bad;
    }
  }
  if (malformed != nullptr) *malformed = bad;
  return samples;
}

BrokerCounters broker_counters(const std::vector<PromSample>& samples) {
  // The series read as they are: one sample each, no labels to tell apart.
  static const std::map<std::string_view, double BrokerCounters::*> kPlain = {
      {"kafka_server_brokertopicmetrics_bytesinpersec_total", &BrokerCounters::bytes_in},
      {"kafka_server_brokertopicmetrics_bytesoutpersec_total", &BrokerCounters::bytes_out},
      {"kafka_server_brokertopicmetrics_messagesinpersec_total", &BrokerCounters::messages_in},
      {"kafka_server_replicamanager_isrshrinkspersec_total", &BrokerCounters::isr_shrinks},
      {"kafka_server_replicamanager_isrexpandspersec_total", &BrokerCounters::isr_expands},
      {"kafka_server_replicamanager_underreplicatedpartitions", &BrokerCounters::under_replicated},
      {"kafka_server_replicamanager_partitioncount", &BrokerCounters::partitions},
      {"kafka_server_replicamanager_leadercount", &BrokerCounters::leaders},
      {"kafka_log_flush_time_ms_99thpercentile", &BrokerCounters::flush_p99_ms},
  };
  BrokerCounters c;
  const auto label = [](const PromSample& s, const char* name) {
    const auto it = s.labels.find(name);
    return it == s.labels.end() ? std::string_view{} : std::string_view(it->second);
  };
  for (const PromSample& s : samples) {
    if (!std::isfinite(s.value)) continue;
    const std::string& n = s.name;
    if (const auto plain = kPlain.find(n); plain != kPlain.end()) {
      c.*(plain->second) = s.value;
    } else if (n == "kafka_network_requests_total") {
      const auto request = label(s, "request");
      if (request == "Produce") c.produce_requests += s.value;
      // "Fetch" counts both kinds again: consumers' and followers' fetches are taken apart.
      if (request == "FetchConsumer") c.fetch_requests += s.value;
      if (request == "FetchFollower") c.follower_fetch_requests += s.value;
    } else if (n == "kafka_network_request_totaltimems_99thpercentile") {
      const auto request = label(s, "request");
      if (request == "Produce") c.produce_p99_ms = s.value;
      if (request == "FetchConsumer") c.fetch_p99_ms = s.value;
    } else if (n == "kafka_network_request_requestqueuetimems_99thpercentile") {
      if (label(s, "request") == "Produce") c.produce_queue_p99_ms = s.value;
    } else if (n == "jvm_gc_collection_seconds_sum" && !label(s, "gc").ends_with(" Cycles")) {
      // Shenandoah and ZGC publish their pauses and, beside them, their whole cycles ("…
      // Cycles"), which run mostly beside the application: only pauses count.
      c.gc_seconds += s.value;
    }
  }
  return c;
}

BrokerView broker_view(const BrokerCounters& b, const BrokerCounters& a, double seconds) {
  BrokerView v;
  v.up = true;
  v.produce_per_s = rate(b.produce_requests, a.produce_requests, seconds);
  v.fetch_per_s = rate(b.fetch_requests, a.fetch_requests, seconds);
  v.follower_fetch_per_s = rate(b.follower_fetch_requests, a.follower_fetch_requests, seconds);
  v.bytes_in_per_s = rate(b.bytes_in, a.bytes_in, seconds);
  v.bytes_out_per_s = rate(b.bytes_out, a.bytes_out, seconds);
  v.messages_in_per_s = rate(b.messages_in, a.messages_in, seconds);
  v.isr_shrinks_per_s = rate(b.isr_shrinks, a.isr_shrinks, seconds);
  v.isr_expands_per_s = rate(b.isr_expands, a.isr_expands, seconds);
  v.gc_ms_per_s = 1000 * rate(b.gc_seconds, a.gc_seconds, seconds);
  v.produce_p99_ms = a.produce_p99_ms;
  v.fetch_p99_ms = a.fetch_p99_ms;
  v.produce_queue_p99_ms = a.produce_queue_p99_ms;
  v.flush_p99_ms = a.flush_p99_ms;
  v.under_replicated = a.under_replicated;
  v.partitions = a.partitions;
  v.leaders = a.leaders;
  return v;
}

nlohmann::json to_json(const BrokerView& v) {
  return {{"url", v.url},
          {"up", v.up},
          {"produce_per_s", v.produce_per_s},
          {"fetch_per_s", v.fetch_per_s},
          {"follower_fetch_per_s", v.follower_fetch_per_s},
          {"bytes_in_per_s", v.bytes_in_per_s},
          {"bytes_out_per_s", v.bytes_out_per_s},
          {"messages_in_per_s", v.messages_in_per_s},
          {"produce_p99_ms", v.produce_p99_ms},
          {"fetch_p99_ms", v.fetch_p99_ms},
          {"produce_queue_p99_ms", v.produce_queue_p99_ms},
          {"flush_p99_ms", v.flush_p99_ms},
          {"under_replicated", v.under_replicated},
          {"isr_shrinks_per_s", v.isr_shrinks_per_s},
          {"isr_expands_per_s", v.isr_expands_per_s},
          {"gc_ms_per_s", v.gc_ms_per_s},
          {"partitions", v.partitions},
          {"leaders", v.leaders}};
}

std::vector<std::string> broker_metrics_urls_from_env() {
  std::vector<std::string> urls;
  const char* env = std::getenv("STREAMLAB_KAFKA_METRICS");
  std::string_view rest = env == nullptr ? std::string_view{} : std::string_view(env);
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view url = rest.substr(0, comma);
    if (!url.empty()) urls.emplace_back(url);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  return urls;
}

BrokerScraper::BrokerScraper(std::vector<std::string> urls, std::chrono::milliseconds timeout)
    : urls_(std::move(urls)), timeout_(timeout), last_(urls_.size()) {}

std::vector<BrokerView> BrokerScraper::sample() {
  std::vector<BrokerView> views;
  for (std::size_t i = 0; i < urls_.size(); ++i) {
    BrokerView v;
    const auto body = http_get(urls_[i], timeout_);
    const auto now = std::chrono::steady_clock::now();
    if (body) {
      const BrokerCounters counters = broker_counters(parse_prometheus_text(*body));
      if (last_[i]) {
        v = broker_view(last_[i]->counters, counters, std::chrono::duration<double>(now - last_[i]->t).count());
      } else {
        v = broker_view(counters, counters, 0);
      }
      last_[i] = Last{now, counters};
    } else {
      last_[i].reset();
    }
    v.url = urls_[i];
    views.push_back(std::move(v));
  }
  return views;
}

}  // namespace streamlab::host
