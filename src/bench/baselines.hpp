#pragma once
// Other tools doing the same job on the same machine and broker, for ratios
// (ratio = streamlab / tool): kcat and Kafka's perf tools against streamlab's producer and
// consumer, `psql \copy` and redis-benchmark as the stores' raw limits, and the lab-style
// Python consumers (bench/baselines/) against each sink. A tool that is not installed gives
// a result with no value and a note, never an error.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/service_clients.hpp"

namespace streamlab::bench {

struct BaselineResult {
  std::string tool{}, measure{}, unit = "msgs/s";
  std::optional<double> value{};      // the tool's rate
  std::optional<double> streamlab{};  // streamlab's rate for the same measure
  std::string note{};
  std::optional<double> ratio() const;
  nlohmann::json to_json() const;
};

struct BaselineContext {
  ServiceUris services;
  std::filesystem::path work_dir;                                 // payload files, exports
  std::filesystem::path project_root;                             // bench/baselines/, .local/venv
  std::function<void(const std::string& name, pid_t pid)> watch;  // the monitor, role "baseline"
  std::function<void(const std::string& name)> unwatch;
};

// Kafka: `file` holds the n payloads, one a line; the tools write to / read from fresh topics
// `topic` (created by the caller, 3 partitions) - kcat and the perf tools each their own.
BaselineResult kcat_produce(const BaselineContext& c, const std::string& topic, const std::filesystem::path& file,
                            std::uint64_t n);
BaselineResult kcat_consume(const BaselineContext& c, const std::string& topic, std::uint64_t n);
BaselineResult kafka_perf_produce(const BaselineContext& c, const std::string& topic, const std::filesystem::path& file,
                                  std::uint64_t n);
BaselineResult kafka_perf_consume(const BaselineContext& c, const std::string& topic, const std::string& group,
                                  std::uint64_t n);

// PostgreSQL: the rows streamlab stored in `table`, exported, then loaded by one `psql \copy`
// into `fresh` (LIKE table INCLUDING ALL); the load's wall time.
BaselineResult psql_copy(const BaselineContext& c, const std::string& table, const std::string& fresh, std::uint64_t n);
// Redis: redis-benchmark -P 64 SET and RPUSH of `value_bytes` values; one message needs one of
// each at least, so the limit in msgs/s is 1 / (1/SET + 1/RPUSH).
BaselineResult redis_benchmark(const BaselineContext& c, std::uint64_t n, std::size_t value_bytes);
// bench/baselines/lab_<sink>_consumer.py on the first `n` messages of `topic`.
// `redis-cli --pipe` fed `commands`: the transactions a streamlab Redis sink applied for `rows`
// rows, recorded with ?record=FILE (the same bytes and MULTI/EXEC batches, without the sink's
// WATCH and fence round trip); process wall time.
BaselineResult redis_pipe(const BaselineContext& c, const std::filesystem::path& commands, std::uint64_t rows);
BaselineResult lab_style(const BaselineContext& c, const std::string& sink, const std::string& topic,
                         const std::string& group, const std::string& table, std::uint64_t n);

}  // namespace streamlab::bench
