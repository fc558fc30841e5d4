#include "core/shutdown.hpp"

#include <atomic>
#include <csignal>

namespace streamlab::core {
namespace {
std::atomic<bool> g_shutdown{false};
extern "C" void on_signal(int) { g_shutdown.store(true, std::memory_order_relaxed); }
}  // namespace

void install_shutdown_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool shutdown_requested() { return g_shutdown.load(std::memory_order_relaxed); }
void request_shutdown() { g_shutdown.store(true, std::memory_order_relaxed); }

}  // namespace streamlab::core
