#include "bench/baselines.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>

#include <fmt/format.h>

#include "bench/child_process.hpp"
#include "core/errors.hpp"
#include "ignite/uri.hpp"

namespace streamlab::bench {

using namespace std::chrono_literals;

std::optional<double> BaselineResult::ratio() const {
  if (!value || !streamlab || *value <= 0) return std::nullopt;
  return *streamlab / *value;
}

nlohmann::json BaselineResult::to_json() const {
  nlohmann::json j = {{"tool", tool}, {"measure", measure}, {"unit", unit}};
  j["value"] = value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  j["streamlab"] = streamlab ? nlohmann::json(*streamlab) : nlohmann::json(nullptr);
  const auto r = ratio();
  j["ratio"] = r ? nlohmann::json(*r) : nlohmann::json(nullptr);
  if (!note.empty()) j["note"] = note;
  return j;
}

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

std::string rates_text(const std::vector<double>& v) {
  std::string out;
  for (const double x : v) out += (out.empty() ? "" : ", ") + fmt::format("{:.0f}", x);
  return out;
}

}  // namespace

BaselineResult median_of(const std::vector<BaselineResult>& tool_runs, const std::vector<double>& streamlab_runs) {
  if (tool_runs.empty()) return {};
  BaselineResult b = tool_runs.front();
  std::vector<double> values, ours;
  std::optional<std::string> note;  // the first run with a figure's
  std::string failed;               // the first run without one's
  for (const BaselineResult& t : tool_runs) {
    if (t.value) {
      values.push_back(*t.value);
      if (!note) note = t.note;
    } else if (failed.empty()) {
      failed = t.note;
    }
  }
  for (const double x : streamlab_runs) {
    if (x > 0) ours.push_back(x);
  }
  b.streamlab = ours.empty() ? std::nullopt : std::optional<double>(median(ours));
  if (values.empty()) return b;
  b.note = *note;
  b.value = median(values);
  if (tool_runs.size() == 1 && ours.size() <= 1) return b;
  b.note +=
      fmt::format("{}medians of {} alternating runs: streamlab {}; {} {}", b.note.empty() ? "" : "; ",
                  std::max(tool_runs.size(), streamlab_runs.size()), rates_text(ours), b.tool, rates_text(values));
  if (values.size() < tool_runs.size())
    b.note +=
        fmt::format(" ({} of {} runs gave no figure: {})", tool_runs.size() - values.size(), tool_runs.size(), failed);
  return b;
}

namespace {

BaselineResult missing(const std::string& tool, const std::string& measure, const std::string& why) {
  return {.tool = tool, .measure = measure, .note = why};
}

RunResult run_watched(const BaselineContext& c, const std::string& name, const std::vector<std::string>& argv,
                      std::chrono::seconds timeout, const std::vector<std::pair<std::string, std::string>>& env = {},
                      const std::filesystem::path& stdin_path = {}) {
  RunResult r = run_program(argv, timeout, env, stdin_path, [&](pid_t pid) {
    if (c.watch) c.watch(name, pid);
  });
  if (c.unwatch) c.unwatch(name);
  return r;
}

std::string failure(const RunResult& r) {
  return fmt::format("exited {}: {}", r.exit_code, r.err.substr(r.err.size() > 300 ? r.err.size() - 300 : 0));
}

// The Java tools' command line: the broker's own jars and the tools' log4j configuration.
// 4 GB of heap: ProducerPerformance holds the whole payload file as strings, and 160,000
// tweets (~350 MB of UTF-8) ran out of 1 GB.
std::optional<std::vector<std::string>> java_tool(const std::string& cls) {
  const char* lib = std::getenv("STREAMLAB_KAFKA_LIB");
  if (lib == nullptr || *lib == '\0' || !find_program("java")) return std::nullopt;
  const char* log4j = std::getenv("STREAMLAB_KAFKA_TOOLS_LOG4J");
  return std::vector<std::string>{"java",
                                  "-Xmx4g",
                                  "-cp",
                                  std::string(lib) + "/*",
                                  std::string("-Dlog4j.configuration=file:") + (log4j ? log4j : ""),
                                  cls};
}

}  // namespace

