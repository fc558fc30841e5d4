// host::NetworkLink against a fake Toxiproxy (an httplib server on a loopback port that keeps the
// proxies and their toxics as Toxiproxy's API does): which toxics a shape adds to which proxy,
// that clear() and the destructor remove them, and the errors for a missing proxy or no API.
// The real Toxiproxy is exercised by bench's wan scenario and tests/fault/test_network_faults.py.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/errors.hpp"
#include "host/network_link.hpp"

using namespace streamlab::host;
using json = nlohmann::json;

namespace {

class FakeToxiproxy {
 public:
  FakeToxiproxy() {
    server_.Get("/proxies", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mu_);
      json all = json::object();
      for (const auto& [name, listen] : listens_) all[name] = {{"name", name}, {"listen", listen}, {"toxics", {}}};
      res.set_content(all.dump(), "application/json");
    });
    server_.Post(R"(/proxies/([^/]+)/toxics)", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      const json t = json::parse(req.body);
      auto& toxics = toxics_[req.matches[1]];
      if (toxics.count(t["name"]) != 0) {
        res.status = 409;
        return;
      }
      toxics[t["name"]] = t;
      res.set_content(req.body, "application/json");
    });
    server_.Delete(R"(/proxies/([^/]+)/toxics/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      res.status = toxics_[req.matches[1]].erase(req.matches[2]) != 0 ? 204 : 404;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the loop runs would not end it (this cpp-httplib has no wait_until_ready).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  }
  ~FakeToxiproxy() {
    server_.stop();
    thread_.join();
  }
  std::string api() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void add_proxy(const std::string& name, const std::string& listen) {
    std::lock_guard lock(mu_);
    listens_[name] = listen;
  }
  std::map<std::string, json> toxics(const std::string& proxy) {
    std::lock_guard lock(mu_);
    return toxics_[proxy];
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, std::string> listens_;
  std::map<std::string, std::map<std::string, json>> toxics_;
};

}  // namespace

TEST(NetworkLink, ShapeAddsHalfTheRoundTripAndTheBandwidthEachWay) {
  FakeToxiproxy fake;
  fake.add_proxy("kafka-1", "127.0.0.1:20092");
  fake.add_proxy("postgres", "127.0.0.1:16432");
  fake.add_proxy("redis", "127.0.0.1:17379");
  NetworkLink link(fake.api() + "/", {"127.0.0.1:20092", "127.0.0.1:16432"});
  EXPECT_EQ(link.proxies(), (std::vector<std::string>{"kafka-1", "postgres"}));

  link.shape({.rtt_ms = 40, .bandwidth_mbit = 100});
  for (const char* proxy : {"kafka-1", "postgres"}) {
    const auto toxics = fake.toxics(proxy);
    ASSERT_EQ(toxics.size(), 4u) << proxy;
    for (const char* stream : {"upstream", "downstream"}) {
      const json& latency = toxics.at(std::string("streamlab_latency_") + stream);
      EXPECT_EQ(latency["type"], "latency");
      EXPECT_EQ(latency["stream"], stream);
      EXPECT_EQ(latency["attributes"]["latency"], 20);
      const json& bandwidth = toxics.at(std::string("streamlab_bandwidth_") + stream);
      EXPECT_EQ(bandwidth["attributes"]["rate"], 12500);  // KB/s of 1,000 bytes
    }
  }
  EXPECT_TRUE(fake.toxics("redis").empty());

  // A new shape replaces the old one; no bandwidth means no bandwidth toxic.
  link.shape({.rtt_ms = 100, .bandwidth_mbit = 0});
  const auto toxics = fake.toxics("postgres");
  ASSERT_EQ(toxics.size(), 2u);
  EXPECT_EQ(toxics.at("streamlab_latency_downstream")["attributes"]["latency"], 50);

  link.clear();
  EXPECT_TRUE(fake.toxics("kafka-1").empty());
  EXPECT_TRUE(fake.toxics("postgres").empty());
}

TEST(NetworkLink, TheDestructorLeavesTheLinkPlainAndALeftOverToxicIsReplaced) {
  FakeToxiproxy fake;
  fake.add_proxy("redis", "127.0.0.1:17379");
  {
    NetworkLink link(fake.api(), {"127.0.0.1:17379"});
    link.shape({.rtt_ms = 10, .bandwidth_mbit = 0});
    EXPECT_EQ(fake.toxics("redis").size(), 2u);
  }
  EXPECT_TRUE(fake.toxics("redis").empty());

  // An interrupted run left its toxics: a new link's shape takes their place.
  NetworkLink first(fake.api(), {"127.0.0.1:17379"});
  first.shape({.rtt_ms = 10, .bandwidth_mbit = 0});
  NetworkLink second(fake.api(), {"127.0.0.1:17379"});
  second.shape({.rtt_ms = 30, .bandwidth_mbit = 0});
  EXPECT_EQ(fake.toxics("redis").at("streamlab_latency_upstream")["attributes"]["latency"], 15);
}

TEST(NetworkLink, NamesTheAddressNoProxyListensOn) {
  FakeToxiproxy fake;
  fake.add_proxy("redis", "127.0.0.1:17379");
  try {
    NetworkLink link(fake.api(), {"127.0.0.1:17379", "127.0.0.1:20092"});
    FAIL() << "no error";
  } catch (const streamlab::core::RuntimeFailure& e) {
    EXPECT_NE(std::string(e.what()).find("no proxy listening on 127.0.0.1:20092"), std::string::npos) << e.what();
  }
}

TEST(NetworkLink, SaysWhenToxiproxyDoesNotAnswer) {
  std::string api;
  {
    FakeToxiproxy gone;  // a port that was just free, and is again
    api = gone.api();
  }
  try {
    NetworkLink link(api, {"127.0.0.1:17379"});
    FAIL() << "no error";
  } catch (const streamlab::core::RuntimeFailure& e) {
    EXPECT_NE(std::string(e.what()).find("does not answer"), std::string::npos) << e.what();
  }
}

TEST(NetworkLink, DescribesItsShape) {
  EXPECT_EQ(describe({.rtt_ms = 40, .bandwidth_mbit = 100}), "40 ms round trip, 100 Mbit/s each way");
  EXPECT_EQ(describe({.rtt_ms = 40, .bandwidth_mbit = 0}), "40 ms round trip, unlimited bandwidth");
}
