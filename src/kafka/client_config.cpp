#include "kafka/client_config.hpp"

#include <fmt/format.h>

#include <sys/time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <mutex>
#include <string_view>
#include <thread>

#include "core/errors.hpp"

namespace streamlab::kafka {
namespace {

std::mutex failures_mutex;
std::map<const rd_kafka_t*, std::string> failures;  // the last connection failure of each live handle

// librdkafka's default logger's line, and a connection's failure (facility FAIL) kept.
void log_line(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  timeval now{};
  gettimeofday(&now, nullptr);
  std::fprintf(stderr, "%%%i|%lld.%03d|%s|%s| %s\n", level, static_cast<long long>(now.tv_sec),
               static_cast<int>(now.tv_usec / 1000), facility, rk != nullptr ? rd_kafka_name(rk) : "", text);
  if (rk != nullptr && std::string_view(facility) == "FAIL") {
    std::string_view failure = text;
    // "[thrd:sasl_ssl://host:port/bootstrap]: sasl_ssl://host:port/bootstrap: why": the thread's name goes.
    if (failure.starts_with("[thrd:")) {
      if (const auto end = failure.find("]: "); end != std::string_view::npos) failure.remove_prefix(end + 3);
    }
    const std::lock_guard lock(failures_mutex);
    failures[rk] = failure;
  }
}

std::string last_failure(const rd_kafka_t* rk) {
  const std::lock_guard lock(failures_mutex);
  const auto it = failures.find(rk);
  return it == failures.end() ? std::string() : it->second;
}

}  // namespace

void destroy_handle(rd_kafka_t* rk) {
  rd_kafka_destroy(rk);
  // After the destroy, which may still log: an entry left would be another handle's at this address.
  const std::lock_guard lock(failures_mutex);
  failures.erase(rk);
}

std::string resolve_brokers(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("STREAMLAB_BROKERS"); env != nullptr && *env != '\0') return env;
  return "127.0.0.1:9092";
}

std::pair<std::string, std::string> parse_property(const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw core::UsageError(fmt::format("-X expects key=value, got '{}'", arg));
  }
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

std::string choose_bootstrap(const std::string& flag, Properties& properties) {
  std::string from_properties;
  std::erase_if(properties, [&](const auto& p) {
    if (p.first != "bootstrap.servers" && p.first != "metadata.broker.list") return false;
    from_properties = p.second;  // the last one given
    return true;
  });
  if (!flag.empty()) return flag;
  return from_properties.empty() ? resolve_brokers("") : from_properties;
}

ClientOptions for_role(const ClientOptions& options, rd_kafka_type_t type) {
  // Each property's C/P column ('C', 'P' or '*'), from librdkafka's own tables.
  static const std::map<std::string, char, std::less<>> roles = [] {
    std::map<std::string, char, std::less<>> out;
    char* text = nullptr;
    std::size_t size = 0;
    if (FILE* f = open_memstream(&text, &size)) {
      rd_kafka_conf_properties_show(f);
      std::fclose(f);
    }
    std::string_view rest(text != nullptr ? text : "", size);
    while (!rest.empty()) {
      const std::string_view line = rest.substr(0, rest.find('\n'));
      rest.remove_prefix(std::min(rest.size(), line.size() + 1));
      // "name   |  C  | range ..."; the header ("| C/P |") and the rules ("---|---") are not rows.
      const std::size_t bar = line.find('|');
      const std::size_t at = bar == std::string_view::npos ? bar : line.find_first_not_of(' ', bar + 1);
      if (at == std::string_view::npos || at + 1 >= line.size() || line[at + 1] != ' ') continue;
      if (line[at] == 'C' || line[at] == 'P') out.emplace(line.substr(0, line.find(' ')), line[at]);
    }
    std::free(text);
    return out;
  }();
  const char other = type == RD_KAFKA_PRODUCER ? 'C' : 'P';
  ClientOptions out{options.brokers, {}};
  std::copy_if(options.properties.begin(), options.properties.end(), std::back_inserter(out.properties),
               [&](const auto& p) {
                 const auto it = roles.find(p.first);
                 return it == roles.end() || it->second != other;
               });
  return out;
}

ConfPtr make_conf(const ClientOptions& options, const Properties& defaults) {
  ConfPtr conf(rd_kafka_conf_new());
  char err[512];
  auto set = [&](const std::string& key, const std::string& value, const char* origin) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      throw core::UsageError(fmt::format("{} {}: {}", origin, key, err));
    }
  };
  for (const auto& [k, v] : defaults) set(k, v, "property");
  set("bootstrap.servers", options.brokers, "brokers");
  for (const auto& [k, v] : options.properties) set(k, v, "-F/-X");
  rd_kafka_conf_set_log_cb(conf.get(), log_line);
  return conf;
}

HandlePtr make_handle(rd_kafka_type_t type, ConfPtr conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err, sizeof err);
  if (rk == nullptr) throw core::UsageError(fmt::format("cannot create Kafka client: {}", err));
  (void)conf.release();  // rd_kafka_new took ownership
  return HandlePtr(rk);
}

void require_reachable(rd_kafka_t* rk, const std::string& brokers) {
  // Asked in slices, so that a refusal no retry will mend ends the wait at once: the cluster
  // answered, and said no (a password, a certificate). librdkafka's guess of a plaintext client
  // at a TLS listener is not one: a broker starting, or a proxy whose broker is down, drops the
  // connection the same way, so it waits its 10 s and then names the guess.
  constexpr std::string_view kRefusals[] = {"SASL authentication error", "certificate verify failed"};
  constexpr auto kSlice = std::chrono::milliseconds(500);
  const auto deadline = std::chrono::steady_clock::now() + kConnectTimeout;
  for (;;) {
    const auto slice_end = std::chrono::steady_clock::now() + kSlice;
    const struct rd_kafka_metadata* md = nullptr;
    const rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, nullptr, &md, static_cast<int>(kSlice.count()));
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(md);
      return;
    }
    const std::string failure = last_failure(rk);
    const bool refused = std::any_of(std::begin(kRefusals), std::end(kRefusals),
                                     [&](std::string_view r) { return failure.find(r) != std::string::npos; });
    if (refused) throw core::RuntimeFailure(fmt::format("Kafka at {} refused this client: {}", brokers, failure));
    if (std::chrono::steady_clock::now() >= deadline) {
      throw core::RuntimeFailure(fmt::format("cannot reach Kafka at {} within {} s: {}", brokers,
                                             kConnectTimeout.count(), failure.empty() ? rd_kafka_err2str(e) : failure));
    }
    std::this_thread::sleep_until(slice_end);  // a request that failed at once is not repeated at once
  }
}

}  // namespace streamlab::kafka
