// Tests for the isolated gRPC transport against an in-process generic server.
// The server uses Debian's shared gRPC; the transport carries its own hidden
// copy, so both coexist in this process.
#include "grpc_transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <grpcpp/alarm.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// What one test server knows about itself and counts.
struct ServerState {
  std::string name;
  std::atomic<int> calls{0};
};

// Echo echoes; Slow replies "done" after the number of ms in the request,
// on a timer rather than a blocked thread; Who replies the server's name;
// Peer the client's address; Metadata the value of the client's header named
// in the request; Unavailable fails with UNAVAILABLE; anything else is
// UNIMPLEMENTED. Every call counts in the server's state.
class TestReactor : public grpc::ServerGenericBidiReactor {
 public:
  TestReactor(grpc::GenericCallbackServerContext* ctx, ServerState* state)
      : ctx_(ctx), method_(ctx->method()), state_(state) {
    ++state_->calls;
    if (method_ == "/test.Echo/Unavailable")
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "unavailable by design"));
    else if (method_.rfind("/test.Echo/", 0) == 0 && method_ != "/test.Echo/Nope")
      StartRead(&request_);
    else
      Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no " + method_));
  }

  void OnReadDone(bool ok) override {
    if (!ok) return Finish(grpc::Status(grpc::StatusCode::CANCELLED, ""));
    if (method_ == "/test.Echo/Echo")
      return StartWriteAndFinish(&request_, grpc::WriteOptions(), grpc::Status::OK);
    std::vector<grpc::Slice> slices;
    (void)request_.Dump(&slices);
    std::string ms;
    for (const auto& s : slices) ms.append(reinterpret_cast<const char*>(s.begin()), s.size());
    if (method_ != "/test.Echo/Slow") {
      std::string reply = method_ == "/test.Echo/Who" ? state_->name : ctx_->peer();
      if (method_ == "/test.Echo/Metadata") {
        auto found = ctx_->client_metadata().find(ms);
        reply = found == ctx_->client_metadata().end()
                    ? "<absent>"
                    : std::string(found->second.data(), found->second.size());
      }
      grpc::Slice slice(reply);
      response_ = grpc::ByteBuffer(&slice, 1);
      return StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    }
    alarm_.Set(std::chrono::system_clock::now() + milliseconds(std::atoi(ms.c_str())),
               [this](bool fired) {
                 if (!fired) return Finish(grpc::Status(grpc::StatusCode::CANCELLED, ""));
                 grpc::Slice done("done");
                 response_ = grpc::ByteBuffer(&done, 1);
                 StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
               });
  }

  void OnCancel() override { alarm_.Cancel(); }
  void OnDone() override { delete this; }

 private:
  grpc::GenericCallbackServerContext* ctx_;
  std::string method_;
  ServerState* state_;
  grpc::ByteBuffer request_, response_;
  grpc::Alarm alarm_;
};

class TestService : public grpc::CallbackGenericService {
 public:
  ServerState state;

 private:
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    return new TestReactor(ctx, &state);
  }
};

class TestServer {
 public:
  explicit TestServer(const std::string& name = "main", int port = 0) {
    service_.state.name = name;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                             &port_);
    builder.SetMaxReceiveMessageSize(-1);
    builder.SetMaxSendMessageSize(-1);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
  }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  int calls() const { return service_.state.calls; }
  void Shutdown() { server_->Shutdown(std::chrono::system_clock::now()); }

 private:
  TestService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// Leaked like the transport's registry, so no teardown races with gRPC threads.
const TestServer& server() {
  static auto* s = new TestServer;
  return *s;
}

struct Result {
  std::mutex mu;
  std::condition_variable cv;
  int invocations = 0;
  int status = -1;
  std::string message, response;
  size_t chunks = 0;
  bool release_in_callback = false;  // give the chunks back before returning
  Clock::time_point finished;

