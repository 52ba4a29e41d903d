// Isolated gRPC transport: only Debian's gRPC headers are visible here, and
// the whole gRPC/OpenSSL stack is linked statically and hidden behind the C ABI
// of grpc_transport.h (see docs/ARCHITECTURE.md#linking).
#include "grpc_transport.h"

#include <absl/synchronization/mutex.h>
#include <grpc/grpc.h>
#include <grpc/support/log.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/generic/generic_stub.h>

#include <sys/un.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct tfsrp_channel {
  std::string key;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::GenericStub> stub;
  size_t refs = 1;  // guarded by Registry::mu
};

struct tfsrp_response {
  std::vector<grpc::Slice> slices;  // references to the received message's slices
};

struct tfsrp_call {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  tfsrp_response received;
  tfsrp_call_done_fn done;
  void* user_data;
  // One reference for the caller's handle, one for the pending completion.
  std::atomic<int> refs{2};
};

namespace {

struct Registry {
  std::mutex mu;
  std::unordered_map<std::string, tfsrp_channel*> channels;
};

// Deliberately leaked: no static destructor may tear channels down while
// calls are still completing on gRPC threads at process exit.
Registry& registry() {
  static auto* r = new Registry;
  return *r;
}

// gRPC 1.51 on Linux runs callback-API completions on one process-wide
// completion queue whose threads are torn down (and joined) when the last
// channel that used it is destroyed. A channel whose last reference is dropped
// by a finishing call is destroyed on one of those threads, which then joins
// itself and frees the queue under its own feet. A leaked channel that has
// made one callback call keeps the queue referenced for the process lifetime.
void AnchorCallbackQueue() {
  struct Anchor {
    grpc::ClientContext context;
    grpc::ByteBuffer request, response;
  };
  auto* anchor = new Anchor;
  grpc::Slice empty;
  anchor->request = grpc::ByteBuffer(&empty, 1);
  anchor->context.set_deadline(std::chrono::system_clock::now());
  grpc::GenericStub(grpc::CreateChannel("unix:/nonexistent/tfsrp-anchor",
                                        grpc::InsecureChannelCredentials()))
      .UnaryCall(&anchor->context, "/tfsrp.Anchor/Anchor", grpc::StubOptions(),
                 &anchor->request, &anchor->response, [](const grpc::Status&) {});
}

void DropLog(gpr_log_func_args*) {}

void InitGrpcOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Debian's abseil checks every Mutex for lock-order cycles, a global lock
    // graph updated on each lock inside gRPC; our call paths need none of it.
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
    grpc_init();  // never shut down, so channel churn can't restart gRPC
    // Failures reach callers as statuses; gRPC's own log lines (one per
    // failed TLS handshake, for example) only when GRPC_VERBOSITY asks.
    if (std::getenv("GRPC_VERBOSITY") == nullptr) gpr_set_log_function(DropLog);
    AnchorCallbackQueue();
  });
}

char* CopyString(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out != nullptr) std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

bool IsDigits(std::string_view s) {
  return !s.empty() &&
         s.find_first_not_of("0123456789") == std::string_view::npos;
}

// Returns the target to hand to gRPC, or nullopt if it is not one of the
// plain forms. Bare host:port is pinned to the dns resolver so that no other
// resolver (xds, ...) can be reached through an ambiguous "scheme:path".
std::optional<std::string> CanonicalTarget(std::string_view target) {
  for (char c : target)
    if (static_cast<unsigned char>(c) <= ' ') return std::nullopt;
  for (std::string_view scheme : {"dns:", "ipv4:", "ipv6:", "unix:"})
    if (target.size() > scheme.size() &&
        target.substr(0, scheme.size()) == scheme)
      return std::string(target);

  size_t colon = target.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = target.substr(0, colon);
  std::string_view port = target.substr(colon + 1);
  if (!IsDigits(port) || port.size() > 5) return std::nullopt;
  bool ok = host.size() > 2 && host.front() == '[' && host.back() == ']'
                ? host.find_first_of("[]/", 1) == host.size() - 1
                : !host.empty() && host.find_first_of(":/[]@") ==
                                       std::string_view::npos;
  if (!ok) return std::nullopt;
  return "dns:///" + std::string(target);
}