BaselineResult kcat_produce(const BaselineContext& c, const std::string& topic, const std::filesystem::path& file,
                            std::uint64_t n) {
  if (!find_program("kcat")) return missing("kcat", "produce", "kcat is not installed");
  // Same producer settings as streamlab's: idempotent, acks=all.
  auto r = run_watched(c, "kcat",
                       {"kcat", "-b", c.services.brokers, "-t", topic, "-P", "-l", "-X", "acks=all", "-X",
                        "enable.idempotence=true", file.string()},
                       600s);
  BaselineResult b{.tool = "kcat", .measure = "produce"};
  if (r.exit_code != 0) {
    b.note = failure(r);
    return b;
  }
  b.value = static_cast<double>(n) / r.seconds;
  b.note = "process wall time (start-up included)";
  return b;
}

BaselineResult kcat_consume(const BaselineContext& c, const std::string& topic, std::uint64_t n) {
  if (!find_program("kcat")) return missing("kcat", "consume", "kcat is not installed");
  ChildSpec spec;
  spec.argv = {"kcat",      "-b", c.services.brokers, "-t", topic,  "-C", "-e", "-q", "-o",
               "beginning", "-c", std::to_string(n),  "-f", "%s\\n"};
  spec.stdout_pipe = true;
  Child child = Child::spawn(spec);
  if (c.watch) c.watch("kcat", child.pid());
  // From the first byte to the last, like streamlab's own first-to-last-message rate.
  std::optional<std::chrono::steady_clock::time_point> first;
  auto last = std::chrono::steady_clock::now();
  std::uint64_t lines = 0;
  std::vector<char> buf(1 << 20);
  while (true) {
    const ssize_t got = ::read(child.stdout_fd(), buf.data(), buf.size());
    if (got <= 0) break;
    const auto now = std::chrono::steady_clock::now();
    if (!first) first = now;
    last = now;
    for (ssize_t i = 0; i < got; ++i) lines += buf[static_cast<std::size_t>(i)] == '\n' ? 1 : 0;
  }
  const int rc = child.wait_for(60s).value_or(-1);
  if (c.unwatch) c.unwatch("kcat");
  BaselineResult b{.tool = "kcat", .measure = "consume"};
  if (rc != 0 || lines < n || !first) {
    b.note = fmt::format("kcat exited {} after {} of {} messages", rc, lines, n);
    return b;
  }
  const double secs = std::chrono::duration<double>(last - *first).count();
  if (secs > 0) b.value = static_cast<double>(n) / secs;
  b.note = "first to last byte written";
  return b;
}

BaselineResult kafka_perf_produce(const BaselineContext& c, const std::string& topic, const std::filesystem::path& file,
                                  std::uint64_t n) {
  auto java = java_tool("org.apache.kafka.tools.ProducerPerformance");
  if (!java) return missing("kafka-producer-perf-test", "produce", "java or STREAMLAB_KAFKA_LIB not available");
  // librdkafka's batching (linger.ms=5, batch.size=1000000) for the Java producer too.
  auto argv = *java;
  argv.insert(argv.end(), {"--topic", topic, "--num-records", std::to_string(n), "--throughput", "-1", "--payload-file",
                           file.string(), "--payload-delimiter", "\n", "--producer-props",
                           "bootstrap.servers=" + c.services.brokers, "acks=all", "enable.idempotence=true",
                           "linger.ms=5", "batch.size=1000000"});
  auto r = run_watched(c, "kafka-perf", argv, 600s);
  BaselineResult b{.tool = "kafka-producer-perf-test", .measure = "produce"};
  if (r.exit_code != 0) {
    b.note = failure(r);
    return b;
  }
  // The last "N records sent, X records/sec (Y MB/sec), ..." line: its own rate, JVM start-up excluded.
  std::stringstream lines(r.out);
  std::string line, last;
  while (std::getline(lines, line)) {
    if (line.find("records sent") != std::string::npos) last = line;
  }
  const auto comma = last.find(", ");
  if (comma != std::string::npos) b.value = std::strtod(last.c_str() + comma + 2, nullptr);
  if (!b.value) b.note = "no 'records sent' line in its output";
  return b;
}