  static void Done(void* self, int status, const char* message, size_t message_len,
                   const tfsrp_chunk* chunks, size_t chunk_count, tfsrp_response* response) {
    auto* r = static_cast<Result*>(self);
    std::lock_guard<std::mutex> lock(r->mu);
    ++r->invocations;
    r->status = status;
    r->message.assign(message, message_len);
    r->response.clear();
    for (size_t i = 0; i < chunk_count; ++i) r->response.append(chunks[i].data, chunks[i].len);
    r->chunks = chunk_count;
    if (r->release_in_callback) {
      tfsrp_response_release(response);
      tfsrp_response_release(response);  // a no-op
    }
    r->finished = Clock::now();
    r->cv.notify_all();
  }

  bool Wait(milliseconds timeout = milliseconds(10000)) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, timeout, [this] { return invocations > 0; });
  }
};

std::atomic<int> g_freed{0};
void FreeRequest(void* p) {
  ++g_freed;
  std::free(p);
}

// A request in one malloc'd piece, freed by the transport.
tfsrp_call* Start(tfsrp_channel* channel, const std::string& method, const std::string& body,
                  int64_t deadline_ms, Result* r, const tfsrp_call_options* options = nullptr) {
  char* request = static_cast<char*>(std::malloc(body.size() + 1));
  std::memcpy(request, body.data(), body.size());
  tfsrp_piece piece{request, body.size(), FreeRequest, request};
  return tfsrp_call_start_pieces(channel, method.c_str(), &piece, 1, deadline_ms, options,
                                 &Result::Done, r);
}

// Pieces the transport must send from where they are: counts their releases.
struct Referenced {
  std::vector<std::string> parts;
  std::atomic<int> releases{0};
  static void Release(void* self) { ++static_cast<Referenced*>(self)->releases; }
  tfsrp_piece Piece(size_t i) {
    return tfsrp_piece{parts[i].data(), parts[i].size(), &Referenced::Release, this};
  }
};

void WaitFor(const std::atomic<int>& value, int expected) {
  auto give_up = Clock::now() + milliseconds(2000);
  while (value != expected && Clock::now() < give_up) std::this_thread::sleep_for(milliseconds(1));
}

// Starts `method` and waits for it: {status, response or message}.
std::pair<int, std::string> CallAndWait(tfsrp_channel* channel, const std::string& method,
                                        const std::string& body, int64_t deadline_ms = 5000,
                                        const tfsrp_call_options* options = nullptr) {
  Result r;
  tfsrp_call* call = Start(channel, method, body, deadline_ms, &r, options);
  if (!r.Wait(milliseconds(20000))) return {-1, "no completion"};
  tfsrp_call_release(call);
  return {r.status, r.status == 0 ? r.response : r.message};
}

// A port nothing listens on (bound, then closed).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

struct ChannelHandle {
  tfsrp_channel* channel = nullptr;
  std::string error;

  explicit ChannelHandle(const std::string& target,
                         const tfsrp_channel_options* options = nullptr) {
    char* err = nullptr;
    channel = tfsrp_channel_acquire(target.c_str(), nullptr, options, &err);
    if (err != nullptr) error = err;
    tfsrp_free_string(err);
  }
  ~ChannelHandle() { tfsrp_channel_release(channel); }
};

int64_t ElapsedMs(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration_cast<milliseconds>(end - start).count();
}

TEST(TransportTest, EchoSmall) {
  ChannelHandle ch(server().target());
  ASSERT_NE(ch.channel, nullptr) << ch.error;
  int freed_before = g_freed;
  Result r;
  tfsrp_call* call = Start(ch.channel, "/test.Echo/Echo", "hello", 5000, &r);
  ASSERT_NE(call, nullptr);
  ASSERT_TRUE(r.Wait());
  tfsrp_call_release(call);
  EXPECT_EQ(r.status, 0) << r.message;
  EXPECT_EQ(r.response, "hello");
  // The request may be freed just after the done callback returns.
  WaitFor(g_freed, freed_before + 1);
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(g_freed - freed_before, 1);
}

