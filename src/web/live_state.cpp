#include "web/live_state.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>

#include "core/clock.hpp"
#include "web/prometheus_text.hpp"

namespace streamlab::web {
namespace {

using nlohmann::json;
constexpr auto kSinkCopyEvery = std::chrono::milliseconds(100);
constexpr std::size_t kPreviewBytes = 160;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

double per_s(std::uint64_t now, std::uint64_t then, double dt) {
  return dt > 0 && now >= then ? static_cast<double>(now - then) / dt : 0;
}

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const auto s = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

void summary(PrometheusText& p, const std::string& name, const std::string& help, const core::LatencyHistogram& h) {
  p.family(name, help, "summary");
  for (double q : {0.5, 0.9, 0.99}) {
    p.sample(name, {{"quantile", fmt::format("{}", q)}}, static_cast<double>(h.quantile(q)) / 1e6);
  }
  p.sample(name + "_sum", h.mean() * static_cast<double>(h.count()) / 1e6);
  p.sample(name + "_count", h.count());
}

}  // namespace

LiveState::LiveState(DashboardInfo info, LiveStateLimits limits)
    : info_(std::move(info)), limits_(limits), hashtags_(limits.hashtag_window) {}

void LiveState::add_locked(std::string_view payload, std::int32_t partition, std::int64_t offset,
                           std::int64_t timestamp_ms, std::int64_t now_us) {
  ++consumed_;
  bytes_ += payload.size();
  if (timestamp_ms > 0) latency_us_.record(now_us - timestamp_ms * 1000);
  // Beyond what the parser takes in one round, messages are only counted: the copy and the
  // parse stay bounded however fast the topic is read.
  if (pending_bytes_.size() + payload.size() > limits_.pending_bytes) {
    ++unanalyzed_;
    return;
  }
  pending_.push_back({partition, offset, timestamp_ms, pending_bytes_.size(), payload.size()});
  pending_bytes_.append(payload);
}

void LiveState::record(const std::vector<kafka::Message>& batch) {
  const std::int64_t now_us = core::wall_ms() * 1000;
  std::lock_guard lock(in_mu_);
  for (const auto& m : batch) {
    if (m.error.empty()) add_locked(m.payload, m.partition, m.offset, m.timestamp_ms, now_us);
  }
}

void LiveState::record(std::string_view payload, std::int32_t partition, std::int64_t offset,
                       std::int64_t timestamp_ms) {
  std::lock_guard lock(in_mu_);
  add_locked(payload, partition, offset, timestamp_ms, core::wall_ms() * 1000);
}

void LiveState::record_sink(const sinks::SinkStats& stats) {
  const auto now = Clock::now();
  std::lock_guard lock(in_mu_);
  if (have_sink_stats_ && now - sink_copied_ < kSinkCopyEvery) return;
  sink_ = stats;
  sink_copied_ = now;
  have_sink_stats_ = true;
}

void LiveState::set_partitions(std::vector<PartitionOffsets> partitions, double produced_per_s) {
  std::lock_guard lock(mu_);
  partitions_ = std::move(partitions);
  produced_per_s_ = produced_per_s;
}

void LiveState::set_processes(std::vector<ProcessUsage> processes) {
  std::lock_guard lock(mu_);
  processes_ = std::move(processes);
}

void LiveState::set_brokers(std::vector<host::BrokerView> brokers) {
  std::lock_guard lock(mu_);
  brokers_ = std::move(brokers);
}

void LiveState::add_card(const tweets::ParsedMessage& m, std::string_view payload, const Pending& p) {
  json card = {{"kind", tweets::to_string(m.kind)},
               {"partition", p.partition},
               {"offset", p.offset},
               {"timestamp_ms", p.timestamp_ms}};
  switch (m.kind) {
    case tweets::MessageKind::Tweet:
      card["author"] = m.tweet.author;
      card["text"] = m.tweet.text;
      card["hashtags"] = m.tweet.hashtags;
      card["created_at"] = m.tweet.created_at;
      card["lang"] = m.tweet.lang;
      card["retweet"] = m.tweet.is_retweet;
      break;
    case tweets::MessageKind::Counter: card["number"] = m.number; break;
    default:
      card["preview"] = std::string(payload.substr(0, kPreviewBytes));
      if (m.kind == tweets::MessageKind::Malformed) card["error"] = m.error;
  }
  std::lock_guard lock(mu_);
  const std::uint64_t id = next_card_++;
  card["id"] = id;
  feed_.emplace_back(id, dump(card));
  while (feed_.size() > limits_.feed_items) feed_.pop_front();
}

void LiveState::analyze() {
  {
    std::lock_guard lock(in_mu_);
    std::swap(pending_bytes_, scratch_bytes_);
    std::swap(pending_, scratch_);
  }
  if (scratch_.empty()) return;
  const std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - epoch_).count();
  const std::size_t cards_from = scratch_.size() > limits_.feed_items ? scratch_.size() - limits_.feed_items : 0;
  std::map<std::string, std::uint64_t> kinds;
  for (std::size_t i = 0; i < scratch_.size(); ++i) {
    const Pending& p = scratch_[i];
    const std::string_view payload(scratch_bytes_.data() + p.begin, p.size);
    parser_.parse(payload, parsed_);
    ++kinds[tweets::to_string(parsed_.kind)];
    if (parsed_.kind == tweets::MessageKind::Tweet) {
      for (const auto& tag : parsed_.tweet.hashtags) hashtags_.add(tag, now_s);
    }
    if (i >= cards_from) add_card(parsed_, payload, p);
  }
  scratch_.clear();
  scratch_bytes_.clear();
  std::lock_guard lock(mu_);
  for (const auto& [kind, n] : kinds) kinds_[kind] += n;
}