BaselineResult kafka_perf_consume(const BaselineContext& c, const std::string& topic, const std::string& group,
                                  std::uint64_t n) {
  auto java = java_tool("org.apache.kafka.tools.ConsumerPerformance");
  if (!java) return missing("kafka-consumer-perf-test", "consume", "java or STREAMLAB_KAFKA_LIB not available");
  auto argv = *java;
  argv.insert(argv.end(), {"--bootstrap-server", c.services.brokers, "--topic", topic, "--messages", std::to_string(n),
                           "--group", group, "--timeout", "60000"});
  auto r = run_watched(c, "kafka-perf", argv, 600s);
  BaselineResult b{.tool = "kafka-consumer-perf-test", .measure = "consume"};
  if (r.exit_code != 0) {
    b.note = failure(r);
    return b;
  }
  // A CSV header line then a row; fetch.nMsg.sec is the rate once fetching started.
  std::vector<std::string> rows;
  std::stringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) rows.push_back(line);
  }
  if (rows.size() >= 2) {
    const auto split = [](const std::string& s) {
      std::vector<std::string> f;
      std::stringstream in(s);
      std::string x;
      while (std::getline(in, x, ',')) f.push_back(x.substr(x.find_first_not_of(' ')));
      return f;
    };
    const auto head = split(rows[rows.size() - 2]), row = split(rows.back());
    for (std::size_t i = 0; i < head.size() && i < row.size(); ++i) {
      if (head[i] == "fetch.nMsg.sec") b.value = std::strtod(row[i].c_str(), nullptr);
    }
  }
  if (!b.value) b.note = "no fetch.nMsg.sec in its output";
  return b;
}

BaselineResult psql_copy(const BaselineContext& c, const std::string& table, const std::string& fresh,
                         std::uint64_t n) {
  if (!find_program("psql")) return missing("psql \\copy", "store", "psql is not installed");
  BaselineResult b{.tool = "psql \\copy", .measure = "store"};
  const auto file = c.work_dir / (fresh + ".copy");
  auto exp = run_psql(c.services.postgres, {"-c", fmt::format("\\copy \"{}\" TO '{}'", table, file.string())}, 300s);
  auto create = run_psql(c.services.postgres,
                         {"-c", fmt::format("CREATE TABLE \"{}\" (LIKE \"{}\" INCLUDING ALL)", fresh, table)}, 60s);
  if (exp.exit_code != 0 || create.exit_code != 0) {
    b.note = "export failed: " + exp.err.substr(0, 200) + create.err.substr(0, 200);
    return b;
  }
  const auto [load_argv, env] =
      psql(c.services.postgres, {"-c", fmt::format("\\copy \"{}\" FROM '{}'", fresh, file.string())});
  auto load = run_watched(c, "psql", load_argv, 600s, env);
  std::error_code ec;
  std::filesystem::remove(file, ec);
  if (load.exit_code != 0) {
    b.note = failure(load);
    return b;
  }
  b.value = static_cast<double>(n) / load.seconds;
  b.note = "the same rows, one COPY in one transaction, into a table LIKE streamlab's (psql's wall time)";
  return b;
}