TEST(TransportTest, EchoEightMiBUnlimited) {
  tfsrp_channel_options options{};  // unlimited
  ChannelHandle ch(server().target(), &options);
  ASSERT_NE(ch.channel, nullptr) << ch.error;
  std::string body(8 << 20, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 131 + (i >> 12));
  Result r;
  tfsrp_call* call = Start(ch.channel, "/test.Echo/Echo", body, 0, &r);
  ASSERT_TRUE(r.Wait());
  tfsrp_call_release(call);
  EXPECT_EQ(r.status, 0) << r.message;
  EXPECT_EQ(r.response.size(), body.size());
  EXPECT_TRUE(r.response == body);
  // Handed over as gRPC received it (HTTP/2 frames of 16 KiB), not joined.
  EXPECT_GT(r.chunks, 1u);
}

TEST(TransportTest, PiecesAreSentInOrderAndReleasedOnce) {
  tfsrp_channel_options options{};  // unlimited
  ChannelHandle ch(server().target(), &options);
  Referenced referenced;
  referenced.parts = {std::string(3 << 20, 'a'), "", std::string(70000, 'c')};
  for (size_t i = 0; i < referenced.parts[0].size(); ++i)
    referenced.parts[0][i] = static_cast<char>(i * 7);
  std::string copied_head = "head:", copied_mid = std::string(5000, 'm');
  std::vector<tfsrp_piece> pieces = {
      {copied_head.data(), copied_head.size(), nullptr, nullptr},
      referenced.Piece(0),
      {copied_mid.data(), copied_mid.size(), nullptr, nullptr},
      referenced.Piece(1),
      referenced.Piece(2),
      {nullptr, 0, nullptr, nullptr},
  };
  Result r;
  r.release_in_callback = true;
  tfsrp_call* call = tfsrp_call_start_pieces(ch.channel, "/test.Echo/Echo", pieces.data(),
                                             pieces.size(), 10000, nullptr, &Result::Done, &r);
  // Copied pieces may go at once.
  copied_head.assign(copied_head.size(), '?');
  copied_mid.assign(copied_mid.size(), '?');
  ASSERT_NE(call, nullptr);
  ASSERT_TRUE(r.Wait());
  tfsrp_call_release(call);
  EXPECT_EQ(r.status, 0) << r.message;
  const std::string expected =
      "head:" + referenced.parts[0] + std::string(5000, 'm') + referenced.parts[2];
  EXPECT_EQ(r.response.size(), expected.size());
  EXPECT_TRUE(r.response == expected);
  WaitFor(referenced.releases, 3);
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(referenced.releases, 3);
}

TEST(TransportTest, UnknownMethodIsUnimplemented) {
  ChannelHandle ch(server().target());
  Result r;
  tfsrp_call* call = Start(ch.channel, "/test.Echo/Nope", "x", 5000, &r);
  ASSERT_TRUE(r.Wait());
  tfsrp_call_release(call);
  EXPECT_EQ(r.status, 12);
  EXPECT_EQ(r.message, "no /test.Echo/Nope");
}

TEST(TransportTest, DeadlineExceeded) {
  ChannelHandle ch(server().target());
  Result warm;  // connect first so the timing measures only the deadline
  tfsrp_call_release(Start(ch.channel, "/test.Echo/Echo", "", 5000, &warm));
  ASSERT_TRUE(warm.Wait());

  Result r;
  auto start = Clock::now();
  tfsrp_call* call = Start(ch.channel, "/test.Echo/Slow", "2000", 200, &r);
  ASSERT_TRUE(r.Wait());
  tfsrp_call_release(call);
  EXPECT_EQ(r.status, 4) << r.message;
  EXPECT_GE(ElapsedMs(start, r.finished), 190);
  EXPECT_LE(ElapsedMs(start, r.finished), 600);
}

TEST(TransportTest, CancelDuringCall) {
  ChannelHandle ch(server().target());
  Result r;
  tfsrp_call* call = Start(ch.channel, "/test.Echo/Slow", "2000", 0, &r);
  std::this_thread::sleep_for(milliseconds(100));
  auto cancelled_at = Clock::now();
  tfsrp_call_cancel(call);
  ASSERT_TRUE(r.Wait());
  EXPECT_EQ(r.status, 1) << r.message;
  EXPECT_LE(ElapsedMs(cancelled_at, r.finished), 500);
  tfsrp_call_cancel(call);
  tfsrp_call_release(call);
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(r.invocations, 1);
}