// gRPC turns a unix: path that does not fit a sockaddr_un into a channel
// that fails every call with an unrelated message.
std::string UnixPathProblem(std::string_view target) {
  constexpr std::string_view kScheme = "unix:";
  if (target.substr(0, kScheme.size()) != kScheme) return "";
  std::string_view path = target.substr(kScheme.size());
  if (path.substr(0, 3) == "///") path.remove_prefix(2);
  constexpr size_t kMaxPath = sizeof(sockaddr_un::sun_path) - 1;
  if (path.size() <= kMaxPath) return "";
  return "target_address '" + std::string(target) + "': the unix socket path is " +
         std::to_string(path.size()) + " bytes long; the limit is " +
         std::to_string(kMaxPath) + " bytes (sockaddr_un)";
}

void AppendField(std::string& key, const char* value) {
  std::string_view v = value != nullptr ? value : "";
  key += std::to_string(v.size());
  key += value != nullptr ? ':' : '!';
  key += v;
}

std::string ChannelKey(const std::string& target,
                       const tfsrp_tls_credentials* tls, int max_send,
                       int max_receive) {
  std::string key;
  AppendField(key, target.c_str());
  key += tls != nullptr ? "tls" : "plain";
  if (tls != nullptr) {
    AppendField(key, tls->root_certs);
    AppendField(key, tls->private_key);
    AppendField(key, tls->cert_chain);
  }
  key += "/" + std::to_string(max_send) + "/" + std::to_string(max_receive);
  return key;
}

std::shared_ptr<grpc::ChannelCredentials> Credentials(
    const tfsrp_tls_credentials* tls) {
  if (tls == nullptr) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  if (tls->root_certs != nullptr) options.pem_root_certs = tls->root_certs;
  if (tls->private_key != nullptr) options.pem_private_key = tls->private_key;
  if (tls->cert_chain != nullptr) options.pem_cert_chain = tls->cert_chain;
  return grpc::SslCredentials(options);
}

int Limit(int32_t bytes) { return bytes > 0 ? bytes : -1; }

void Unref(tfsrp_call* call) {
  if (call->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete call;
}

void Complete(tfsrp_call* call, const grpc::Status& status) {
  // gRPC is done with the request: its pieces go back to their owners now.
  call->request.Clear();
  int code = status.error_code();
  std::string message = status.error_message();
  std::vector<tfsrp_chunk> chunks;
  if (status.ok() && call->response.Valid()) {
    // References to the received slices, no copy; the buffer lets go of its own.
    if (call->response.Dump(&call->received.slices).ok()) {
      chunks.reserve(call->received.slices.size());
      for (const grpc::Slice& slice : call->received.slices) {
        if (slice.size() > 0)
          chunks.push_back({reinterpret_cast<const char*>(slice.begin()), slice.size()});
      }
    } else {
      code = grpc::StatusCode::INTERNAL;
      message = "cannot read the response message";
    }
    call->response.Clear();
  }
  call->done(call->user_data, code, message.data(), message.size(),
             chunks.data(), chunks.size(), &call->received);
  tfsrp_response_release(&call->received);
  Unref(call);
}

void ReleasePiece(void* piece) {
  auto* p = static_cast<tfsrp_piece*>(piece);
  p->release(p->release_arg);
  delete p;
}

// A slice that sends the piece from where it is, or a copy of it.
grpc::Slice PieceSlice(const tfsrp_piece& piece) {
  if (piece.release == nullptr) return grpc::Slice(piece.data, piece.len);
  return grpc::Slice(const_cast<char*>(piece.data), piece.len, &ReleasePiece,
                     new tfsrp_piece(piece));
}

}  // namespace

