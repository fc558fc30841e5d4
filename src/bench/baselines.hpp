#pragma once
// Other tools doing the same job on the same machine and broker, for ratios
// (ratio = streamlab / tool): kcat and Kafka's perf tools against streamlab's producer and
// consumer, `psql \copy`, redis-benchmark and Ignite's own Java clients as the stores' raw limits, and the lab-style
// Python consumers (bench/baselines/) against each sink. A tool that is not installed gives
// a result with no value and a note, never an error.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

// A comparison that decides a target is run kBaselineRounds times, streamlab's run and the
// tool's alternating, and reported as the medians of each (one run on this shared machine swings
// by a quarter either way): `tool_runs` are the tool's results, `streamlab_runs` streamlab's rates
// (a run without one left out). The tool's runs that gave no value are left out of its median and
// named in the note; none with a value gives the first one's note.
inline constexpr int kBaselineRounds = 3;
BaselineResult median_of(const std::vector<BaselineResult>& tool_runs, const std::vector<double>& streamlab_runs);

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

// Ignite: bench/ignite-baseline, a Java program on Ignite's own client jars (built on first use by
// its build script into .local/ignite-baseline/, against the local node's version), reads back
// the `rows` rows streamlab stored in `table` and stores the same binary objects again, timed,
// into fresh tables made like it: `put_table` through the thin client's ClientCache.putAll,
// kIgniteRowsPerPutAll rows a request as the sink sends them, and `stream_table` through the data
// streamer of a client node that joins the cluster by discovery ($STREAMLAB_IGNITE_DISCOVERY,
// else the first node's host at 47500..47509; not tried when the URI has a user or TLS). The
// password, if any, reaches the program in its environment. Two results, in this order:
// "ignite-thin-client putAll" and "ignite data streamer"; the program drops both tables.
inline constexpr std::size_t kIgniteRowsPerPutAll = 1000;  // the Ignite sink's (src/sinks/ignite/ignite_sink.cpp)
std::vector<BaselineResult> ignite_java(const BaselineContext& c, const std::string& table,
                                        const std::string& put_table, const std::string& stream_table,
                                        std::uint64_t rows);
// The program's command line and environment (the password, if any: never in argv); `streamer`
// when the data streamer is tried. `discovery` empty: the default above. Throws core::UsageError
// for a malformed URI.
struct IgniteJavaCall {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;
  bool streamer = false;
};
IgniteJavaCall ignite_java_call(const std::string& uri, const std::filesystem::path& jar, const std::string& table,
                                const std::string& put_table, const std::string& stream_table, std::uint64_t rows,
                                const std::string& discovery);
// The two results from the program's output: one JSON object a line for each ("mode": "putall"
// or "streamer", with "rows_per_s" or "error"), among whatever else it printed; a result whose
// line is missing, failed or counts other than `rows` rows has no value and says why.
std::vector<BaselineResult> parse_ignite_java(const std::string& out, std::uint64_t rows);

}  // namespace streamlab::bench
