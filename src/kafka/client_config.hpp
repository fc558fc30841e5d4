#pragma once
// What every Kafka client of streamlab is built from: the brokers and librdkafka properties,
// the way kcat takes them (-b, -X key=value, -F files: properties_file.hpp). Properties the user
// gives win over our defaults.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kafka/properties_file.hpp"

namespace streamlab::kafka {

struct ClientOptions {
  std::string brokers;    // bootstrap list, already resolved (see resolve_brokers)
  Properties properties;  // from -X, applied last
};

constexpr const char* kEmbeddedBrokers = "embedded";
constexpr std::chrono::seconds kConnectTimeout{10};

// `flag` if given, else $STREAMLAB_BROKERS, else 127.0.0.1:9092.
std::string resolve_brokers(const std::string& flag);

// "key=value" → pair; throws UsageError naming the bad argument.
std::pair<std::string, std::string> parse_property(const std::string& arg);

// The bootstrap list: -b when given, else one the properties set (bootstrap.servers or
// metadata.broker.list, from -F or -X; taken out of `properties`), else resolve_brokers("").
std::string choose_bootstrap(const std::string& flag, Properties& properties);

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

// Destroys the handle, and forgets what its connections failed of (require_reachable).
void destroy_handle(rd_kafka_t* rk);
struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { destroy_handle(rk); }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;

// `options` for a client of `type` that works beside the command's own (the dead letters'
// producer of consume, the admin client that finds the ends of topics): without the properties
// librdkafka applies only to the other type (the C/P column of its configuration table, read
// from the library), which it would otherwise warn it ignores.
ClientOptions for_role(const ClientOptions& options, rd_kafka_type_t type);

// Builds a configuration from `defaults`, then the brokers, then the user's properties.
// Throws UsageError naming the property librdkafka rejected. librdkafka's log lines go to stderr
// as its own logger writes them; a connection's failure among them is also kept for the handle.
ConfPtr make_conf(const ClientOptions& options, const Properties& defaults);

// Creates the client handle; takes ownership of `conf`.
HandlePtr make_handle(rd_kafka_type_t type, ConfPtr conf);

// Throws RuntimeFailure when no broker answers a metadata request within kConnectTimeout,
// so an unreachable cluster is a clear error instead of a hang. The error gives the last
// connection failure librdkafka logged (refused, a SASL authentication error, a certificate
// not verified, a plaintext client at a TLS listener), not only "Broker transport failure"; the
// first two end the wait as soon as librdkafka logs them.
void require_reachable(rd_kafka_t* rk, const std::string& brokers);

}  // namespace streamlab::kafka