void LiveState::tick() {
  const auto now = Clock::now();
  Sample s{now, 0, 0, 0, 0};
  json latency, sink = nullptr;
  std::uint64_t unanalyzed = 0;
  {
    std::lock_guard lock(in_mu_);
    s.consumed = consumed_;
    s.bytes = bytes_;
    unanalyzed = unanalyzed_;
    latency = {{"p50", static_cast<double>(latency_us_.quantile(0.5)) / 1000},
               {"p99", static_cast<double>(latency_us_.quantile(0.99)) / 1000}};
    if (have_sink_stats_) {
      s.rows = sink_.rows + sink_.dead_letters;
      s.batches = sink_.batches;
      sink = {{"rows", sink_.rows},
              {"dead_letters", sink_.dead_letters},
              {"batches", sink_.batches},
              {"retries", sink_.retries},
              {"commit_ms_p50", static_cast<double>(sink_.commit_us.quantile(0.5)) / 1000},
              {"commit_ms_p99", static_cast<double>(sink_.commit_us.quantile(0.99)) / 1000}};
    }
  }
  // Rates over the last second: smoother than over one 200 ms tick.
  samples_.push_back(s);
  while (samples_.size() > 2 && samples_[1].t <= now - std::chrono::seconds(1)) samples_.pop_front();
  const Sample& old = samples_.front();
  const double dt = std::chrono::duration<double>(now - old.t).count();
  const std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now - epoch_).count();
  auto top = hashtags_.top(limits_.top_hashtags, now_s);

  std::lock_guard lock(mu_);
  std::int64_t lag = 0;
  json partitions = json::array();
  for (const auto& p : partitions_) {
    lag += p.lag;
    partitions.push_back(
        {{"topic", p.topic}, {"partition", p.partition}, {"high", p.high}, {"position", p.position}, {"lag", p.lag}});
  }
  json processes = json::array();
  for (const auto& p : processes_) {
    processes.push_back({{"name", p.name}, {"cpu_pct", p.cpu_pct}, {"rss_bytes", p.rss_bytes}});
  }
  json brokers = json::array();
  for (const auto& b : brokers_) brokers.push_back(host::to_json(b));
  json tags = json::array();
  for (const auto& [tag, count] : top) tags.push_back({{"tag", tag}, {"count", count}});
  top_ = std::move(top);
  if (!sink.is_null()) {
    sink["rows_per_s"] = per_s(s.rows, old.rows, dt);
    sink["batches_per_s"] = per_s(s.batches, old.batches, dt);
  }
  json point = {{"t", core::wall_ms()},
                {"consumed_per_s", per_s(s.consumed, old.consumed, dt)},
                {"produced_per_s", produced_per_s_},
                {"lag", lag},
                {"rows_per_s", sink.is_null() ? 0.0 : sink["rows_per_s"].get<double>()},
                {"batches_per_s", sink.is_null() ? 0.0 : sink["batches_per_s"].get<double>()},
                {"processes", processes},
                {"brokers", brokers}};
  history_.emplace_back(now, dump(point));
  while (!history_.empty() && history_.front().first < now - limits_.history) history_.pop_front();
  stats_ = std::move(point);
  stats_["consumed"] = s.consumed;
  stats_["bytes"] = s.bytes;
  stats_["mb_per_s"] = per_s(s.bytes, old.bytes, dt) / 1e6;
  stats_["partitions"] = std::move(partitions);
  stats_["latency_ms"] = std::move(latency);
  stats_["sink"] = std::move(sink);
  stats_["hashtags"] = std::move(tags);
  stats_["kinds"] = kinds_;
  stats_["unanalyzed"] = unanalyzed;
  stats_text_ = dump(stats_);
  ++seq_;
  changed_.notify_all();
}

