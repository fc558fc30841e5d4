// SinkRunner against scripted fakes (sink_runner_fakes.hpp): each loss path found by reading
// the old code has a scripted case, and seeded random schedules (messages, rebalances among
// 1–3 members under both protocols, outages, lost replies, stalled members, kills and
// restarts) check the invariant after every schedule: every offset of every partition stored
// exactly once, and each partition's stored offset one past its last record.

#include <gtest/gtest.h>

#include <cstdlib>

#include "sinks/sink_runner.hpp"
#include "unit/sinks/sink_runner_fakes.hpp"

namespace streamlab::testing {
namespace {

using namespace std::chrono_literals;
using sinks::SinkRunner;
using sinks::SinkRunnerOptions;

constexpr const char* kTopic = "t";

TopicPartition tp(int p) { return {kTopic, p}; }

// One group member: its consumer, its client of the shared store, its runner; pipelined, its
// writes end when the test says (writer->complete()) or the runner waits for them.
struct Member {
  Member(FakeCluster& cluster, FakeStore& store, core::FakeClock& clock, std::uint64_t seed,
         std::size_t batch_rows = 20, bool pipelined = false, std::size_t batch_bytes = 1 << 20,
         std::chrono::milliseconds batch_time = 20ms)
      : consumer(cluster, clock, seed),
        sink(store),
        writer(pipelined ? new DeferredWriter : nullptr),
        runner(sink,
               SinkRunnerOptions{.group = "g",
                                 .batch_rows = batch_rows,
                                 .batch_bytes = batch_bytes,
                                 .batch_time = batch_time,
                                 .first_backoff = 10ms,
                                 .max_backoff = 200ms},
               nullptr, &clock, std::unique_ptr<sinks::BatchWriter>(writer)) {
    consumer.set_listener(&runner);
    runner.attach(consumer);
    sink.writer = writer;
  }
  // One turn of `consume`'s loop: poll, hand every message to the runner, tick.
  void step() {
    std::vector<kafka::Message> polled;
    consumer.poll(polled, 100, 100ms);
    runner.add(polled);
    runner.tick();
  }
  FakeConsumer consumer;
  FakeSink sink;
  DeferredWriter* writer;  // owned by the runner; null: writes run inline
  SinkRunner runner;
};

// Every record of every partition stored exactly once, offsets one past the last record.
void expect_exactly_once(const FakeCluster& cluster, const FakeStore& store, const std::string& context = "") {
  EXPECT_TRUE(store.violations.empty()) << context << store.violations.front();
  for (const auto& [part, log] : cluster.logs) {
    const auto it = store.stored.find(part);
    std::size_t missing = 0;
    std::string first;
    for (const auto& r : log) {
      const int times = it == store.stored.end() || !it->second.count(r.offset) ? 0 : it->second.at(r.offset);
      if (times != 1 && missing++ < 5) first += " " + std::to_string(r.offset) + "×" + std::to_string(times);
    }
    EXPECT_EQ(missing, 0u) << context << "partition " << part.partition
                           << ": records not stored exactly once:" << first;
    if (!log.empty()) {
      ASSERT_TRUE(store.offsets.count(part)) << context << "partition " << part.partition << " has no stored offset";
      EXPECT_EQ(store.offsets.at(part), cluster.end(part)) << context << "partition " << part.partition;
    }
  }
}

bool drained(const FakeCluster& cluster, const FakeStore& store) {
  for (const auto& [part, log] : cluster.logs) {
    if (log.empty()) continue;
    const auto it = store.offsets.find(part);
    if (it == store.offsets.end() || it->second != cluster.end(part)) return false;
  }
  return true;
}

class SinkRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override { cluster.create(kTopic, 2); }
  void fill(int partition, int n) {
    for (int i = 0; i < n; ++i) cluster.append(tp(partition));
  }
  void assign_partition_1_while_writing(Member& m);
  void run_until_drained(Member& m, int max_steps = 2000) {
    for (int i = 0; i < max_steps && !drained(cluster, store); ++i) m.step();
    m.runner.flush();
  }
  FakeCluster cluster;
  FakeStore store;
  core::FakeClock clock;
};

TEST_F(SinkRunnerTest, StoresEveryRecordOnceAcrossGapsInTheLog) {
  for (int i = 0; i < 200; ++i) cluster.append(tp(i % 2), i % 7 == 0 ? 3 : 0);
  Member m(cluster, store, clock, 1);
  m.consumer.queue({true, {tp(0), tp(1)}});
  run_until_drained(m);
  expect_exactly_once(cluster, store);
}

TEST_F(SinkRunnerTest, MalformedMessagesBecomeDeadLettersInOrder) {
  fill(0, 10);
  cluster.append(tp(0), 0, std::string("{not json"));
  fill(0, 10);
  Member m(cluster, store, clock, 2);
  m.consumer.queue({true, {tp(0), tp(1)}});
  run_until_drained(m);
  expect_exactly_once(cluster, store);
  EXPECT_EQ(store.dead_letters, 1u);
  EXPECT_EQ(m.runner.stats().dead_letters, 1u);
  EXPECT_EQ(m.runner.stats().rows, 20u);
}

// A batch ends at --batch-rows rows or once its payloads reach --batch-mb, whichever comes
// first: 30-byte messages and a 100-byte limit give batches of 4 (the fourth crosses it).
TEST_F(SinkRunnerTest, ABatchEndsOnceItsPayloadsReachTheByteLimit) {
  for (int i = 0; i < 50; ++i) cluster.append(tp(0), 0, std::string(30, 'x'));
  Member m(cluster, store, clock, 5, /*batch_rows=*/1000, /*pipelined=*/false, /*batch_bytes=*/100);
  m.consumer.queue({true, {tp(0)}});
  run_until_drained(m);
  expect_exactly_once(cluster, store);
  ASSERT_FALSE(m.sink.batch_rows.empty());
  for (std::size_t i = 0; i + 1 < m.sink.batch_rows.size(); ++i) EXPECT_EQ(m.sink.batch_rows[i], 4u) << i;
  EXPECT_LE(m.sink.batch_rows.back(), 4u);
  EXPECT_EQ(m.runner.stats().rows + m.runner.stats().dead_letters, 50u);
}

// The old runner took messages polled before a rebalance after it had re-seeked their
// partition to the stored offset, so the next write skipped the rows in between.
TEST_F(SinkRunnerTest, MessagesPolledBeforeARebalanceAreDroppedAsStale) {
  fill(0, 100);
  Member m(cluster, store, clock, 3, /*batch_rows=*/10);
  m.consumer.max_per_poll = 30;
  m.consumer.queue({true, {tp(0), tp(1)}});
  std::vector<kafka::Message> early;
  while (early.empty()) m.consumer.poll(early, 30, 1ms);
  // The group rebalances before the loop hands these on: revoked, then given back.
  m.consumer.queue({false, {tp(0), tp(1)}});
  m.consumer.queue({true, {tp(0), tp(1)}});
  std::vector<kafka::Message> none;
  m.consumer.poll(none, 0, 1ms);
  const auto skipped_before = m.runner.stats().skipped_rows;
  const auto n = early.size();
  m.runner.add(early);
  EXPECT_EQ(m.runner.stats().skipped_rows - skipped_before, n);
  run_until_drained(m);
  expect_exactly_once(cluster, store);
}

// Attempt 1 is applied but its reply is lost; attempt 2 is fenced. The old runner dropped the
// partition's rows consumed meanwhile (above the stored offset) without rewinding: lost.
TEST_F(SinkRunnerTest, LostReplyKeepsTheRowsBeyondWhatWasStored) {
  fill(0, 300);
  Member m(cluster, store, clock, 4, /*batch_rows=*/50);
  m.sink.failures = {FakeSink::Fail::LoseReply};
  m.consumer.queue({true, {tp(0), tp(1)}});
  run_until_drained(m);
  expect_exactly_once(cluster, store);
  EXPECT_GE(m.runner.stats().fences, 1u);
  EXPECT_EQ(m.consumer.seeks, 0) << "what was buffered continues the stored rows; no re-read needed";
}

// A sink without one transaction for the whole batch stores one partition, then fails: the
// next attempt finds that partition fenced at the batch's end and stores only the others.
TEST_F(SinkRunnerTest, AWriteThatStoredSomePartitionsBeforeFailingIsFinishedWithoutDuplicates) {
  fill(0, 300);
  Member m(cluster, store, clock, 4, /*batch_rows=*/50);
  m.sink.failures = {FakeSink::Fail::Partial};
  m.consumer.queue({true, {tp(0), tp(1)}});
  run_until_drained(m);
  expect_exactly_once(cluster, store);
  EXPECT_EQ(m.runner.stats().retries, 1u);
  EXPECT_GE(m.runner.stats().fences, 1u);
  EXPECT_EQ(m.consumer.seeks, 0) << "the stored partition's rows are dropped, the others kept";
}

// A member that stalled past its session keeps writing what it had. Its compare-and-set
// fails once the new owner stored, and it takes the sink's offset as the truth.
TEST_F(SinkRunnerTest, AStalledMemberIsFencedByTheNewOwnersWrites) {
  fill(0, 200);
  Member a(cluster, store, clock, 5, 10), b(cluster, store, clock, 6, 10);
  a.consumer.queue({true, {tp(0), tp(1)}});
  for (int i = 0; i < 3; ++i) a.step();
  a.runner.flush();
  a.consumer.hold_events(true);  // a does not notice it lost the partitions
  a.consumer.queue({false, {tp(0), tp(1)}});
  b.consumer.queue({true, {tp(0), tp(1)}});
  for (int i = 0; i < 5; ++i) b.step();
  b.runner.flush();
  for (int i = 0; i < 5; ++i) a.step();  // zombie writes
  a.runner.flush();
  EXPECT_GE(a.runner.stats().fences + b.runner.stats().fences, 1u);
  a.consumer.hold_events(false);
  a.step();
  EXPECT_TRUE(a.consumer.assignment().empty());
  run_until_drained(b);
  expect_exactly_once(cluster, store);
}

// The old runner retried the sink inside the rebalance callback for the whole outage.
TEST_F(SinkRunnerTest, AnAssignmentDuringAnOutageWaitsPausedInsteadOfBlocking) {
  fill(0, 50);
  store.offsets[tp(0)] = 0;  // stored before; the new assignment must start from the store
  for (auto& r : cluster.logs.at(tp(0))) {
    if (r.offset < 20) store.stored[tp(0)][r.offset] = 1;
  }
  store.offsets[tp(0)] = 20;
  Member m(cluster, store, clock, 7);
  m.sink.down = true;
  m.consumer.queue({true, {tp(0), tp(1)}});
  m.step();
  EXPECT_LE(m.sink.calls, 2) << "asked once inside the callback, then left for later";
  EXPECT_TRUE(m.consumer.paused(tp(0)));
  EXPECT_FALSE(m.runner.settled());
  for (int i = 0; i < 20; ++i) m.step();
  EXPECT_EQ(m.runner.stats().rows, 0u);
  m.sink.down = false;
  run_until_drained(m);
  expect_exactly_once(cluster, store);
  EXPECT_EQ(m.runner.stats().rows, 30u);
  EXPECT_TRUE(m.runner.settled());
}

TEST_F(SinkRunnerTest, RetriesThroughAnOutageWithConsumptionPaused) {
  fill(0, 100);
  fill(1, 100);
  Member m(cluster, store, clock, 8);
  m.consumer.queue({true, {tp(0), tp(1)}});
  m.step();
  m.sink.failures = {FakeSink::Fail::Retryable, FakeSink::Fail::Retryable, FakeSink::Fail::Retryable};
  run_until_drained(m);
  expect_exactly_once(cluster, store);
  EXPECT_EQ(m.runner.stats().retries, 3u);
}

TEST_F(SinkRunnerTest, AFatalErrorStopsWithNothingOfTheBatchStored) {
  fill(0, 10);
  Member m(cluster, store, clock, 9);
  m.consumer.queue({true, {tp(0), tp(1)}});
  m.sink.failures = {FakeSink::Fail::Retryable};  // the assignment's read: retried later
  m.step();
  m.sink.failures = {FakeSink::Fail::Fatal};
  EXPECT_THROW(
      {
        for (int i = 0; i < 100; ++i) {
          m.step();
          m.runner.flush();
        }
      },
      sinks::FatalError);
  EXPECT_EQ(store.writes, 0u);
}

TEST_F(SinkRunnerTest, AFatalErrorInsideTheRebalanceCallbackIsRethrownOnThePollingThread) {
  fill(0, 10);
  Member m(cluster, store, clock, 10);
  m.sink.failures = {FakeSink::Fail::Fatal};
  m.consumer.queue({true, {tp(0), tp(1)}});
  EXPECT_THROW(m.step(), sinks::FatalError);
}

// An in-memory store restarted empty: no offset where one was expected. It goes on from
// where it is instead of stopping or re-reading.
TEST_F(SinkRunnerTest, AStoreThatLostItsOffsetsIsWrittenOnFromHere) {
  fill(0, 100);
  Member m(cluster, store, clock, 11, 10);
  m.consumer.queue({true, {tp(0), tp(1)}});
  for (int i = 0; i < 3; ++i) m.step();
  m.runner.flush();
  const std::int64_t had = store.offsets.at(tp(0));
  store = FakeStore{};
  run_until_drained(m);
  EXPECT_TRUE(store.violations.empty());
  EXPECT_EQ(store.offsets.at(tp(0)), cluster.end(tp(0)));
  EXPECT_EQ(static_cast<std::int64_t>(store.stored[tp(0)].size()), cluster.end(tp(0)) - had);
}

// Cooperative rebalancing revokes only what moves: rows of the partitions kept stay buffered.
TEST_F(SinkRunnerTest, ACooperativeRevocationDropsOnlyTheRevokedPartitionsRows) {
  fill(0, 10);
  fill(1, 10);
  Member m(cluster, store, clock, 12, /*batch_rows=*/1000);
  m.consumer.queue({true, {tp(0), tp(1)}});
  for (int i = 0; i < 10 && m.runner.open_rows() < 20; ++i) {
    std::vector<kafka::Message> polled;
    m.consumer.poll(polled, 100, 1ms);
    m.runner.add(polled);
  }
  ASSERT_EQ(m.runner.open_rows(), 20u);
  m.consumer.queue({false, {tp(1)}});
  std::vector<kafka::Message> none;
  m.consumer.poll(none, 0, 1ms);
  EXPECT_EQ(m.runner.open_rows(), 10u);
  m.runner.flush();
  EXPECT_EQ(store.stored[tp(0)].size(), 10u);
  EXPECT_EQ(store.stored.count(tp(1)), 0u);
}

// ---- pipelined: batch n is written while batch n+1 is polled and built ----

// Steps until the member's write of its first batch has started and not ended.
void until_writing(Member& m) {
  for (int i = 0; i < 100 && !m.writer->busy_elsewhere(); ++i) m.step();
  ASSERT_TRUE(m.writer->busy_elsewhere());
}

TEST_F(SinkRunnerTest, AWriteThatFailsWhileTheNextBatchIsBuiltIsRetriedBeforeIt) {
  fill(0, 100);
  Member m(cluster, store, clock, 13, /*batch_rows=*/10, /*pipelined=*/true);
  m.consumer.queue({true, {tp(0), tp(1)}});
  until_writing(m);
  m.sink.failures = {FakeSink::Fail::Retryable};
  const auto writes = store.writes;
  const std::size_t writing = m.runner.open_rows();
  std::vector<kafka::Message> polled;
  while (polled.empty()) m.consumer.poll(polled, 5, 1ms);  // fewer than a batch: nothing waits
  m.runner.add(polled);
  EXPECT_GT(m.runner.open_rows(), writing) << "the next batch is built while the first is written";
  m.writer->complete();  // this batch fails
  EXPECT_EQ(store.writes, writes);
  run_until_drained(m);
  expect_exactly_once(cluster, store);
  EXPECT_EQ(m.runner.stats().retries, 1u);
}

// The write ends while a poll's messages are queued: the next batch, of what was queued up to
// then, starts at once rather than after the rest of the poll.
TEST_F(SinkRunnerTest, AWriteThatEndsWhileAPollIsQueuedIsFollowedAtOnceByTheNextBatch) {
  fill(0, 100);
  Member m(cluster, store, clock, 16, /*batch_rows=*/10, /*pipelined=*/true, 1 << 20, /*batch_time=*/0ms);
  m.consumer.queue({true, {tp(0)}});
  until_writing(m);
  const std::size_t writes = m.sink.batch_rows.size();
  const std::size_t open = m.runner.open_rows();  // the batch being written, and a queue
  std::vector<kafka::Message> polled;
  while (polled.size() < 8) m.consumer.poll(polled, 8 - polled.size(), 1ms);  // fewer than a batch
  int asked = 0;
  m.writer->ends_when_asked = [&asked] { return ++asked == 3; };  // after the third message is queued
  m.runner.add(polled);
  ASSERT_EQ(m.sink.batch_rows.size(), writes + 1) << "the write ended";
  EXPECT_TRUE(m.writer->busy_elsewhere()) << "and the next one started";
  const std::size_t written = m.sink.batch_rows.back();
  EXPECT_EQ(m.runner.open_rows(), open - written + 8);
  m.writer->ends_when_asked = nullptr;
  m.writer->complete();
  EXPECT_EQ(m.sink.batch_rows.back(), open - written + 3) << "what was queued when the write ended";
  run_until_drained(m);
  expect_exactly_once(cluster, store);
}

// The member loses its partitions while its write runs; the new owner reads the offsets before
// that write lands, so its own first write is fenced and adopts what the old owner stored.
TEST_F(SinkRunnerTest, ARebalanceWhileAWriteRunsLeavesItsPartitionsToTheNewOwner) {
  fill(0, 60);
  Member a(cluster, store, clock, 14, 10, true), b(cluster, store, clock, 15, 10, true);
  a.consumer.queue({true, {tp(0), tp(1)}});
  until_writing(a);
  a.consumer.queue({false, {tp(0), tp(1)}});
  b.consumer.queue({true, {tp(0), tp(1)}});
  std::vector<kafka::Message> none;
  a.consumer.poll(none, 0, 1ms);  // serves the revocation; the write goes on
  EXPECT_TRUE(a.writer->busy_elsewhere());
  b.step();
  a.writer->complete();
  a.step();
  EXPECT_GT(a.runner.stats().rows, 0u) << "stored, though no longer its partitions";
  EXPECT_TRUE(a.runner.settled());
  run_until_drained(b);
  expect_exactly_once(cluster, store);
  EXPECT_GE(a.runner.stats().fences + b.runner.stats().fences, 1u) << "one of the two writes came second";
}

// Partition 0 is being written (40 records) when partition 1 (40, the first 10 stored) is
// assigned to `m`, a pipelined member.
void SinkRunnerTest::assign_partition_1_while_writing(Member& m) {
  fill(0, 40);
  fill(1, 40);
  store.offsets[tp(1)] = 10;
  for (const auto& r : cluster.logs.at(tp(1))) {
    if (r.offset < 10) store.stored[tp(1)][r.offset] = 1;
  }
  m.consumer.queue({true, {tp(0)}});
  until_writing(m);
  m.consumer.queue({true, {tp(1)}});
  std::vector<kafka::Message> none;
  m.consumer.poll(none, 0, 1ms);
}

// The seek of a partition assigned while a write ran fails once (librdkafka mid-rebalance):
// the partition waits paused and is positioned again later, and nothing is lost or repeated.
TEST_F(SinkRunnerTest, ASeekTheConsumerRefusesIsTriedAgainWithThePartitionPaused) {
  Member m(cluster, store, clock, 17, 10, true);
  assign_partition_1_while_writing(m);
  m.consumer.failing_seeks = 1;
  m.writer->complete();
  m.step();
  EXPECT_TRUE(m.consumer.paused(tp(1))) << "not positioned: it must not be read from where it was";
  EXPECT_FALSE(m.runner.settled());
  for (int i = 0; i < 200 && !drained(cluster, store); ++i) {
    m.step();
    m.writer->complete();
  }
  m.runner.flush();
  expect_exactly_once(cluster, store);
  EXPECT_FALSE(m.consumer.paused(tp(1)));
}

// The sink is the writer's while it writes: a partition assigned meanwhile waits paused, and
// its stored offset is read once the write is over.
TEST_F(SinkRunnerTest, APartitionAssignedWhileAWriteRunsWaitsPausedForIt) {
  Member m(cluster, store, clock, 16, 10, true);
  assign_partition_1_while_writing(m);
  EXPECT_TRUE(m.consumer.paused(tp(1)));
  EXPECT_FALSE(m.runner.settled());
  m.writer->complete();
  m.step();
  EXPECT_FALSE(m.consumer.paused(tp(1)));
  run_until_drained(m);
  expect_exactly_once(cluster, store);
}

// ---- seeded random schedules ----

struct Schedule {
  explicit Schedule(std::uint64_t seed) : rng(seed), seed(seed) {
    cluster.create(kTopic, 1 + static_cast<int>(rng() % 4));
    cooperative = rng() % 2 == 0;
  }

