#include "agent/state_fetcher.h"

#include <libdeflate.h>
#include <strings.h>
#include <zlib.h>

#include <algorithm>
#include <string_view>

namespace mdns {

struct StateFetcher::Transfer {
  CURL* easy = nullptr;
  HttpResult result;
  size_t maxBody = 0;
  bool tooLarge = false;
  Done done;
  std::pair<std::string*, size_t> sink{nullptr, 0};  // body and its limit, for onBody
  std::string contentEncoding;                       // of the final answer
  char errorBuffer[CURL_ERROR_SIZE] = {};
  curl_slist* headers = nullptr;
  uint64_t id = 0;
  OnData onData;             // set for a stream
  bool answerKnown = false;  // a stream's status and address are in `result`
  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    curl_slist_free_all(headers);
  }
};

std::string HttpResult::describe() const {
  if (!error.empty()) return error;
  return "HTTP " + std::to_string(status);
}

StateFetcher::StateFetcher(event_base* base) : base_(base), multi_(curl_multi_init()) {
  // Without a multi handle (out of memory) every request fails with a reason; nothing throws into
  // the record source's start.
  timer_.reset(evtimer_new(base_, &StateFetcher::onTimeout, this));
  failed_.reset(event_new(
      base_, -1, 0,
      [](evutil_socket_t, short, void* selfPtr) {
        std::vector<Failure> failures;
        failures.swap(static_cast<StateFetcher*>(selfPtr)->failures_);
        for (auto& [id, done, error] : failures) {
          HttpResult r;
          r.error = std::move(error);
          done(std::move(r));
        }
      },
      this));
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &StateFetcher::onSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &StateFetcher::onTimer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

StateFetcher::~StateFetcher() {
  for (auto& [easy, t] : transfers_) curl_multi_remove_handle(multi_, easy);
  transfers_.clear();
  // Releases the socket watches (onSocket CURL_POLL_REMOVE) and may touch the timer, which goes later.
  if (multi_ != nullptr) curl_multi_cleanup(multi_);
}

namespace {
size_t onBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<std::pair<std::string*, size_t>*>(user);
  if (t->first->size() + size * n > t->second) return 0;  // aborts the transfer
  t->first->append(data, size * n);
  return size * n;
}
std::string headerValue(std::string_view line, size_t nameLength) {
  std::string_view v = line.substr(nameLength);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
  return std::string(v);
}

// Keeps the ETag and Content-Encoding of the final answer (headers of redirects before it are
// dropped).
size_t onHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<StateFetcher::Transfer*>(user);
  const std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    t->result.etag.clear();
    t->result.location.clear();
    t->contentEncoding.clear();
  }
  if (line.size() > 5 && strncasecmp(line.data(), "etag:", 5) == 0) t->result.etag = headerValue(line, 5);
  if (line.size() > 17 && strncasecmp(line.data(), "content-encoding:", 17) == 0) {
    t->contentEncoding = headerValue(line, 17);
  }
  if (line.size() > 9 && strncasecmp(line.data(), "location:", 9) == 0) t->result.location = headerValue(line, 9);
  return size * n;
}

// A stream's body: a 2xx answer's pieces go to its reader as they come; anything else is kept
// (up to 64 KiB) for the error message.
size_t onStreamBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<StateFetcher::Transfer*>(user);
  HttpResult& r = t->result;
  if (!t->answerKnown) {
    t->answerKnown = true;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r.status);
    char* ip = nullptr;
    if (curl_easy_getinfo(t->easy, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != nullptr) r.primaryIp = ip;
    curl_easy_getinfo(t->easy, CURLINFO_PRIMARY_PORT, &r.primaryPort);
  }
  const std::string_view piece(data, size * n);
  if (r.status >= 200 && r.status <= 299) return t->onData(piece, r) ? piece.size() : 0;
  r.body.append(piece.substr(0, std::min(piece.size(), size_t{65536} - std::min<size_t>(r.body.size(), 65536))));
  return piece.size();
}

