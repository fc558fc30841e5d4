#pragma once
// RAII over a librdkafka group consumer. Where a partition starts is decided on its first
// assignment (beginning, end, or the group's committed offset) unless the listener says; after
// a rebalance hands a partition back, it continues from the committed offset.
//
// Group timeouts: a member killed without leaving holds its partitions until its session
// times out (and one killed while joining is handed partitions once more before it does), and
// a rebalance waits up to the members' rebalance timeout (max.poll.interval.ms) for each member
// to rejoin. The defaults here (session 6 s, the broker's smallest by default; heartbeat 1 s;
// rebalance 30 s) make a restart after three crashes take seconds (measured 3-9 s; 17 s with a
// 10 s session, over 65 s with librdkafka's 45 s and 300 s). The price: a member whose
// heartbeats cannot reach the broker for 6 s, or that cannot poll for 30 s (a hung write), is
// put out of the group and rejoins — nothing is lost or stored twice, but consumption pauses.
// Over a slow network raise them with -X session.timeout.ms=… / max.poll.interval.ms=…. Both protocols work: eager (the
// default, range,roundrobin) and cooperative
// (`-X partition.assignment.strategy=cooperative-sticky`, incremental assign/unassign).
// Static membership (group.instance.id) gives a restarted member its partitions back at once.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kafka/client_config.hpp"
#include "kafka/client_stats.hpp"
#include "kafka/consumer_control.hpp"

namespace streamlab::kafka {

enum class StartFrom { Beginning, End, Stored };

struct GroupOptions {
  std::string group;
  std::vector<std::string> topics;
  StartFrom from = StartFrom::Stored;
  std::string instance_id;  // static membership (group.instance.id); empty = dynamic
};

// How far this member has read an assigned partition.
struct ReadProgress {
  std::int64_t read_to = kNoOffset;  // one past the last message returned, or the end reached
  bool at_end = false;               // the last thing seen was the partition's end
  bool paused = false;               // by pause(), until resume()
};

class Consumer final : public ConsumerControl {
 public:
  // With a listener, offsets are committed only through commit_async(): whoever stores the
  // messages decides when they count as consumed.
  Consumer(const ClientOptions& options, GroupOptions group, RebalanceListener* listener = nullptr);
  ~Consumer() override;
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Throws RuntimeFailure on a fatal consumer error. Partition ends are not returned as
  // messages; they show in progress().
  std::size_t poll(std::vector<Message>& out, std::size_t max, std::chrono::milliseconds timeout) override;
  void pause(const std::vector<TopicPartition>& partitions) override;
  void resume(const std::vector<TopicPartition>& partitions) override;
  void seek(const TopicPartition& partition, std::int64_t offset) override;
  void commit_async(const Offsets& next_offsets) override;
  std::uint64_t generation() const override { return generation_; }
  void wake() override;

  // Every partition assigned to this member now, with how far it has been read.
  const std::map<TopicPartition, ReadProgress>& progress() const { return progress_; }
  // The group's committed offsets of these partitions (absent: none), asked of the coordinator.
  // Throws RuntimeFailure when it does not answer.
  Offsets committed(const std::vector<TopicPartition>& partitions);
  // How many assignments this member has received.
  std::uint64_t assignments() const { return assignments_; }
  bool cooperative() const;

  // Leaves the group (committing what was consumed, without a listener); idempotent.
  void close();
  rd_kafka_t* handle() const { return rk_.get(); }
  // Retries and leader changes, from librdkafka's statistics (served by poll).
  StatsWatch& stats_watch() { return stats_; }

 private:
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* opaque);
  void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts);
  std::int64_t first_start(const TopicPartition& tp);
  // librdkafka 2.0.2 turns a logical start (BEGINNING, END) into an offset on its main thread;
  // when that runs before the partition's broker thread has taken the partition in, it finds no
  // leader and asks again 500 ms later, and that request then waits behind a fetch's long poll:
  // one partition of a fresh assignment started up to a second after the others (a backlog's
  // drain at half its rate in three runs of four). Resolved here, in one ListOffsets request per
  // broker, librdkafka is handed offsets it can fetch from at once; unanswered, they stay logical.
  void resolve_logical_starts(rd_kafka_topic_partition_list_t* parts);
  // The entry of an assigned partition, or null; remembers the last one (messages come in runs).
  ReadProgress* progress_of(std::string_view topic, std::int32_t partition);
  void mark_paused(const std::vector<TopicPartition>& partitions, bool paused);
  // librdkafka 2.0.2's fetcher, once every partition's prefetch queue is over queued.min.messages
  // or queued.max.messages.kbytes, sleeps up to a second before it looks again (2.1 made that
  // fetch.queue.backoff.ms): an application slower than the fetch but faster than that second
  // then idles between refills (a drain of 160,000 tweets: 50,000 a second; 122,000 with this).
  // Called when the queue is empty while a partition has more to read on the broker, a request
  // to the leader of one such partition (its watermarks) wakes the fetcher at once; at most
  // every 10 ms, and once a second after an answer that was slow or did not come.
  void nudge_fetcher();
  // Sends the offsets commit_async() was given since the last send, in one request (when
  // `only_if_due`, not before 200 ms have passed since the last send).
  void send_commits(bool only_if_due = false);

  StartFrom from_;
  RebalanceListener* listener_;
  HandlePtr rk_;
  std::set<TopicPartition> started_;  // partitions assigned before
  std::map<TopicPartition, ReadProgress> progress_;
  std::map<TopicPartition, ReadProgress>::iterator last_ = progress_.end();
  bool closed_ = false;
  bool closing_ = false;              // inside rd_kafka_consumer_close
  mutable bool cooperative_ = false;  // the group's rebalance protocol as last known
  std::uint64_t assignments_ = 0;
  std::uint64_t generation_ = 0;
  std::chrono::steady_clock::time_point next_nudge_{};
  Offsets to_commit_;  // the latest given per partition, not sent yet
  std::chrono::steady_clock::time_point next_commit_{};
  std::size_t nudge_turn_ = 0;
  StatsWatch stats_;
};

}  // namespace streamlab::kafka