  std::mt19937_64 rng;
  std::uint64_t seed;
  FakeCluster cluster;
  FakeStore store;
  core::FakeClock clock;
  bool cooperative;
  std::vector<std::unique_ptr<Member>> members;           // null: killed, still in the group
  std::map<std::size_t, std::set<TopicPartition>> given;  // the coordinator's view
  bool in_step = false;
  std::uint64_t next_member_seed = 1;

  bool chance(int percent) { return static_cast<int>(rng() % 100) < percent; }

  void produce(int n) {
    const auto parts = cluster.partitions();
    for (int i = 0; i < n; ++i) {
      const auto& part = parts[rng() % parts.size()];
      if (chance(3)) {
        cluster.append(part, 0, std::string("{oops"));
      } else {
        cluster.append(part, chance(5) ? 1 + static_cast<std::int64_t>(rng() % 3) : 0);
      }
    }
  }

  void add_member() {
    const std::size_t batch_rows = 1 + rng() % 40;
    const bool pipelined = chance(50);
    const std::size_t batch_bytes = chance(30) ? 20 + rng() % 400 : 1 << 20;  // counters: ~15 bytes each
    const auto batch_time = chance(50) ? 0ms : 20ms;                          // consume's default, and a --batch-ms
    members.push_back(std::make_unique<Member>(cluster, store, clock, seed * 1000 + next_member_seed++, batch_rows,
                                               pipelined, batch_bytes, batch_time));
    Member& m = *members.back();
    m.consumer.max_per_poll = 1 + rng() % 60;
    if (m.writer != nullptr) m.writer->ends_when_asked = [this] { return chance(10); };
    // Every poll may interleave what the outside world does, even inside a write's retries,
    // and a pipelined member's write may end there (as its thread would, at any moment).
    m.consumer.on_poll = [this, &m] {
      if (chance(5)) outside_world();
      if (m.sink.down && chance(10)) m.sink.down = false;
      if (m.writer != nullptr && chance(30)) m.writer->complete();
    };
  }

