#include "ignite/retry.hpp"

namespace streamlab::ignite {

bool sleep_unless_stopped(std::chrono::milliseconds delay, const std::function<bool()>& keep_going) {
  constexpr std::chrono::milliseconds kSlice{50};
  const auto until = std::chrono::steady_clock::now() + delay;
  for (;;) {
    if (keep_going && !keep_going()) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(kSlice, until - now));
  }
}

}  // namespace streamlab::ignite