TEST(TransportTest, CancelAfterCompletionIsHarmless) {
  ChannelHandle ch(server().target());
  Result r;
  tfsrp_call* call = Start(ch.channel, "/test.Echo/Echo", "abc", 5000, &r);
  ASSERT_TRUE(r.Wait());
  tfsrp_call_cancel(call);
  tfsrp_call_release(call);
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(r.invocations, 1);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.response, "abc");
}

TEST(TransportTest, ReleaseBeforeCompletionStillCompletes) {
  ChannelHandle ch(server().target());
  Result r;
  tfsrp_call_release(Start(ch.channel, "/test.Echo/Slow", "50", 5000, &r));
  ASSERT_TRUE(r.Wait());
  EXPECT_EQ(r.status, 0) << r.message;
  EXPECT_EQ(r.response, "done");
}

// The call's context then holds the last reference to the grpc::Channel, so
// the channel is destroyed on a gRPC callback thread when the call finishes.
TEST(TransportTest, ChannelReleasedBeforeItsLastCallCompletes) {
  for (int round = 0; round < 3; ++round) {
    Result r;
    {
      ChannelHandle ch(server().target(), nullptr);
      tfsrp_call_release(Start(ch.channel, "/test.Echo/Slow", "50", 5000, &r));
    }
    ASSERT_TRUE(r.Wait());
    EXPECT_EQ(r.status, 0) << r.message;
    std::this_thread::sleep_for(milliseconds(100));
  }
  ChannelHandle ch(server().target());
  Result r;
  tfsrp_call_release(Start(ch.channel, "/test.Echo/Echo", "again", 5000, &r));
  ASSERT_TRUE(r.Wait());
  EXPECT_EQ(r.response, "again");
}

TEST(TransportTest, DeadPortIsUnavailable) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);

  ChannelHandle ch("127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  ASSERT_NE(ch.channel, nullptr) << ch.error;
  Result r;
  tfsrp_call* call = Start(ch.channel, "/test.Echo/Echo", "x", 5000, &r);
  ASSERT_TRUE(r.Wait());
  tfsrp_call_release(call);
  EXPECT_EQ(r.status, 14) << r.message;
}

TEST(TransportTest, UnsupportedTargetsAreRejected) {
  for (const char* target : {"", "xds:///foo", "http://host:80", "garbage", "host:", ":80",
                             "host:port", "unix-abstract:foo", "dns:", "host :80", "a/b:80"}) {
    ChannelHandle ch(target);
    EXPECT_EQ(ch.channel, nullptr) << target;
    EXPECT_EQ(ch.error, std::string("target_address '") + target +
                            "' is not supported: use host:port or a dns:, "
                            "ipv4:, ipv6: or unix: target");
  }
  char* err = nullptr;
  EXPECT_EQ(tfsrp_channel_acquire(nullptr, nullptr, nullptr, &err), nullptr);
  EXPECT_NE(err, nullptr);
  tfsrp_free_string(err);
}

TEST(TransportTest, SupportedTargetsAreAccepted) {
  for (const char* target :
       {"localhost:1", "[::1]:1", "dns:///localhost:1", "ipv4:127.0.0.1:1", "ipv6:[::1]:1",
        "unix:/tmp/tfsrp-none.sock", "my-host.example_1:443"}) {
    ChannelHandle ch(target);
    EXPECT_NE(ch.channel, nullptr) << target << ": " << ch.error;
  }
}

