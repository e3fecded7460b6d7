#include "agent/http_server.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <cstdlib>
#include <cstring>

#include "agent/log.h"

namespace mdns {
namespace {

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 414:
      return "URI Too Long";
    case 501:
      return "Not Implemented";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

}  // namespace

HttpServer::HttpServer(Handler handler) : handler_(std::move(handler)) {
  base_.reset(event_base_new());
  http_.reset(evhttp_new(base_.get()));
  // Every method reaches onRequest, which answers 405 to all but GET and HEAD (libevent itself
  // would say 501 to a method it was not told about).
  evhttp_set_allowed_methods(http_.get(), EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                              EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH |
                                              EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
  evhttp_set_max_headers_size(http_.get(), ssize_t{16} * 1024);
  evhttp_set_max_body_size(http_.get(), 0);
  evhttp_set_timeout(http_.get(), 30);
  evhttp_set_gencb(http_.get(), &HttpServer::onRequest, this);
  stopEvent_.reset(event_new(
      base_.get(), -1, 0,
      [](evutil_socket_t, short, void* base) { event_base_loopbreak(static_cast<event_base*>(base)); }, base_.get()));
  event_add(stopEvent_.get(), nullptr);
}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::listen(const std::string& ip, int port) {
  if (evhttp_bind_socket_with_handle(http_.get(), ip.c_str(), static_cast<uint16_t>(port)) == nullptr) {
    return Error{"HTTP listener " + (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" +
                 std::to_string(port) + ": bind: " + std::strerror(errno)};
  }
  return {};
}

void HttpServer::start() {
  thread_ = std::thread([this] { event_base_loop(base_.get(), EVLOOP_NO_EXIT_ON_EMPTY); });
}

void HttpServer::stop() {
  if (!thread_.joinable()) return;
  event_active(stopEvent_.get(), EV_READ, 0);
  thread_.join();
}

void HttpServer::onRequest(evhttp_request* request, void* selfPtr) {
  auto* self = static_cast<HttpServer*>(selfPtr);
  const char* uri = evhttp_request_get_uri(request);
  evkeyvalq* out = evhttp_request_get_output_headers(request);
  EvbufferPtr body(evbuffer_new());
  auto send = [&](const ApiResponse& r) {
    evhttp_add_header(out, "Content-Type", r.contentType.c_str());
    for (const auto& [k, v] : r.headers) evhttp_add_header(out, k.c_str(), v.c_str());
    if (evhttp_request_get_command(request) != EVHTTP_REQ_HEAD && r.status != 304) {
      evbuffer_add(body.get(), r.body.data(), r.body.size());
    }
    evhttp_send_reply(request, r.status, reason(r.status), body.get());
  };
  ApiResponse response;
  const auto method = evhttp_request_get_command(request);
  if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
    response.status = 405;
    response.contentType = "text/plain";
    response.body = "only GET and HEAD\n";
    response.headers.emplace_back("Allow", "GET, HEAD");
    send(response);
    return;
  }
  if (uri == nullptr || std::strlen(uri) > kMaxUri) {
    response.status = 414;
    response.contentType = "text/plain";
    response.body = "URI longer than " + std::to_string(kMaxUri) + " bytes\n";
    send(response);
    return;
  }
  const evhttp_uri* parsed = evhttp_request_get_evhttp_uri(request);
  const char* rawPath = parsed != nullptr ? evhttp_uri_get_path(parsed) : nullptr;
  char* decoded = rawPath != nullptr ? evhttp_uridecode(rawPath, 0, nullptr) : nullptr;
  if (decoded == nullptr) {
    response.status = 400;
    response.contentType = "text/plain";
    response.body = "bad request path\n";
    send(response);
    return;
  }
  ApiRequest api;
  api.path = decoded;
  std::free(decoded);
  const evkeyvalq* in = evhttp_request_get_input_headers(request);
  if (const char* v = evhttp_find_header(in, "Accept-Encoding")) api.acceptEncoding = v;
  if (const char* v = evhttp_find_header(in, "If-None-Match")) api.ifNoneMatch = v;
  try {
    response = self->handler_(api);
  } catch (const std::exception& e) {
    log::error("HTTP " + api.path + ": " + e.what());
    response = ApiResponse{500, "text/plain", "internal error\n", {}};
  }
  send(response);
}

}  // namespace mdns
