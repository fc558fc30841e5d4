#pragma once
// The lab's WAN on loopback: Toxiproxy's proxies in front of the services (deploy/local/services
// start toxiproxy), shaped through its HTTP API into a link with a round-trip time and a bandwidth.
// A client that uses a proxy's listen address instead of the service's crosses the link; Kafka's
// proxies lead to a listener that advertises them, so every broker connection crosses it too.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace streamlab::host {

struct LinkShape {
  double rtt_ms = 40;         // round-trip time: half of it added in each direction
  double bandwidth_mbit = 0;  // in each direction, megabits per second; 0 = unlimited
};
// "40 ms round trip, 100 Mbit/s each way" (or "..., unlimited bandwidth").
std::string describe(const LinkShape& shape);

class NetworkLink {
 public:
  // `api`: Toxiproxy's API (http://127.0.0.1:18474); `listens`: "host:port" addresses, each the
  // listen address of one of its proxies. Throws core::RuntimeFailure when Toxiproxy does not
  // answer or none of its proxies listens on one of them (naming it).
  NetworkLink(std::string api, const std::vector<std::string>& listens);
  NetworkLink(const NetworkLink&) = delete;
  NetworkLink& operator=(const NetworkLink&) = delete;
  ~NetworkLink();  // plain again (clear), errors ignored

  // Every proxy of the link gets this shape (what an earlier shape() added is removed first).
  // Throws core::RuntimeFailure when Toxiproxy refuses a toxic.
  void shape(const LinkShape& shape);
  // Removes the toxics this link added: the proxies pass bytes untouched again.
  void clear();

  const std::vector<std::string>& proxies() const { return proxies_; }

 private:
  void request(const std::string& method, const std::string& path, const std::string& body, int expect);

  std::string api_;
  std::vector<std::string> proxies_;                        // their names in Toxiproxy
  std::vector<std::pair<std::string, std::string>> added_;  // (proxy, toxic)
  std::chrono::milliseconds timeout_{5000};
};

}  // namespace streamlab::host