TEST(TransportTest, ChannelsAreSharedPerKey) {
  size_t base = tfsrp_channel_count();
  tfsrp_channel* a = tfsrp_channel_acquire("localhost:7001", nullptr, nullptr, nullptr);
  tfsrp_channel* b = tfsrp_channel_acquire("localhost:7001", nullptr, nullptr, nullptr);
  EXPECT_EQ(a, b);
  EXPECT_EQ(tfsrp_channel_count(), base + 1);
  tfsrp_channel* c = tfsrp_channel_acquire("localhost:7002", nullptr, nullptr, nullptr);
  EXPECT_EQ(tfsrp_channel_count(), base + 2);
  tfsrp_channel_options small{};
  small.max_receive_message_bytes = 1024;
  tfsrp_channel* d = tfsrp_channel_acquire("localhost:7001", nullptr, &small, nullptr);
  tfsrp_tls_credentials tls{nullptr, nullptr, nullptr};
  tfsrp_channel* e = tfsrp_channel_acquire("localhost:7001", &tls, nullptr, nullptr);
  EXPECT_EQ(tfsrp_channel_count(), base + 4);
  EXPECT_NE(d, a);
  EXPECT_NE(e, a);
  for (tfsrp_channel* ch : {c, d, e}) tfsrp_channel_release(ch);
  tfsrp_channel_release(a);
  EXPECT_EQ(tfsrp_channel_count(), base + 1);
  tfsrp_channel_release(b);
  EXPECT_EQ(tfsrp_channel_count(), base);
}

TEST(TransportTest, TwoHundredConcurrentCalls) {
  ChannelHandle ch(server().target());
  constexpr int kCalls = 200;
  std::vector<Result> results(kCalls);
  std::vector<tfsrp_call*> calls;
  for (int i = 0; i < kCalls; ++i)
    calls.push_back(
        Start(ch.channel, "/test.Echo/Echo", "payload-" + std::to_string(i), 10000, &results[i]));
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(results[i].Wait()) << i;
    EXPECT_EQ(results[i].status, 0) << i << ": " << results[i].message;
    EXPECT_EQ(results[i].response, "payload-" + std::to_string(i));
  }
  for (tfsrp_call* call : calls) tfsrp_call_release(call);
}

TEST(TransportTest, ResponseOverReceiveLimitIsResourceExhausted) {
  tfsrp_channel_options options{};
  options.max_receive_message_bytes = 1024;
  ChannelHandle ch(server().target(), &options);
  Result r;
  tfsrp_call* call = Start(ch.channel, "/test.Echo/Echo", std::string(4096, 'x'), 5000, &r);
  ASSERT_TRUE(r.Wait());
  tfsrp_call_release(call);
  EXPECT_EQ(r.status, 8) << r.message;
}

TEST(TransportTest, NullChannelFreesRequest) {
  int freed_before = g_freed;
  Result r;
  EXPECT_EQ(Start(nullptr, "/test.Echo/Echo", "x", 0, &r), nullptr);
  EXPECT_EQ(g_freed - freed_before, 1);
  EXPECT_EQ(r.invocations, 0);
}

TEST(TransportTest, RefusedCallReleasesEveryPiece) {
  ChannelHandle ch(server().target());
  Referenced referenced;
  referenced.parts = {"one", "two"};
  const char copied[] = "three";
  tfsrp_piece pieces[] = {referenced.Piece(0), {copied, 5, nullptr, nullptr}, referenced.Piece(1)};
  Result r;
  EXPECT_EQ(tfsrp_call_start_pieces(ch.channel, nullptr, pieces, 3, 0, nullptr, &Result::Done, &r),
            nullptr);
  EXPECT_EQ(referenced.releases, 2);
  EXPECT_EQ(
      tfsrp_call_start_pieces(ch.channel, "/test.Echo/Echo", pieces, 3, 0, nullptr, nullptr, &r),
      nullptr);
  EXPECT_EQ(referenced.releases, 4);
  EXPECT_EQ(r.invocations, 0);
  tfsrp_response_release(nullptr);  // a no-op
}

// Three servers behind one ipv4: target; "Who" names the server that answered.
class ThreeServers {
 public:
  ThreeServers() {
    for (const char* name : {"a", "b", "c"}) servers_.push_back(std::make_unique<TestServer>(name));
  }
  std::string ipv4() const {
    std::string target = "ipv4:";
    for (const auto& s : servers_) target += (target.size() > 5 ? "," : "") + s->target();
    return target;
  }
  TestServer& operator[](size_t i) { return *servers_[i]; }