  // At most two batches open (the one being written, the one being built) and one poll's worth.
  void check_bounded(const Member& m) {
    const std::size_t bound = 2 * m.runner.batch_rows() + m.consumer.max_per_poll + 3 * cluster.partitions().size();
    if (m.runner.open_rows() > bound) {
      store.violations.push_back("open rows " + std::to_string(m.runner.open_rows()) + " above " +
                                 std::to_string(bound));
    }
  }

  // The coordinator hands the partitions out again among the members still in the group.
  void rebalance(bool drop_dead) {
    std::vector<std::size_t> live;
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (members[i] || !drop_dead) live.push_back(i);
    }
    std::map<std::size_t, std::set<TopicPartition>> next;
    for (auto i : live) next[i];
    if (!live.empty()) {
      for (const auto& part : cluster.partitions()) next[live[rng() % live.size()]].insert(part);
    }
    for (auto& [i, old] : given) {
      if (!members[i]) continue;
      const auto& now = next[i];
      std::vector<TopicPartition> revoked, added;
      for (const auto& p : old) {
        if (!cooperative || !now.count(p)) revoked.push_back(p);
      }
      if (!revoked.empty()) members[i]->consumer.queue({false, revoked});
    }
    for (auto& [i, now] : next) {
      if (!members[i]) continue;
      const auto& old = given[i];
      std::vector<TopicPartition> added;
      for (const auto& p : now) {
        if (!cooperative || !old.count(p)) added.push_back(p);
      }
      if (!added.empty() || !cooperative) members[i]->consumer.queue({true, added});
    }
    given = next;
  }