// A gzip body (RFC 1952) decoded. libdeflate decodes a whole single-member body into a buffer of
// the size its trailer gives (2.4x zlib's speed: 8.7 ms for a 10,000-task state); anything it
// does not take (several members, a trailer that lies) goes through zlib's stream decoder, whose
// verdict stands.
Result<std::string> gunzip(const std::string& packed, size_t maxBody) {
  if (packed.size() >= 18) {
    const auto* end = reinterpret_cast<const uint8_t*>(packed.data() + packed.size());
    const size_t isize = static_cast<size_t>(end[-4]) | static_cast<size_t>(end[-3]) << 8 |
                         static_cast<size_t>(end[-2]) << 16 | static_cast<size_t>(end[-1]) << 24;
    // deflate expands at most 1032 times: a trailer that claims more is not believed (a cut or
    // corrupt body ends in arbitrary bytes), and no buffer is made from it.
    if (isize <= maxBody && isize / 1032 <= packed.size()) {
      std::string out;
      out.reserve(isize + 64);  // room after the end for the JSON reader
      out.resize(isize);
      libdeflate_decompressor* d = libdeflate_alloc_decompressor();
      size_t in = 0;
      size_t got = 0;
      const auto r = d != nullptr ? libdeflate_gzip_decompress_ex(d, packed.data(), packed.size(), out.data(),
                                                                  out.size(), &in, &got)
                                  : LIBDEFLATE_BAD_DATA;
      if (d != nullptr) libdeflate_free_decompressor(d);
      if (r == LIBDEFLATE_SUCCESS && in == packed.size() && got == isize) return out;
    }
  }
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return Error{"cannot decode gzip: inflateInit2 failed"};
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  z.avail_in = static_cast<uInt>(packed.size());
  int rc = Z_OK;
  char buffer[65536];
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
    if (out.size() > maxBody) {
      inflateEnd(&z);
      return Error{"answer larger than " + std::to_string(maxBody) + " bytes"};
    }
    if (rc == Z_STREAM_END && z.avail_in > 0) {  // another member follows
      inflateReset(&z);
      continue;
    }
    if (rc != Z_OK) break;
  }
  const std::string why = z.msg != nullptr ? z.msg : "";
  inflateEnd(&z);
  if (rc != Z_STREAM_END) {
    return Error{"gzip body cannot be decoded (" + (why.empty() ? "cut short" : why) + ")"};
  }
  return out;
}
}  // namespace

uint64_t StateFetcher::failSoon(Done done, std::string error) {
  const uint64_t id = ++lastId_;
  failures_.push_back(Failure{id, std::move(done), std::move(error)});
  event_active(failed_.get(), EV_TIMEOUT, 0);
  return id;
}

std::unique_ptr<StateFetcher::Transfer> StateFetcher::newTransfer(const HttpRequest& request, Done& done) {
  auto t = std::make_unique<Transfer>();
  t->easy = multi_ != nullptr ? curl_easy_init() : nullptr;
  if (t->easy == nullptr) {
    failSoon(std::move(done), std::string("cannot start an HTTP request: ") +
                                  (multi_ == nullptr ? "curl_multi_init" : "curl_easy_init") + " failed");
    return nullptr;
  }
  t->done = std::move(done);
  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, std::min<long>(request.timeoutSeconds, 10));
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
  curl_easy_setopt(e, CURLOPT_USERAGENT, "mesos-dns-agent");
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errorBuffer);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &onHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
  if (!request.caFile.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, request.caFile.c_str());
  if (!request.certFile.empty()) curl_easy_setopt(e, CURLOPT_SSLCERT, request.certFile.c_str());
  if (!request.keyFile.empty()) curl_easy_setopt(e, CURLOPT_SSLKEY, request.keyFile.c_str());
  if (!request.user.empty()) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(e, CURLOPT_USERNAME, request.user.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, request.password.c_str());
  }
  return t;
}

uint64_t StateFetcher::get(const HttpRequest& request, Done done) {
  auto t = newTransfer(request, done);
  if (!t) return lastId_;  // the failure's, for cancel()
  t->maxBody = request.maxBodyBytes;
  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_TIMEOUT, request.timeoutSeconds);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);  // non-leading masters redirect to the leader
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 3L);
  // gzip when the server offers it, decoded here (gunzip) rather than by curl.
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
  curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
  t->sink = {&t->result.body, t->maxBody};
  if (request.expectedBodyBytes > 0) {
    t->result.body.reserve(std::min(request.expectedBodyBytes + request.expectedBodyBytes / 16, t->maxBody));
  }
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &onBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t->sink);
  if (!request.ifNoneMatch.empty()) {
    t->headers = curl_slist_append(t->headers, ("If-None-Match: " + request.ifNoneMatch).c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  }
  return add(std::move(t));
}

uint64_t StateFetcher::add(std::unique_ptr<Transfer> t) {
  CURL* e = t->easy;
  t->id = ++lastId_;
  const uint64_t id = t->id;
  transfers_[e] = std::move(t);
  if (const CURLMcode added = curl_multi_add_handle(multi_, e); added != CURLM_OK) {
    // Otherwise no callback would ever come, and refreshes would stop without a word.
    auto failed = std::move(transfers_[e]);
    transfers_.erase(e);
    return failSoon(std::move(failed->done),
                    std::string("cannot start an HTTP request: ") + curl_multi_strerror(added));
  }
  return id;
}

uint64_t StateFetcher::stream(const HttpRequest& request, const std::string& postBody, OnData onData, Done done) {
  auto t = newTransfer(request, done);
  if (!t) return lastId_;  // the failure's, for cancel()
  t->onData = std::move(onData);
  CURL* e = t->easy;
  // The stream lasts as long as the master keeps it: the caller watches its heartbeats.
  curl_easy_setopt(e, CURLOPT_TIMEOUT, 0L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);  // the caller re-POSTs to the leader it names
  curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, postBody.c_str());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &onStreamBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  t->headers = curl_slist_append(t->headers, "Content-Type: application/json");
  t->headers = curl_slist_append(t->headers, "Accept: application/json");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  return add(std::move(t));
}