 private:
  std::vector<std::unique_ptr<TestServer>> servers_;
};

std::map<std::string, int> WhoAnswers(tfsrp_channel* channel, int calls) {
  std::map<std::string, int> count;
  for (int i = 0; i < calls; ++i) ++count[CallAndWait(channel, "/test.Echo/Who", "").second];
  return count;
}

TEST(TransportTest, RoundRobinSpreadsCallsOverEveryAddress) {
  static auto* servers = new ThreeServers;  // leaked, as server()
  tfsrp_channel_options options{};
  options.load_balancing_policy = "round_robin";
  ChannelHandle ch(servers->ipv4(), &options);
  ASSERT_NE(ch.channel, nullptr) << ch.error;
  CallAndWait(ch.channel, "/test.Echo/Who", "");   // connect
  std::this_thread::sleep_for(milliseconds(200));  // every subchannel ready
  std::map<std::string, int> count = WhoAnswers(ch.channel, 300);
  EXPECT_EQ(count.size(), 3u);
  for (const auto& [name, n] : count) EXPECT_NEAR(n, 100, 20) << name;

  ChannelHandle first(servers->ipv4());  // pick_first: one server takes all
  EXPECT_EQ(WhoAnswers(first.channel, 30).size(), 1u);
}

TEST(TransportTest, UnsupportedLoadBalancingPolicyIsRefused) {
  tfsrp_channel_options options{};
  options.load_balancing_policy = "grpclb";
  ChannelHandle ch("localhost:1", &options);
  EXPECT_EQ(ch.channel, nullptr);
  EXPECT_NE(ch.error.find("grpclb"), std::string::npos) << ch.error;
}

TEST(TransportTest, RetryPolicyRetriesRetryableCodesWithinTheDeadline) {
  static auto* s = new TestServer("retry");
  tfsrp_channel_options options{};
  options.retry_max_attempts = 4;
  options.retry_initial_backoff_ms = 10;
  options.retry_max_backoff_ms = 50;
  options.retry_backoff_multiplier = 2;
  options.retry_status_codes = 1u << 14;
  ChannelHandle ch(s->target(), &options);
  ASSERT_NE(ch.channel, nullptr) << ch.error;
  int before = s->calls();
  EXPECT_EQ(CallAndWait(ch.channel, "/test.Echo/Unavailable", "").first, 14);
  EXPECT_EQ(s->calls() - before, 4);

  before = s->calls();  // a code that is not retryable: one attempt
  EXPECT_EQ(CallAndWait(ch.channel, "/test.Echo/Nope", "").first, 12);
  EXPECT_EQ(s->calls() - before, 1);

  ChannelHandle plain(s->target());  // no policy: no retries
  before = s->calls();
  EXPECT_EQ(CallAndWait(plain.channel, "/test.Echo/Unavailable", "").first, 14);
  EXPECT_EQ(s->calls() - before, 1);

  // Backoffs longer than the deadline: the call ends at its deadline.
  options.retry_initial_backoff_ms = 5000;
  options.retry_max_backoff_ms = 5000;
  ChannelHandle slow(s->target(), &options);
  auto start = Clock::now();
  EXPECT_EQ(CallAndWait(slow.channel, "/test.Echo/Unavailable", "", 300).first, 4);
  EXPECT_LE(ElapsedMs(start, Clock::now()), 1500);
}

