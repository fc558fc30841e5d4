#include "bench/broker_sampler.hpp"

#include <algorithm>
#include <map>

namespace streamlab::bench {

using json = nlohmann::json;

json broker_summary(const std::vector<BrokerSample>& samples, double from_s, double to_s) {
  struct Sums {
    int samples = 0, up = 0;
    double produce = 0, fetch = 0, bytes_in = 0, bytes_out = 0, gc = 0;
    double produce_p99 = 0, fetch_p99 = 0, queue_p99 = 0, flush_p99 = 0, under = 0;
    double shrinks = 0, expands = 0;
    double last_t = -1;
  };
  std::map<std::string, Sums> by_url;
  for (const BrokerSample& s : samples) {
    if (s.t_s < from_s || s.t_s > to_s) continue;
    for (const host::BrokerView& b : s.brokers) {
      Sums& m = by_url[b.url];
      ++m.samples;
      const double dt = m.last_t >= 0 ? s.t_s - m.last_t : 0;
      m.last_t = s.t_s;
      if (!b.up) continue;
      ++m.up;
      m.produce += b.produce_per_s;
      m.fetch += b.fetch_per_s;
      m.bytes_in += b.bytes_in_per_s;
      m.bytes_out += b.bytes_out_per_s;
      m.gc += b.gc_ms_per_s;
      m.produce_p99 = std::max(m.produce_p99, b.produce_p99_ms);
      m.fetch_p99 = std::max(m.fetch_p99, b.fetch_p99_ms);
      m.queue_p99 = std::max(m.queue_p99, b.produce_queue_p99_ms);
      m.flush_p99 = std::max(m.flush_p99, b.flush_p99_ms);
      m.under = std::max(m.under, b.under_replicated);
      m.shrinks += b.isr_shrinks_per_s * dt;
      m.expands += b.isr_expands_per_s * dt;
    }
  }
  json out = json::object();
  for (const auto& [url, m] : by_url) {
    const double n = m.up > 0 ? m.up : 1;
    out[url] = {{"samples", m.samples},
                {"up_fraction", static_cast<double>(m.up) / m.samples},
                {"produce_per_s", m.produce / n},
                {"fetch_per_s", m.fetch / n},
                {"bytes_in_per_s", m.bytes_in / n},
                {"bytes_out_per_s", m.bytes_out / n},
                {"produce_p99_ms_max", m.produce_p99},
                {"fetch_p99_ms_max", m.fetch_p99},
                {"produce_queue_p99_ms_max", m.queue_p99},
                {"flush_p99_ms_max", m.flush_p99},
                {"under_replicated_max", m.under},
                {"isr_shrinks", m.shrinks},
                {"isr_expands", m.expands},
                {"gc_ms_per_s", m.gc / n}};
  }
  return out;
}

BrokerSampler::BrokerSampler(std::vector<std::string> urls, std::chrono::steady_clock::time_point epoch,
                             std::chrono::milliseconds every)
    : scraper_(std::move(urls)), epoch_(epoch), every_(every) {}

BrokerSampler::~BrokerSampler() { stop(); }

void BrokerSampler::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void BrokerSampler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

json BrokerSampler::summary(double from_s, double to_s) const {
  std::lock_guard lock(mu_);
  return broker_summary(samples_, from_s, to_s);
}

void BrokerSampler::sample_now() {
  std::lock_guard scraping(scrape_mu_);
  BrokerSample s{.t_s = 0, .brokers = scraper_.sample()};
  s.t_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_).count();
  std::lock_guard lock(mu_);
  samples_.push_back(std::move(s));
}

void BrokerSampler::run() {
  auto next = std::chrono::steady_clock::now();
  while (true) {
    sample_now();
    std::unique_lock lock(mu_);
    next += every_;
    if (cv_.wait_until(lock, next, [this] { return stopping_; })) return;
  }
}

}  // namespace streamlab::bench