void LiveState::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  changed_.notify_all();
}

bool LiveState::stopped() const {
  std::lock_guard lock(mu_);
  return stopped_;
}

bool LiveState::next_event(Cursor& cursor, std::string& out, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!changed_.wait_for(lock, timeout, [&] { return stopped_ || seq_ > cursor.seq; }) || stopped_) return false;
  out = "{\"stats\":";
  out += stats_text_;
  if (cursor.seq == 0) {
    out += ",\"info\":";
    out += dump({{"topics", info_.topics}, {"group", info_.group}, {"sink", info_.sink}});
    out += ",\"history\":[";
    for (std::size_t i = 0; i + 1 < history_.size(); ++i) {  // the last one is `stats`
      if (i > 0) out += ',';
      out += history_[i].second;
    }
    out += ']';
  }
  out += ",\"feed\":[";
  bool first = true;
  for (const auto& [id, card] : feed_) {
    if (id <= cursor.feed_id) continue;
    if (!first) out += ',';
    first = false;
    out += card;
    cursor.feed_id = id;
  }
  out += "]}";
  cursor.seq = seq_;
  return true;
}

nlohmann::json LiveState::snapshot() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::uint64_t LiveState::consumed() const {
  std::lock_guard lock(in_mu_);
  return consumed_;
}