TEST(TransportTest, MetadataReachesTheServer) {
  ChannelHandle ch(server().target());
  const std::string binary("\0\1\xff", 3);
  tfsrp_metadata_entry entries[] = {{"x-token", 7, "abc", 3}, {"trace-bin", 9, binary.data(), 3}};
  tfsrp_call_options options{};
  options.metadata = entries;
  options.metadata_count = 2;
  EXPECT_EQ(CallAndWait(ch.channel, "/test.Echo/Metadata", "x-token", 5000, &options),
            std::make_pair(0, std::string("abc")));
  EXPECT_EQ(CallAndWait(ch.channel, "/test.Echo/Metadata", "trace-bin", 5000, &options),
            std::make_pair(0, binary));
  EXPECT_EQ(CallAndWait(ch.channel, "/test.Echo/Metadata", "x-token").second, "<absent>");

  tfsrp_metadata_entry bad[] = {{"X-Token", 7, "abc", 3}};
  options.metadata = bad;
  options.metadata_count = 1;
  auto refused = CallAndWait(ch.channel, "/test.Echo/Metadata", "x-token", 5000, &options);
  EXPECT_EQ(refused.first, 3);
  EXPECT_NE(refused.second.find("X-Token"), std::string::npos) << refused.second;
  char* problem = tfsrp_metadata_problem("grpc-timeout", 12, "1S", 2);
  ASSERT_NE(problem, nullptr);
  tfsrp_free_string(problem);
  EXPECT_EQ(tfsrp_metadata_problem("x-ok", 4, "fine", 4), nullptr);
}

TEST(TransportTest, WaitForReadyWaitsForTheServerWithinTheDeadline) {
  const int port = FreePort();
  ChannelHandle ch("127.0.0.1:" + std::to_string(port));
  // Fail fast (the default): UNAVAILABLE at once.
  auto start = Clock::now();
  EXPECT_EQ(CallAndWait(ch.channel, "/test.Echo/Who", "", 3000).first, 14);
  EXPECT_LE(ElapsedMs(start, Clock::now()), 1500);

  tfsrp_call_options options{};
  options.wait_for_ready = 1;
  start = Clock::now();
  EXPECT_EQ(CallAndWait(ch.channel, "/test.Echo/Who", "", 500, &options).first, 4);
  EXPECT_GE(ElapsedMs(start, Clock::now()), 450);

  Result r;
  tfsrp_call* call = Start(ch.channel, "/test.Echo/Who", "", 15000, &r, &options);
  std::this_thread::sleep_for(milliseconds(300));
  static auto* late = new TestServer("late", port);
  ASSERT_EQ(late->port(), port);
  ASSERT_TRUE(r.Wait(milliseconds(15000)));
  tfsrp_call_release(call);
  EXPECT_EQ(r.status, 0) << r.message;
  EXPECT_EQ(r.response, "late");
}

TEST(TransportTest, ConnectionsOpensThatManyConnectionsTakenInTurn) {
  tfsrp_channel_options options{};
  options.connections = 4;
  ChannelHandle ch(server().target(), &options);
  ASSERT_NE(ch.channel, nullptr) << ch.error;
  std::map<std::string, int> peers;
  for (int i = 0; i < 40; ++i) ++peers[CallAndWait(ch.channel, "/test.Echo/Peer", "").second];
  EXPECT_EQ(peers.size(), 4u);
  for (const auto& [peer, n] : peers) EXPECT_EQ(n, 10) << peer;

  ChannelHandle one(server().target());
  std::map<std::string, int> single;
  for (int i = 0; i < 10; ++i) ++single[CallAndWait(one.channel, "/test.Echo/Peer", "").second];
  EXPECT_EQ(single.size(), 1u);

  options.connections = 65;
  ChannelHandle too_many(server().target(), &options);
  EXPECT_EQ(too_many.channel, nullptr);
}

TEST(TransportTest, ChannelOptionsArePartOfTheChannelKey) {
  size_t base = tfsrp_channel_count();
  tfsrp_channel_options rr{};
  rr.load_balancing_policy = "round_robin";
  tfsrp_channel_options keepalive{};
  keepalive.keepalive_time_ms = 1000;
  ChannelHandle a("localhost:7003", &rr), b("localhost:7003", &rr), c("localhost:7003", &keepalive),
      d("localhost:7003");
  EXPECT_EQ(a.channel, b.channel);
  EXPECT_NE(a.channel, c.channel);
  EXPECT_NE(a.channel, d.channel);
  EXPECT_EQ(tfsrp_channel_count(), base + 3);
}

}  // namespace
