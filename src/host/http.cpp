#include "host/http.hpp"

#include <httplib.h>

namespace streamlab::host {

std::optional<HttpResponse> http_request(const std::string& method, const std::string& url,
                                         std::chrono::milliseconds timeout, const std::string& body) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) return std::nullopt;
  const std::size_t slash = url.find('/', kScheme.size());
  const std::string host_port = url.substr(kScheme.size(), slash - kScheme.size());
  const std::string path = slash == std::string::npos ? "/" : url.substr(slash);
  httplib::Client client("http://" + host_port);
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout - seconds);
  client.set_connection_timeout(seconds.count(), micros.count());
  client.set_read_timeout(seconds.count(), micros.count());
  client.set_write_timeout(seconds.count(), micros.count());
  if (method != "GET" && method != "POST" && method != "DELETE") return std::nullopt;
  const httplib::Result res = method == "GET"    ? client.Get(path)
                              : method == "POST" ? client.Post(path, body, "application/json")
                                                 : client.Delete(path);
  if (!res) return std::nullopt;
  return HttpResponse{res->status, res->body};
}

std::optional<std::string> http_get(const std::string& url, std::chrono::milliseconds timeout) {
  auto res = http_request("GET", url, timeout);
  if (!res || res->status != 200) return std::nullopt;
  return std::move(res->body);
}

}  // namespace streamlab::host