BaselineResult redis_benchmark(const BaselineContext& c, std::uint64_t n, std::size_t value_bytes) {
  if (!find_program("redis-benchmark")) return missing("redis-benchmark", "store", "redis-benchmark is not installed");
  auto [cli, env] = redis_cli(c.services.redis);
  // redis-cli takes a password from REDISCLI_AUTH; redis-benchmark only from its command line (-a),
  // which every local user can read.
  const char* auth = std::getenv("REDISCLI_AUTH");
  if (!env.empty() || (auth != nullptr && *auth != '\0')) {
    return missing("redis-benchmark", "store",
                   "not run: this Redis wants a password, and redis-benchmark takes one only on its command line "
                   "(-a), readable by every local user; redis-cli --pipe stands in");
  }
  // redis-cli's -h/-p/-n are redis-benchmark's -h/-p/--dbnum.
  std::vector<std::string> argv = {"redis-benchmark",
                                   "-h",
                                   cli[2],
                                   "-p",
                                   cli[4],
                                   "--dbnum",
                                   cli[6],
                                   "-P",
                                   "64",
                                   "-t",
                                   "set,rpush",
                                   "-n",
                                   std::to_string(n),
                                   "-d",
                                   std::to_string(value_bytes),
                                   "-q",
                                   "--csv"};
  auto r = run_watched(c, "redis-benchmark", argv, 300s, env);
  // It writes the keys "key:__rand_int__" and "mylist"; take them away again.
  auto del = cli;
  del.insert(del.end(), {"DEL", "key:__rand_int__", "mylist"});
  run_program(del, 30s, env);
  BaselineResult b{.tool = "redis-benchmark", .measure = "store"};
  if (r.exit_code != 0) {
    b.note = failure(r);
    return b;
  }
  double set = 0, rpush = 0;
  std::stringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    const auto value = [&] { return std::strtod(line.c_str() + line.find(",\"") + 2, nullptr); };
    if (line.rfind("\"SET\"", 0) == 0) set = value();
    if (line.rfind("\"RPUSH\"", 0) == 0) rpush = value();
  }
  if (set > 0 && rpush > 0) {
    b.value = 1.0 / (1.0 / set + 1.0 / rpush);
    b.note = fmt::format("-P 64, {} B values: SET {:.0f}/s, RPUSH {:.0f}/s; a message needs one of each at least",
                         value_bytes, set, rpush);
  } else {
    b.note = "no SET/RPUSH rates in its output";
  }
  return b;
}

BaselineResult redis_pipe(const BaselineContext& c, const std::filesystem::path& commands, std::uint64_t rows) {
  if (!find_program("redis-cli")) return missing("redis-cli --pipe", "store", "redis-cli is not installed");
  auto [cli, env] = redis_cli(c.services.redis);
  cli.push_back("--pipe");
  auto r = run_watched(c, "redis-cli", cli, 600s, env, commands);
  BaselineResult b{.tool = "redis-cli --pipe", .measure = "store"};
  // It prints "errors: N, replies: M" last, and exits non-zero when a reply was an error.
  if (r.exit_code != 0) {
    b.note = failure(r) + " " + r.out.substr(r.out.size() > 300 ? r.out.size() - 300 : 0);
    return b;
  }
  b.value = static_cast<double>(rows) / r.seconds;
  b.note =
      "streamlab's own recorded transactions (MULTI/EXEC per batch) without its WATCH + fence round trip; "
      "process wall time";
  return b;
}

BaselineResult lab_style(const BaselineContext& c, const std::string& sink, const std::string& topic,
                         const std::string& group, const std::string& table, std::uint64_t n) {
  const std::string tool = "lab-style " + sink;
  const auto python = c.project_root / ".local" / "venv" / "bin" / "python";
  const auto script = c.project_root / "bench" / "baselines" / fmt::format("lab_{}_consumer.py", sink);
  if (!std::filesystem::exists(python)) return missing(tool, "store", "no .local/venv (run deploy/local/python-env)");
  if (!std::filesystem::exists(script)) return missing(tool, "store", "missing " + script.filename().string());
  std::vector<std::string> argv = {python.string(), script.string(), "--brokers", c.services.brokers, "--topic", topic,
                                   "--group",       group,           "--count",   std::to_string(n)};
  // The store's URI (and a password in it) goes in the environment, not on the command line.
  const std::string& uri = sink == "postgres" ? c.services.postgres
                           : sink == "redis"  ? c.services.redis
                                              : c.services.ignite;
  const Environment env = {{"LAB_STORE_URI", uri}};
  if (sink == "postgres") argv.insert(argv.end(), {"--table", table});
  if (sink == "redis") argv.insert(argv.end(), {"--prefix", table});
  if (sink == "ignite") argv.insert(argv.end(), {"--table", table, "--drop"});
  auto r = run_watched(c, "lab-" + sink, argv, 900s, env);
  BaselineResult b{.tool = tool, .measure = "store"};
  if (r.exit_code != 0) {
    b.note = failure(r);
    return b;
  }
  std::string text = r.out;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const auto nl = text.rfind('\n');
  const auto j = nlohmann::json::parse(nl == std::string::npos ? text : text.substr(nl + 1), nullptr, false);
  if (j.is_object() && j.contains("rows_per_s")) b.value = j["rows_per_s"].get<double>();
  b.note = fmt::format("on the first {} messages (one store call per message)", n);
  return b;
}

