#include "host/network_link.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "core/errors.hpp"
#include "host/http.hpp"

namespace streamlab::host {

using json = nlohmann::json;

std::string describe(const LinkShape& shape) {
  return fmt::format("{:g} ms round trip, {}", shape.rtt_ms,
                     shape.bandwidth_mbit > 0 ? fmt::format("{:g} Mbit/s each way", shape.bandwidth_mbit)
                                              : std::string("unlimited bandwidth"));
}

NetworkLink::NetworkLink(std::string api, const std::vector<std::string>& listens) : api_(std::move(api)) {
  while (!api_.empty() && api_.back() == '/') api_.pop_back();
  const auto res = http_request("GET", api_ + "/proxies", timeout_);
  if (!res || res->status != 200) {
    throw core::RuntimeFailure(fmt::format("Toxiproxy at {} does not answer{}", api_,
                                           res ? fmt::format(" (HTTP {})", res->status) : std::string()));
  }
  const json all = json::parse(res->body, nullptr, false);
  if (!all.is_object()) throw core::RuntimeFailure(fmt::format("Toxiproxy at {}: /proxies is not a JSON object", api_));
  for (const auto& listen : listens) {
    std::string found;
    for (const auto& [name, proxy] : all.items()) {
      if (proxy.is_object() && proxy.value("listen", "") == listen) found = name;
    }
    if (found.empty()) {
      throw core::RuntimeFailure(fmt::format("Toxiproxy at {} has no proxy listening on {}", api_, listen));
    }
    proxies_.push_back(found);
  }
}

NetworkLink::~NetworkLink() {
  try {
    clear();
  } catch (const std::exception&) {
  }
}

void NetworkLink::request(const std::string& method, const std::string& path, const std::string& body, int expect) {
  const auto res = http_request(method, api_ + path, timeout_, body);
  if (!res || res->status != expect) {
    throw core::RuntimeFailure(
        fmt::format("Toxiproxy at {}: {} {}: {}", api_, method, path,
                    res ? fmt::format("HTTP {} {}", res->status, res->body) : std::string("no answer")));
  }
}

void NetworkLink::shape(const LinkShape& shape) {
  clear();
  // Half the round trip each way: a request and its answer are each delayed once.
  const auto half_ms = static_cast<long>(std::lround(shape.rtt_ms / 2));
  // Toxiproxy's bandwidth is in KB/s of 1,000 bytes: 1 Mbit/s = 125 KB/s.
  const auto kb_per_s = static_cast<long>(std::lround(shape.bandwidth_mbit * 125));
  for (const auto& proxy : proxies_) {
    for (const char* stream : {"upstream", "downstream"}) {
      std::vector<json> toxics;
      if (half_ms > 0) toxics.push_back({{"type", "latency"}, {"attributes", {{"latency", half_ms}, {"jitter", 0}}}});
      if (kb_per_s > 0) toxics.push_back({{"type", "bandwidth"}, {"attributes", {{"rate", kb_per_s}}}});
      for (json& t : toxics) {
        const std::string name = fmt::format("streamlab_{}_{}", t["type"].get<std::string>(), stream);
        t["name"] = name;
        t["stream"] = stream;
        t["toxicity"] = 1.0;
        // One of the same name left by a run that was interrupted is replaced.
        http_request("DELETE", fmt::format("{}/proxies/{}/toxics/{}", api_, proxy, name), timeout_);
        request("POST", fmt::format("/proxies/{}/toxics", proxy), t.dump(), 200);
        added_.emplace_back(proxy, name);
      }
    }
  }
}

void NetworkLink::clear() {
  while (!added_.empty()) {
    const auto [proxy, toxic] = added_.back();
    added_.pop_back();
    request("DELETE", fmt::format("/proxies/{}/toxics/{}", proxy, toxic), {}, 204);
  }
}

}  // namespace streamlab::host