std::string LiveState::metrics() const {
  std::uint64_t consumed = 0, bytes = 0, unanalyzed = 0;
  core::LatencyHistogram latency;
  bool have_sink = false;
  sinks::SinkStats sink;
  {
    std::lock_guard lock(in_mu_);
    consumed = consumed_;
    bytes = bytes_;
    unanalyzed = unanalyzed_;
    latency = latency_us_;
    have_sink = have_sink_stats_;
    if (have_sink) sink = sink_;
  }
  std::vector<PartitionOffsets> partitions;
  std::vector<ProcessUsage> processes;
  std::vector<host::BrokerView> brokers;
  std::vector<std::pair<std::string, std::uint64_t>> top;
  {
    std::lock_guard lock(mu_);
    partitions = partitions_;
    processes = processes_;
    brokers = brokers_;
    top = top_;
  }
  PrometheusText p;
  p.family("streamlab_consumed_messages_total", "Messages consumed", "counter");
  p.sample("streamlab_consumed_messages_total", consumed);
  p.family("streamlab_consumed_bytes_total", "Payload bytes consumed", "counter");
  p.sample("streamlab_consumed_bytes_total", bytes);
  summary(p, "streamlab_end_to_end_latency_seconds", "From a message's Kafka timestamp to its receipt by the consumer",
          latency);
  p.family("streamlab_consumer_lag_messages", "High watermark minus the consumer's position, per assigned partition",
           "gauge");
  for (const auto& q : partitions) {
    p.sample("streamlab_consumer_lag_messages", {{"topic", q.topic}, {"partition", std::to_string(q.partition)}},
             static_cast<double>(q.lag));
  }
  p.family("streamlab_partition_high_watermark", "Offset after the last message produced, per assigned partition",
           "gauge");
  for (const auto& q : partitions) {
    p.sample("streamlab_partition_high_watermark", {{"topic", q.topic}, {"partition", std::to_string(q.partition)}},
             static_cast<double>(q.high));
  }
  if (have_sink) {
    p.family("streamlab_sink_rows_total", "Messages stored as rows by the sink", "counter");
    p.sample("streamlab_sink_rows_total", sink.rows);
    p.family("streamlab_sink_dead_letters_total", "Messages stored as dead letters", "counter");
    p.sample("streamlab_sink_dead_letters_total", sink.dead_letters);
    p.family("streamlab_sink_batches_total", "Batches committed by the sink", "counter");
    p.sample("streamlab_sink_batches_total", sink.batches);
    p.family("streamlab_sink_retries_total", "Batch writes retried after a sink outage", "counter");
    p.sample("streamlab_sink_retries_total", sink.retries);
    p.family("streamlab_sink_skipped_rows_total", "Rows not written: revoked, or stored already", "counter");
    p.sample("streamlab_sink_skipped_rows_total", sink.skipped_rows);
    summary(p, "streamlab_sink_commit_seconds", "Time to write and commit one batch", sink.commit_us);
    summary(p, "streamlab_sink_stored_latency_seconds", "From a message's Kafka timestamp to its commit in the sink",
            sink.end_to_end_us);
  }
  p.family("streamlab_process_cpu_seconds_total", "CPU time of this streamlab process (user and system)", "counter");
  p.sample("streamlab_process_cpu_seconds_total", self_cpu_seconds());
  p.family("streamlab_process_cpu_percent", "CPU use of a watched process over the last sample, % of one core",
           "gauge");
  for (const auto& q : processes) p.sample("streamlab_process_cpu_percent", {{"process", q.name}}, q.cpu_pct);
  p.family("streamlab_process_resident_memory_bytes", "Resident memory of a watched process", "gauge");
  for (const auto& q : processes) {
    p.sample("streamlab_process_resident_memory_bytes", {{"process", q.name}}, static_cast<double>(q.rss_bytes));
  }
  // The brokers' own view, re-exported from their JMX exporters as rates over the last second.
  const std::pair<const char*, double host::BrokerView::*> broker_gauges[] = {
      {"streamlab_broker_up", nullptr},
      {"streamlab_broker_produce_requests_per_second", &host::BrokerView::produce_per_s},
      {"streamlab_broker_fetch_requests_per_second", &host::BrokerView::fetch_per_s},
      {"streamlab_broker_bytes_in_per_second", &host::BrokerView::bytes_in_per_s},
      {"streamlab_broker_bytes_out_per_second", &host::BrokerView::bytes_out_per_s},
      {"streamlab_broker_produce_time_p99_milliseconds", &host::BrokerView::produce_p99_ms},
      {"streamlab_broker_under_replicated_partitions", &host::BrokerView::under_replicated},
  };
  if (!brokers.empty()) {
    for (const auto& [name, field] : broker_gauges) {
      p.family(name, "A broker's own metric (its JMX exporter), per broker metrics URL", "gauge");
      for (const auto& b : brokers) {
        p.sample(name, {{"broker", b.url}}, field == nullptr ? (b.up ? 1.0 : 0.0) : b.*field);
      }
    }
  }
  p.family("streamlab_hashtag_uses",
           fmt::format("Uses of the {} most used hashtags over the last {} s", limits_.top_hashtags,
                       limits_.hashtag_window.count()),
           "gauge");
  for (const auto& [tag, count] : top)
    p.sample("streamlab_hashtag_uses", {{"hashtag", tag}}, static_cast<double>(count));
  p.family("streamlab_dashboard_unparsed_messages_total",
           "Messages counted but not parsed for hashtags and the feed (the parser fell behind)", "counter");
  p.sample("streamlab_dashboard_unparsed_messages_total", unanalyzed);
  return p.text();
}

}  // namespace streamlab::web