namespace {

constexpr const char* kIgnitePutAll = "ignite-thin-client putAll";
constexpr const char* kIgniteStreamer = "ignite data streamer";

// One of the Java program's result lines into `b`: its rate, or why there is none.
void read_ignite_line(const std::optional<nlohmann::json>& line, std::uint64_t rows, BaselineResult& b) {
  if (!line) {
    b.note = "no result line in its output";
    return;
  }
  const nlohmann::json& j = *line;
  if (j.contains("error")) {
    b.note = "failed: " + (j["error"].is_string() ? j["error"].get<std::string>() : j["error"].dump());
    return;
  }
  const auto number = [&](const char* key) {
    return j.contains(key) && j[key].is_number() ? std::optional<double>(j[key].get<double>()) : std::nullopt;
  };
  const auto rate = number("rows_per_s"), n = number("rows"), seconds = number("seconds");
  if (!rate || !n || !seconds || *rate <= 0) {
    b.note = "a result line without rows, seconds and rows_per_s: " + j.dump();
    return;
  }
  if (*n != static_cast<double>(rows)) {
    b.note = fmt::format("it stored {:.0f} rows, not the {} streamlab stored", *n, rows);
    return;
  }
  b.value = *rate;
  const std::string version =
      j.contains("ignite") && j["ignite"].is_string() ? " " + j["ignite"].get<std::string>() : "";
  const auto bytes = number("bytes");
  const std::string size = bytes && *bytes > 0 ? fmt::format(" ({:.0f} B a row, key and value)", *bytes / *n) : "";
  if (j.value("mode", "") == "putall") {
    b.note = fmt::format(
        "Ignite's Java thin client{}: the binary objects streamlab stored{}, read back and stored again in a fresh "
        "table made like its, ClientCache.putAll of {:.0f} rows a request, one after another; the putAlls' wall time",
        version, size, number("batch").value_or(0));
  } else {
    b.note = fmt::format(
        "IgniteDataStreamer{} (its defaults) on a client node joined to the cluster: the same binary objects into a "
        "fresh table made like streamlab's; from the first addData until close() returned",
        version);
  }
}

}  // namespace

std::vector<BaselineResult> parse_ignite_java(const std::string& out, std::uint64_t rows) {
  std::optional<nlohmann::json> put, stream;
  std::stringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    const auto start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] != '{') continue;
    auto j = nlohmann::json::parse(line.substr(start), nullptr, false);
    if (!j.is_object() || !j.contains("mode") || !j["mode"].is_string()) continue;
    if (j["mode"] == "putall")
      put = std::move(j);
    else if (j["mode"] == "streamer")
      stream = std::move(j);
  }
  std::vector<BaselineResult> out_results{{.tool = kIgnitePutAll, .measure = "store", .unit = "rows/s"},
                                          {.tool = kIgniteStreamer, .measure = "store", .unit = "rows/s"}};
  read_ignite_line(put, rows, out_results[0]);
  read_ignite_line(stream, rows, out_results[1]);
  return out_results;
}

