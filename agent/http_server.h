// A small HTTP/1.1 server (libevent's evhttp) on its own thread and event loop, so that a slow
// client or a large document never delays a DNS answer. GET and HEAD only; the routes are the
// caller's handler.
#pragma once

#include <event2/event.h>

#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "agent/libevent.h"
#include "common/result.h"

struct evhttp_request;

namespace mdns {

struct ApiRequest {
  std::string path;  // decoded, without the query string
  std::string acceptEncoding;
  std::string ifNoneMatch;
};

struct ApiResponse {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class HttpServer {
 public:
  using Handler = std::function<ApiResponse(const ApiRequest&)>;
  static constexpr size_t kMaxUri = 2048;

  explicit HttpServer(Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds ip:port; on failure returns false with `error` naming the address and the cause.
  Status listen(const std::string& ip, int port);
  void start();
  void stop();

 private:
  static void onRequest(evhttp_request* request, void* self);

  Handler handler_;
  EventBasePtr base_;
  EvhttpPtr http_;
  EventPtr stopEvent_;
  std::thread thread_;
};

}  // namespace mdns
