#pragma once
// SIGINT/SIGTERM ask the running command to finish cleanly (flush, summary) instead of dying.

namespace streamlab::core {

void install_shutdown_handlers();
bool shutdown_requested();
void request_shutdown();

}  // namespace streamlab::core
