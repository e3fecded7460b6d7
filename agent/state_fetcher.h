// HTTP(S) GETs with libcurl's multi interface, driven by a libevent loop: many transfers in
// flight, none blocking the loop. Used to pull /master/state.
#pragma once

#include <curl/curl.h>
#include <event2/event.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/libevent.h"
#include "common/result.h"

namespace mdns {

struct HttpRequest {
  std::string url;
  long timeoutSeconds = 30;
  size_t maxBodyBytes = size_t{1} << 30;
  std::string caFile, certFile, keyFile;
  std::string user, password;  // HTTP basic authentication when user is set
  std::string ifNoneMatch;     // a conditional GET (an ETag from an earlier answer)
  // The body's likely size (the last one's): room for it is made at once, so that a body of tens
  // of megabytes does not grow by doubling into twice the memory it needs.
  size_t expectedBodyBytes = 0;
};

struct HttpResult {
  long status = 0;  // 0: no HTTP answer at all (see error)
  std::string body;
  std::string error;      // transport error, empty when an HTTP answer arrived
  std::string primaryIp;  // who answered in the end (after redirects)
  long primaryPort = 0;
  size_t wireBytes = 0;  // headers and body as they came over the network (compressed)
  std::string etag;      // the ETag header, if any
  std::string location;  // the Location header of a redirect not followed (streams)
  bool ok() const { return error.empty() && status == 200; }
  std::string describe() const;
};

class StateFetcher {
 public:
  using Done = std::function<void(HttpResult)>;

  explicit StateFetcher(event_base* base);
  ~StateFetcher();
  StateFetcher(const StateFetcher&) = delete;
  StateFetcher& operator=(const StateFetcher&) = delete;

  // Returns an id for cancel() (0 when the request could not start: `done` gets why).
  uint64_t get(const HttpRequest& request, Done done);

  // A long-lived POST whose answer is read as it comes (the Mesos event stream): `onData` gets
  // each piece of a 2xx body (false ends the transfer, reported to `done` as an error) and
  // `done` the end, with the status, an error body (up to 64 KiB) and the Location of a
  // redirect, which is not followed. No overall timeout (request.timeoutSeconds bounds the
  // connection and the wait for the answer's headers); not gzipped. Returns an id for cancel().
  using OnData = std::function<bool(std::string_view piece, const HttpResult& answer)>;
  uint64_t stream(const HttpRequest& request, const std::string& postBody, OnData onData, Done done);
  // Ends a stream (or request) without calling its `done`. Never from inside its callbacks.
  void cancel(uint64_t id);

 public:
  struct Transfer;  // one request under way (public for the curl callbacks)

 private:
  static int onSocket(CURL* easy, curl_socket_t fd, int what, void* self, void* socketData);
  static int onTimer(CURLM* multi, long timeoutMs, void* self);
  static void onEvent(evutil_socket_t fd, short events, void* self);
  static void onTimeout(evutil_socket_t fd, short events, void* self);
  void finishDone();
  // A transfer with what every request has (URL, TLS, authentication, the header reader); null
  // (and `done` told why, soon) when curl cannot make one.
  std::unique_ptr<Transfer> newTransfer(const HttpRequest& request, Done& done);
  uint64_t add(std::unique_ptr<Transfer> t);  // into the multi handle; returns its id
  // A request that could not even start: its callback gets `error` from the loop, never from
  // inside get(); cancel() with the returned id drops it.
  uint64_t failSoon(Done done, std::string error);

  event_base* base_;
  CURLM* multi_;
  EventPtr timer_;
  EventPtr failed_;  // runs the callbacks in failures_
  struct Failure {
    uint64_t id;
    Done done;
    std::string error;
  };
  std::vector<Failure> failures_;
  std::map<CURL*, std::unique_ptr<Transfer>> transfers_;
  uint64_t lastId_ = 0;
  std::map<curl_socket_t, EventPtr> socketEvents_;  // what curl asked us to watch
};

}  // namespace mdns
