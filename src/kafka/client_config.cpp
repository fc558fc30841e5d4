#include "kafka/client_config.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "core/errors.hpp"

namespace streamlab::kafka {

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
  const struct rd_kafka_metadata* md = nullptr;
  const auto timeout_ms =
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(kConnectTimeout).count());
  const rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, nullptr, &md, timeout_ms);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw core::RuntimeFailure(
        fmt::format("cannot reach Kafka at {} within {} s: {}", brokers, kConnectTimeout.count(), rd_kafka_err2str(e)));
  }
  rd_kafka_metadata_destroy(md);
}

}  // namespace streamlab::kafka
