#include "kafka/embedded_broker.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka_mock.h>

#include "core/errors.hpp"

namespace streamlab::kafka {

EmbeddedBroker::EmbeddedBroker(int brokers) {
  ConfPtr conf(rd_kafka_conf_new());
  char err[256];
  // The owner handle never connects anywhere; it only hosts the cluster's threads.
  rd_kafka_conf_set(conf.get(), "log_level", "3", err, sizeof err);
  owner_ = make_handle(RD_KAFKA_PRODUCER, std::move(conf));
  cluster_ = rd_kafka_mock_cluster_new(owner_.get(), brokers);
  if (cluster_ == nullptr) throw core::RuntimeFailure("cannot start the embedded broker");
}

EmbeddedBroker::~EmbeddedBroker() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
}

std::string EmbeddedBroker::bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

void EmbeddedBroker::create_topic(const std::string& name, int partitions) {
  const rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 1);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    throw core::RuntimeFailure(fmt::format("embedded broker: topic '{}': {}", name, rd_kafka_err2str(e)));
  }
}

}  // namespace streamlab::kafka
