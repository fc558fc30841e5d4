#pragma once
// The brokers' own metrics over a bench run: each broker's JMX exporter (host/broker_metrics)
// scraped once a second on a thread of its own, and summed up per scenario for the report, beside
// the client-side rates (what the lab set out to see of the Kafka server).

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/broker_metrics.hpp"

namespace streamlab::bench {

struct BrokerSample {
  double t_s = 0;  // since the run's epoch
  std::vector<host::BrokerView> brokers;
};

// Per broker (by metrics URL) over the samples whose time is in [from_s, to_s]: how often it
// was up, the request and byte rates (means), the broker's request-time, queue and flush p99s
// (their highest), under-replicated partitions (highest), ISR shrinks and expands (counted) and
// GC time per second (mean). An empty object when no sample falls in the window.
nlohmann::json broker_summary(const std::vector<BrokerSample>& samples, double from_s, double to_s);

class BrokerSampler {
 public:
  BrokerSampler(std::vector<std::string> urls, std::chrono::steady_clock::time_point epoch,
                std::chrono::milliseconds every = std::chrono::milliseconds(1000));
  ~BrokerSampler();
  BrokerSampler(const BrokerSampler&) = delete;
  BrokerSampler& operator=(const BrokerSampler&) = delete;

  void start();
  void stop();  // idempotent
  // One scrape now, besides the periodic ones: at a scenario's start and end, so that even a
  // scenario shorter than the period has rates over its whole length.
  void sample_now();
  nlohmann::json summary(double from_s, double to_s) const;

 private:
  void run();

  std::mutex scrape_mu_;  // the scraper keeps each broker's previous scrape: one caller at a time
  host::BrokerScraper scraper_;
  std::chrono::steady_clock::time_point epoch_;
  std::chrono::milliseconds every_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<BrokerSample> samples_;
  std::thread thread_;
};

}  // namespace streamlab::bench