  void outside_world() {
    if (chance(20)) produce(1 + static_cast<int>(rng() % 10));
    if (chance(2)) rebalance(chance(50));
    if (chance(2) && !members.empty()) {
      if (auto& m = members[rng() % members.size()]) {
        constexpr FakeSink::Fail kFailures[] = {FakeSink::Fail::LoseReply, FakeSink::Fail::Retryable,
                                                FakeSink::Fail::Partial};
        m->sink.failures.push_back(kFailures[rng() % 3]);
      }
    }
    if (chance(2) && !members.empty()) {
      if (auto& m = members[rng() % members.size()]) ++m->consumer.failing_seeks;
    }
  }

  void run(int actions) {
    add_member();
    rebalance(false);
    for (int a = 0; a < actions; ++a) {
      const int what = static_cast<int>(rng() % 100);
      if (what < 70) {
        if (members.empty()) continue;
        if (auto& m = members[rng() % members.size()]) {
          m->step();
          check_bounded(*m);
        }
      } else if (what < 80) {
        outside_world();
      } else if (what < 84 && members.size() < 3) {
        add_member();
        rebalance(false);
      } else if (what < 87 && !members.empty()) {
        members[rng() % members.size()].reset();  // SIGKILL: what it buffered is gone
      } else if (what < 90) {
        rebalance(true);  // the dead are timed out of the group
      } else if (what < 93 && !members.empty()) {
        if (auto& m = members[rng() % members.size()]) m->consumer.hold_events(chance(50));
      } else if (what < 96 && !members.empty()) {
        if (auto& m = members[rng() % members.size()]) m->sink.down = chance(50);
      } else {
        produce(static_cast<int>(rng() % 50));
      }
      for (auto& m : members) {
        if (m && m->sink.down && chance(10)) m->sink.down = false;
      }
    }
    heal_and_drain();
  }

