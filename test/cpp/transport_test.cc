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
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Echo echoes; Slow replies "done" after the number of ms in the request,
// on a timer rather than a blocked thread; anything else is UNIMPLEMENTED.
class TestReactor : public grpc::ServerGenericBidiReactor {
 public:
  explicit TestReactor(grpc::GenericCallbackServerContext* ctx)
      : method_(ctx->method()) {
    if (method_ == "/test.Echo/Echo" || method_ == "/test.Echo/Slow")
      StartRead(&request_);
    else
      Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no " + method_));
  }

  void OnReadDone(bool ok) override {
    if (!ok) return Finish(grpc::Status(grpc::StatusCode::CANCELLED, ""));
    if (method_ == "/test.Echo/Echo")
      return StartWriteAndFinish(&request_, grpc::WriteOptions(),
                                 grpc::Status::OK);
    std::vector<grpc::Slice> slices;
    (void)request_.Dump(&slices);
    std::string ms;
    for (const auto& s : slices)
      ms.append(reinterpret_cast<const char*>(s.begin()), s.size());
    alarm_.Set(std::chrono::system_clock::now() + milliseconds(std::atoi(ms.c_str())),
               [this](bool fired) {
                 if (!fired)
                   return Finish(grpc::Status(grpc::StatusCode::CANCELLED, ""));
                 grpc::Slice done("done");
                 response_ = grpc::ByteBuffer(&done, 1);
                 StartWriteAndFinish(&response_, grpc::WriteOptions(),
                                     grpc::Status::OK);
               });
  }

  void OnCancel() override { alarm_.Cancel(); }
  void OnDone() override { delete this; }

 private:
  std::string method_;
  grpc::ByteBuffer request_, response_;
  grpc::Alarm alarm_;
};

class TestService : public grpc::CallbackGenericService {
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* ctx) override {
    return new TestReactor(ctx);
  }
};

class TestServer {
 public:
  TestServer() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.SetMaxReceiveMessageSize(-1);
    builder.SetMaxSendMessageSize(-1);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
  }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }

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

  static void Done(void* self, int status, const char* message,
                   size_t message_len, const tfsrp_chunk* chunks,
                   size_t chunk_count, tfsrp_response* response) {
    auto* r = static_cast<Result*>(self);
    std::lock_guard<std::mutex> lock(r->mu);
    ++r->invocations;
    r->status = status;
    r->message.assign(message, message_len);
    r->response.clear();
    for (size_t i = 0; i < chunk_count; ++i)
      r->response.append(chunks[i].data, chunks[i].len);
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
tfsrp_call* Start(tfsrp_channel* channel, const std::string& method,
                  const std::string& body, int64_t deadline_ms, Result* r) {
  char* request = static_cast<char*>(std::malloc(body.size() + 1));
  std::memcpy(request, body.data(), body.size());
  tfsrp_piece piece{request, body.size(), FreeRequest, request};
  return tfsrp_call_start_pieces(channel, method.c_str(), &piece, 1, deadline_ms,
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
  while (value != expected && Clock::now() < give_up)
    std::this_thread::sleep_for(milliseconds(1));
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
  tfsrp_channel_options options{0, 0};
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
  tfsrp_channel_options options{0, 0};
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
                                             pieces.size(), 10000, &Result::Done, &r);
  // Copied pieces may go at once.
  copied_head.assign(copied_head.size(), '?');
  copied_mid.assign(copied_mid.size(), '?');
  ASSERT_NE(call, nullptr);
  ASSERT_TRUE(r.Wait());
  tfsrp_call_release(call);
  EXPECT_EQ(r.status, 0) << r.message;
  const std::string expected = "head:" + referenced.parts[0] + std::string(5000, 'm') +
                               referenced.parts[2];
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
  for (const char* target :
       {"", "xds:///foo", "http://host:80", "garbage", "host:", ":80",
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
       {"localhost:1", "[::1]:1", "dns:///localhost:1", "ipv4:127.0.0.1:1",
        "ipv6:[::1]:1", "unix:/tmp/tfsrp-none.sock", "my-host.example_1:443"}) {
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
  tfsrp_channel_options small{0, 1024};
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
    calls.push_back(Start(ch.channel, "/test.Echo/Echo",
                          "payload-" + std::to_string(i), 10000, &results[i]));
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(results[i].Wait()) << i;
    EXPECT_EQ(results[i].status, 0) << i << ": " << results[i].message;
    EXPECT_EQ(results[i].response, "payload-" + std::to_string(i));
  }
  for (tfsrp_call* call : calls) tfsrp_call_release(call);
}

TEST(TransportTest, ResponseOverReceiveLimitIsResourceExhausted) {
  tfsrp_channel_options options{0, 1024};
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
  tfsrp_piece pieces[] = {referenced.Piece(0), {copied, 5, nullptr, nullptr},
                          referenced.Piece(1)};
  Result r;
  EXPECT_EQ(tfsrp_call_start_pieces(ch.channel, nullptr, pieces, 3, 0, &Result::Done, &r),
            nullptr);
  EXPECT_EQ(referenced.releases, 2);
  EXPECT_EQ(tfsrp_call_start_pieces(ch.channel, "/test.Echo/Echo", pieces, 3, 0, nullptr, &r),
            nullptr);
  EXPECT_EQ(referenced.releases, 4);
  EXPECT_EQ(r.invocations, 0);
  tfsrp_response_release(nullptr);  // a no-op
}

}  // namespace