IgniteJavaCall ignite_java_call(const std::string& uri, const std::filesystem::path& jar, const std::string& table,
                                const std::string& put_table, const std::string& stream_table, std::uint64_t rows,
                                const std::string& discovery) {
  const ignite::ClientOptions options = ignite::parse_uri(uri).client_options();
  std::string addresses;
  for (const auto& a : options.addresses) addresses += (addresses.empty() ? "" : ",") + a.to_string();
  // Ignite stores unquoted SQL names upper-cased, and the sink names its caches after them.
  const auto upper = [](std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return s;
  };
  IgniteJavaCall call;
  call.argv = {"java",
               "-Xmx2g",
               "-Djava.net.preferIPv4Stack=true",
               "-jar",
               jar.string(),
               "--addresses",
               addresses,
               "--source",
               upper(table),
               "--put-table",
               upper(put_table),
               "--rows",
               std::to_string(rows),
               "--batch",
               std::to_string(kIgniteRowsPerPutAll)};
  if (options.user) {
    call.argv.insert(call.argv.end(), {"--user", *options.user});
    call.env.emplace_back("STREAMLAB_IGNITE_PASSWORD", options.password.value_or(""));
  }
  if (options.tls.enabled) call.argv.push_back("--tls");
  if (!options.tls.ca_file.empty()) call.argv.insert(call.argv.end(), {"--cacert", options.tls.ca_file});
  // The data streamer needs a client node in the cluster's topology, joined through discovery;
  // a cluster with logins or TLS asks more of a node than of a thin client, so it is not tried.
  call.streamer = !options.user && !options.tls.enabled;
  if (call.streamer) {
    const std::string where = discovery.empty() ? options.addresses.front().host + ":47500..47509" : discovery;
    call.argv.insert(call.argv.end(), {"--streamer", "--stream-table", upper(stream_table), "--discovery", where});
    // On loopback, the client node binds there too (the local nodes listen nowhere else).
    const std::string host = where.substr(0, where.find(':'));
    if (host.rfind("127.", 0) == 0 || host == "localhost")
      call.argv.insert(call.argv.end(), {"--local-host", "127.0.0.1"});
  }
  return call;
}

std::vector<BaselineResult> ignite_java(const BaselineContext& c, const std::string& table,
                                        const std::string& put_table, const std::string& stream_table,
                                        std::uint64_t rows) {
  std::vector<BaselineResult> results{{.tool = kIgnitePutAll, .measure = "store", .unit = "rows/s"},
                                      {.tool = kIgniteStreamer, .measure = "store", .unit = "rows/s"}};
  const auto neither = [&](const std::string& why) {
    for (auto& b : results) b.note = why;
    return results;
  };
  if (!find_program("java")) return neither("java is not installed");
  // The build script prints nothing and returns at once when the jar is up to date; exit 3: no
  // JDK or Maven (it installs nothing).
  const auto build = c.project_root / "bench" / "ignite-baseline" / "build";
  if (!std::filesystem::exists(build)) return neither("missing " + build.string());
  const RunResult built = run_program({build.string()}, std::chrono::seconds(900));
  if (built.exit_code != 0) {
    std::string why = built.err;
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    if (built.exit_code == 3)
      return neither(why.substr(why.rfind('\n') == std::string::npos ? 0 : why.rfind('\n') + 1));
    return neither("bench/ignite-baseline/build " + failure(built));
  }
  IgniteJavaCall call;
  try {
    const char* discovery = std::getenv("STREAMLAB_IGNITE_DISCOVERY");
    call = ignite_java_call(c.services.ignite, c.project_root / ".local" / "ignite-baseline" / "ignite-baseline.jar",
                            table, put_table, stream_table, rows, discovery != nullptr ? discovery : "");
  } catch (const core::UsageError& e) {
    return neither(e.what());
  }
  const bool streamer = call.streamer;
  const RunResult r = run_watched(c, "ignite-java", call.argv, std::chrono::seconds(900), call.env);
  results = parse_ignite_java(r.out, rows);
  if (r.exit_code != 0 && !results[0].value && results[0].note == "no result line in its output")
    results[0].note = failure(r);
  if (!streamer) {
    results[1].note =
        "not run: the data streamer needs a client node joining the cluster through discovery, not tried with a "
        "user or TLS in the Ignite URI";
  } else if (r.exit_code != 0 && !results[1].value && results[1].note == "no result line in its output") {
    results[1].note = failure(r);
  }
  return results;
}

}  // namespace streamlab::bench
