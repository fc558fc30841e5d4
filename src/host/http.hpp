#pragma once
// Plain-HTTP requests to the services' own endpoints on this machine (the brokers' metrics,
// Toxiproxy's API): one request per call, with a timeout for connecting and for the answer.

#include <chrono>
#include <optional>
#include <string>

namespace streamlab::host {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// `method` GET, POST or DELETE on an http:// URL; `body` is sent as JSON (POST). nullopt when the
// URL is not http:// or nothing answered in time.
std::optional<HttpResponse> http_request(const std::string& method, const std::string& url,
                                         std::chrono::milliseconds timeout, const std::string& body = {});

// The body of a GET answered 200, else nullopt.
std::optional<std::string> http_get(const std::string& url, std::chrono::milliseconds timeout);

}  // namespace streamlab::host
