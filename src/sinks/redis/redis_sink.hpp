#pragma once
// Redis sink (hiredis). Per message a HASH keyed by its coordinates (<prefix>:msg:<topic>:
// <partition>:<offset>, tweets and counters alike; the coordinates are in the key only, a dead
// letter's hash has them as fields too), an ordered index per topic (a list of those keys), one
// hash from each tweet id to the key of its copy stored last (<prefix>:tweet_by_id), per-hashtag
// counters in a sorted set (live trending hashtags), and the group's offsets in a hash: all of
// one batch in one MULTI/EXEC, sent pipelined, each list, the ids and each hashtag written once
// per batch. Counters and indexes are not idempotent, so the exactly-once guarantee rests on
// that atomicity, on WATCH over the offsets, and on Redis persisting what EXEC applied (AOF on;
// `deploy/local/services` runs Redis so).

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "sinks/redis/redis_connection.hpp"
#include "sinks/redis/redis_uri.hpp"
#include "sinks/sink.hpp"

namespace streamlab::sinks {

struct RedisSinkOptions {
  std::string uri;                   // redis://[[user]:password@]host[:port][/db]
  std::string prefix = "streamlab";  // every key starts with "<prefix>:"
  // A reply that takes longer counts as lost: the connection is dropped (RetryableError).
  std::chrono::milliseconds timeout = kDefaultSinkTimeout;
};

// The transaction that stores `batch` for `group`, in Redis's protocol: MULTI, each row's
// commands, the HSET of the group's offsets, EXEC; `commands` is set to how many stand between
// MULTI and EXEC. RedisSink::write sends it after its WATCH and fence check; with ?record=FILE
// it is what the file holds, one per batch Redis applied.
std::string transaction_resp(const std::string& prefix, const std::string& group, const Batch& batch,
                             std::size_t& commands);

class RedisSink final : public Sink {
 public:
  explicit RedisSink(RedisSinkOptions options);
  ~RedisSink() override;

  std::string describe() const override;
  Offsets stored_offsets(const std::string& group, const std::vector<TopicPartition>& partitions) override;
  Offsets write(const std::string& group, const Batch& batch) override;

 private:
  redis::Connection& connection();
  std::string offsets_key(const std::string& group) const;
  void record(const std::string& tx);

  RedisSinkOptions options_;
  RedisUri uri_;
  std::unique_ptr<redis::Connection> connection_;
  std::unique_ptr<std::ofstream> record_;  // ?record=FILE
};

}  // namespace streamlab::sinks