extern "C" {

tfsrp_channel* tfsrp_channel_acquire(const char* target,
                                     const tfsrp_tls_credentials* tls,
                                     const tfsrp_channel_options* options,
                                     char** error) {
  auto fail = [error](const std::string& message) -> tfsrp_channel* {
    if (error != nullptr) *error = CopyString(message);
    return nullptr;
  };
  std::string_view requested = target != nullptr ? target : "";
  std::string unix_problem = UnixPathProblem(requested);
  if (!unix_problem.empty()) return fail(unix_problem);
  std::optional<std::string> canonical = CanonicalTarget(requested);
  if (!canonical)
    return fail("target_address '" + std::string(requested) +
                "' is not supported: use host:port or a dns:, ipv4:, ipv6: "
                "or unix: target");
  try {
    InitGrpcOnce();
    int max_send = Limit(options != nullptr ? options->max_send_message_bytes : 0);
    int max_receive =
        Limit(options != nullptr ? options->max_receive_message_bytes : 0);
    std::string key = ChannelKey(*canonical, tls, max_send, max_receive);

    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    auto it = r.channels.find(key);
    if (it != r.channels.end()) {
      ++it->second->refs;
      return it->second;
    }
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(max_send);
    args.SetMaxReceiveMessageSize(max_receive);
    // gRPC's 8 KiB default lets one long error message (grpc-message) fail
    // every call in flight on the connection.
    args.SetInt(GRPC_ARG_MAX_METADATA_SIZE, 1 << 20);
    auto entry = std::make_unique<tfsrp_channel>();
    entry->key = key;
    entry->channel =
        grpc::CreateCustomChannel(*canonical, Credentials(tls), args);
    entry->stub = std::make_unique<grpc::GenericStub>(entry->channel);
    r.channels.emplace(key, entry.get());
    return entry.release();
  } catch (const std::exception& e) {
    return fail(std::string("failed to create gRPC channel: ") + e.what());
  }
}

void tfsrp_channel_release(tfsrp_channel* channel) {
  if (channel == nullptr) return;
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.mu);
    if (--channel->refs > 0) return;
    r.channels.erase(channel->key);
  }
  delete channel;  // in-flight calls keep the grpc::Channel via their context
}

tfsrp_call* tfsrp_call_start_pieces(tfsrp_channel* channel, const char* method,
                                    const tfsrp_piece* pieces, size_t piece_count,
                                    int64_t deadline_millis, tfsrp_call_done_fn done,
                                    void* user_data) {
  std::vector<grpc::Slice> slices;
  slices.reserve(piece_count);
  for (size_t i = 0; i < piece_count; ++i) slices.push_back(PieceSlice(pieces[i]));
  if (channel == nullptr || method == nullptr || done == nullptr)
    return nullptr;
  auto* call = new (std::nothrow) tfsrp_call;
  if (call == nullptr) return nullptr;
  call->request = grpc::ByteBuffer(slices.data(), slices.size());
  call->done = done;
  call->user_data = user_data;
  // Longer deadlines would overflow the clock's nanoseconds; a century is
  // as good as none.
  constexpr int64_t kMaxDeadlineMillis = int64_t{100} * 366 * 24 * 3600 * 1000;
  if (deadline_millis > 0)
    call->context.set_deadline(
        std::chrono::system_clock::now() +
        std::chrono::milliseconds(std::min(deadline_millis, kMaxDeadlineMillis)));
  channel->stub->UnaryCall(
      &call->context, method, grpc::StubOptions(), &call->request,
      &call->response,
      [call](const grpc::Status& status) { Complete(call, status); });
  return call;
}

void tfsrp_call_cancel(tfsrp_call* call) {
  if (call == nullptr) return;
  // TryCancel may run the completion inline; if the done callback then
  // releases the caller's handle, this reference keeps the context alive.
  call->refs.fetch_add(1, std::memory_order_relaxed);
  call->context.TryCancel();
  Unref(call);
}

void tfsrp_call_release(tfsrp_call* call) {
  if (call != nullptr) Unref(call);
}

void tfsrp_response_release(tfsrp_response* response) {
  if (response != nullptr) std::vector<grpc::Slice>().swap(response->slices);
}

size_t tfsrp_channel_count(void) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.channels.size();
}

void tfsrp_free_string(char* s) { std::free(s); }

}  // extern "C"