void StateFetcher::cancel(uint64_t id) {
  std::erase_if(failures_, [id](const Failure& f) { return f.id == id; });
  for (auto it = transfers_.begin(); it != transfers_.end(); ++it) {
    if (it->second->id != id) continue;
    curl_multi_remove_handle(multi_, it->first);
    transfers_.erase(it);
    return;
  }
}

int StateFetcher::onSocket(CURL*, curl_socket_t fd, int what, void* selfPtr, void*) {
  auto* self = static_cast<StateFetcher*>(selfPtr);
  if (what == CURL_POLL_REMOVE) {
    self->socketEvents_.erase(fd);
    return 0;
  }
  short events = EV_PERSIST;
  if (what & CURL_POLL_IN) events |= EV_READ;
  if (what & CURL_POLL_OUT) events |= EV_WRITE;
  auto& ev = self->socketEvents_[fd];  // replaces the socket's old event, if any
  ev.reset(event_new(self->base_, fd, events, &StateFetcher::onEvent, self));
  event_add(ev.get(), nullptr);
  return 0;
}

int StateFetcher::onTimer(CURLM*, long timeoutMs, void* selfPtr) {
  auto* self = static_cast<StateFetcher*>(selfPtr);
  if (timeoutMs < 0) {
    evtimer_del(self->timer_.get());
  } else {
    timeval tv{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
    evtimer_add(self->timer_.get(), &tv);
  }
  return 0;
}

void StateFetcher::onEvent(evutil_socket_t fd, short events, void* selfPtr) {
  auto* self = static_cast<StateFetcher*>(selfPtr);
  int flags = 0;
  if (events & EV_READ) flags |= CURL_CSELECT_IN;
  if (events & EV_WRITE) flags |= CURL_CSELECT_OUT;
  int running = 0;
  curl_multi_socket_action(self->multi_, fd, flags, &running);
  self->finishDone();
}

void StateFetcher::onTimeout(evutil_socket_t, short, void* selfPtr) {
  auto* self = static_cast<StateFetcher*>(selfPtr);
  int running = 0;
  curl_multi_socket_action(self->multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  self->finishDone();
}

void StateFetcher::finishDone() {
  int pending = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &pending)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* e = msg->easy_handle;
    const CURLcode code = msg->data.result;
    auto it = transfers_.find(e);
    if (it == transfers_.end()) continue;
    std::unique_ptr<Transfer> t = std::move(it->second);
    transfers_.erase(it);
    curl_multi_remove_handle(multi_, e);
    HttpResult& r = t->result;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
    char* ip = nullptr;
    if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != nullptr) r.primaryIp = ip;
    curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &r.primaryPort);
    if (t->onData) {  // a stream: its body went to the reader, or is an error page
      if (code != CURLE_OK) {
        r.error = code == CURLE_WRITE_ERROR   ? "stream refused by its reader"
                  : t->errorBuffer[0] != '\0' ? t->errorBuffer
                                              : curl_easy_strerror(code);
      }
      Done done = std::move(t->done);
      HttpResult result = std::move(r);
      t.reset();
      done(std::move(result));
      continue;
    }
    curl_off_t body = 0;
    long headers = 0;
    curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &body);  // as received (before gzip decoding)
    curl_easy_getinfo(e, CURLINFO_HEADER_SIZE, &headers);
    r.wireBytes = static_cast<size_t>(body) + static_cast<size_t>(headers);
    if (code == CURLE_WRITE_ERROR) {
      r.error = "answer larger than " + std::to_string(t->maxBody) + " bytes";
    } else if (code != CURLE_OK) {
      r.error = t->errorBuffer[0] != '\0' ? t->errorBuffer : curl_easy_strerror(code);
    } else if (r.body.empty() || r.status < 200 || r.status > 299) {
      // Nothing to decode (a 304), or an error page: its status says what went wrong.
    } else if (strcasecmp(t->contentEncoding.c_str(), "gzip") == 0 ||
               strcasecmp(t->contentEncoding.c_str(), "x-gzip") == 0) {
      auto plain = gunzip(r.body, t->maxBody);
      if (plain) {
        r.body = std::move(*plain);
      } else {
        r.error = plain.error();
        r.body.clear();
      }
    } else if (!t->contentEncoding.empty() && strcasecmp(t->contentEncoding.c_str(), "identity") != 0) {
      r.error = "answer in Content-Encoding \"" + t->contentEncoding + "\", which was not asked for";
      r.body.clear();
    }
    Done done = std::move(t->done);
    HttpResult result = std::move(r);
    t.reset();  // frees the easy handle before the callback may start the next transfer
    done(std::move(result));
  }
}

}  // namespace mdns
