#pragma once
// What a report says about where it was measured: the machine and the versions of every
// program involved (null when not found).

#include <filesystem>

#include <nlohmann/json.hpp>

#include "bench/service_clients.hpp"

namespace streamlab::bench {

// hostname, os, kernel, cpu_model, cpus, memory_bytes, load_average.
nlohmann::json machine_facts();
// streamlab, librdkafka, kafka, postgresql, redis, ignite, kcat, python.
nlohmann::json program_versions(const ServiceUris& services, const std::filesystem::path& project_root);

}  // namespace streamlab::bench