  void heal_and_drain() {
    for (auto& m : members) {
      if (m) {
        m->consumer.hold_events(false);
        m->sink.down = false;
        m->sink.failures.clear();
      }
    }
    if (std::none_of(members.begin(), members.end(), [](const auto& m) { return m != nullptr; })) add_member();
    rebalance(true);
    for (int i = 0; i < 20000 && !drained(cluster, store); ++i) {
      for (auto& m : members) {
        if (m) m->step();
      }
    }
    for (auto& m : members) {
      if (m) m->runner.flush();
    }
  }
};

std::uint64_t schedule_count() {
  const char* env = std::getenv("STREAMLAB_SCHEDULES");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 2000;
}

TEST(SinkRunnerSchedules, EveryOffsetIsStoredExactlyOnce) {
  const std::uint64_t first =
      std::getenv("STREAMLAB_SEED") ? std::strtoull(std::getenv("STREAMLAB_SEED"), nullptr, 10) : 1;
  const std::uint64_t n = std::getenv("STREAMLAB_SEED") ? 1 : schedule_count();
  for (std::uint64_t seed = first; seed < first + n; ++seed) {
    Schedule s(seed);
    s.run(300);
    const std::string context = "replay with STREAMLAB_SEED=" + std::to_string(seed) + ": ";
    expect_exactly_once(s.cluster, s.store, context);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << context << (s.cooperative ? "cooperative" : "eager");
      return;
    }
  }
  RecordProperty("schedules", static_cast<int>(n));
}

}  // namespace
}  // namespace streamlab::testing
