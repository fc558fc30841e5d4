#pragma once
// Reconnecting with backoff: for callers (the sink) whose operations are safe to repeat, e.g. a
// put_all under keys derived from (topic, partition, offset).

#include <chrono>
#include <functional>
#include <thread>
#include <utility>

#include "ignite/client.hpp"
#include "ignite/errors.hpp"

namespace streamlab::ignite {

struct RetryPolicy {
  std::chrono::milliseconds initial_delay{100};
  std::chrono::milliseconds max_delay{5000};
  // How long to keep trying from the first failure; then the last ConnectionError propagates.
  std::chrono::milliseconds give_up_after{std::chrono::minutes(5)};
  // Asked before every wait: false stops retrying (a shutdown) and rethrows.
  std::function<bool()> keep_going;
  // Told about every failure that will be retried, with the wait before the next attempt.
  std::function<void(const ConnectionError&, std::chrono::milliseconds)> on_retry;
};

// Delays doubling from initial_delay up to max_delay.
class Backoff {
 public:
  explicit Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
      : initial_(initial), max_(max), next_(initial) {}
  std::chrono::milliseconds next() {
    const auto d = next_;
    next_ = std::min(max_, next_ * 2);
    return d;
  }
  void reset() { next_ = initial_; }

 private:
  std::chrono::milliseconds initial_, max_, next_;
};

// Sleeps `delay` in short slices, returning false early when keep_going says stop.
bool sleep_unless_stopped(std::chrono::milliseconds delay, const std::function<bool()>& keep_going);

// Runs op(client), connecting first if needed. On a ConnectionError (which closed the client) it
// waits, reconnects and runs op again, until op succeeds, give_up_after has passed or keep_going
// says stop; then the last ConnectionError propagates. ServerError and ProtocolError propagate
// at once: retrying does not fix them.
template <typename Op>
auto with_reconnect(Client& client, Op&& op, const RetryPolicy& policy = {}) -> decltype(op(client)) {
  Backoff backoff(policy.initial_delay, policy.max_delay);
  const auto started = std::chrono::steady_clock::now();
  for (;;) {
    try {
      client.connect();
      return op(client);
    } catch (const ConnectionError& e) {
      const auto delay = backoff.next();
      if (std::chrono::steady_clock::now() + delay - started > policy.give_up_after) throw;
      if (policy.keep_going && !policy.keep_going()) throw;
      if (policy.on_retry) policy.on_retry(e, delay);
      if (!sleep_unless_stopped(delay, policy.keep_going)) throw;
    }
  }
}

}  // namespace streamlab::ignite
