// Isolated gRPC transport: only Debian's gRPC headers are visible here, and
// the whole gRPC/OpenSSL stack is linked statically and hidden behind the C ABI
// of grpc_transport.h (see docs/ARCHITECTURE.md#linking).
#include "grpc_transport.h"

#include <absl/synchronization/mutex.h>
#include <grpc/grpc.h>
#include <grpc/support/log.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <sys/un.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
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
  struct Connection {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<grpc::GenericStub> stub;
  };
  std::string key;
  // One, or `connections` gRPC channels with their own subchannels (and so
  // their own HTTP/2 connections), taken in turn by successive calls.
  std::vector<Connection> connections;
  std::atomic<uint32_t> next{0};
  size_t refs = 1;  // guarded by Registry::mu

  grpc::GenericStub& PickStub() {
    if (connections.size() == 1) return *connections[0].stub;
    return *connections[next.fetch_add(1, std::memory_order_relaxed) % connections.size()].stub;
  }
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
  grpc::GenericStub(
      grpc::CreateChannel("unix:/nonexistent/tfsrp-anchor", grpc::InsecureChannelCredentials()))
      .UnaryCall(&anchor->context, "/tfsrp.Anchor/Anchor", grpc::StubOptions(), &anchor->request,
                 &anchor->response, [](const grpc::Status&) {});
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
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// Returns the target to hand to gRPC, or nullopt if it is not one of the
// plain forms. Bare host:port is pinned to the dns resolver so that no other
// resolver (xds, ...) can be reached through an ambiguous "scheme:path".
std::optional<std::string> CanonicalTarget(std::string_view target) {
  for (char c : target)
    if (static_cast<unsigned char>(c) <= ' ') return std::nullopt;
  for (std::string_view scheme : {"dns:", "ipv4:", "ipv6:", "unix:"})
    if (target.size() > scheme.size() && target.substr(0, scheme.size()) == scheme)
      return std::string(target);

  size_t colon = target.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = target.substr(0, colon);
  std::string_view port = target.substr(colon + 1);
  if (!IsDigits(port) || port.size() > 5) return std::nullopt;
  bool ok = host.size() > 2 && host.front() == '[' && host.back() == ']'
                ? host.find_first_of("[]/", 1) == host.size() - 1
                : !host.empty() && host.find_first_of(":/[]@") == std::string_view::npos;
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
         std::to_string(path.size()) + " bytes long; the limit is " + std::to_string(kMaxPath) +
         " bytes (sockaddr_un)";
}

void AppendField(std::string& key, const char* value) {
  std::string_view v = value != nullptr ? value : "";
  key += std::to_string(v.size());
  key += value != nullptr ? ':' : '!';
  key += v;
}

// Channel options with gRPC's defaults for absent or out-of-range fields.
struct ChannelConfig {
  int max_send = -1;  // -1: unlimited
  int max_receive = -1;
  std::string load_balancing;    // "": gRPC's default
  int keepalive_time_ms = 0;     // 0: none
  int keepalive_timeout_ms = 0;  // 0: gRPC's default
  bool keepalive_permit_without_calls = false;
  int retry_max_attempts = 0;  // 0: no retry policy
  int retry_initial_backoff_ms = 0;
  int retry_max_backoff_ms = 0;
  double retry_backoff_multiplier = 0;
  uint32_t retry_status_codes = 0;
  int connections = 1;
  int reconnect_initial_backoff_ms = 0;  // 0: gRPC's default
  int reconnect_max_backoff_ms = 0;
};

int Limit(int32_t bytes) {
  return bytes > 0 ? bytes : -1;
}

// Returns an error message, or "" with *config filled in.
std::string ReadChannelOptions(const tfsrp_channel_options* options, ChannelConfig* config) {
  if (options == nullptr) return "";
  const tfsrp_channel_options& o = *options;
  config->max_send = Limit(o.max_send_message_bytes);
  config->max_receive = Limit(o.max_receive_message_bytes);
  config->load_balancing = o.load_balancing_policy != nullptr ? o.load_balancing_policy : "";
  if (!config->load_balancing.empty() && config->load_balancing != "pick_first" &&
      config->load_balancing != "round_robin")
    return "load balancing policy '" + config->load_balancing +
           "' is not supported: use pick_first or round_robin";
  config->keepalive_time_ms = std::max(o.keepalive_time_ms, 0);
  config->keepalive_timeout_ms = std::max(o.keepalive_timeout_ms, 0);
  config->keepalive_permit_without_calls = o.keepalive_permit_without_calls != 0;
  if (o.retry_max_attempts >= 2) {
    if (o.retry_initial_backoff_ms <= 0 || o.retry_max_backoff_ms <= 0 ||
        !(o.retry_backoff_multiplier > 0) || !std::isfinite(o.retry_backoff_multiplier) ||
        (o.retry_status_codes & ~uint32_t{0xfffe}) != 0 || o.retry_status_codes == 0)
      return "retry policy: the backoffs and multiplier must be positive and the "
             "retryable status codes a non-empty set of codes 1-16";
    config->retry_max_attempts = o.retry_max_attempts;
    config->retry_initial_backoff_ms = o.retry_initial_backoff_ms;
    config->retry_max_backoff_ms = o.retry_max_backoff_ms;
    config->retry_backoff_multiplier = o.retry_backoff_multiplier;
    config->retry_status_codes = o.retry_status_codes;
  }
  constexpr int kMaxConnections = 64;
  if (o.connections > kMaxConnections)
    return "connections must be at most " + std::to_string(kMaxConnections) + ", got " +
           std::to_string(o.connections);
  config->connections = std::max(o.connections, 1);
  config->reconnect_initial_backoff_ms = std::max(o.reconnect_initial_backoff_ms, 0);
  config->reconnect_max_backoff_ms = std::max(o.reconnect_max_backoff_ms, 0);
  // gRPC's first wait (1 s) is not capped by the maximum: cap it.
  constexpr int kGrpcInitialReconnectBackoffMs = 1000;
  if (config->reconnect_initial_backoff_ms == 0 && config->reconnect_max_backoff_ms > 0)
    config->reconnect_initial_backoff_ms =
        std::min(config->reconnect_max_backoff_ms, kGrpcInitialReconnectBackoffMs);
  return "";
}

std::string ChannelKey(const std::string& target, const tfsrp_tls_credentials* tls,
                       const ChannelConfig& c) {
  std::string key;
  AppendField(key, target.c_str());
  key += tls != nullptr ? "tls" : "plain";
  if (tls != nullptr) {
    AppendField(key, tls->root_certs);
    AppendField(key, tls->private_key);
    AppendField(key, tls->cert_chain);
  }
  key += "/" + std::to_string(c.max_send) + "/" + std::to_string(c.max_receive);
  AppendField(key, c.load_balancing.c_str());
  for (int64_t field :
       {int64_t{c.keepalive_time_ms}, int64_t{c.keepalive_timeout_ms},
        int64_t{c.keepalive_permit_without_calls}, int64_t{c.retry_max_attempts},
        int64_t{c.retry_initial_backoff_ms}, int64_t{c.retry_max_backoff_ms},
        int64_t{c.retry_status_codes}, int64_t{c.connections},
        int64_t{c.reconnect_initial_backoff_ms}, int64_t{c.reconnect_max_backoff_ms}})
    key += "/" + std::to_string(field);
  char multiplier[32];
  std::snprintf(multiplier, sizeof multiplier, "/%.17g", c.retry_backoff_multiplier);
  key += multiplier;
  return key;
}

// gRPC's status code names, as the service config spells them.
const char* const kStatusCodeNames[] = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

std::string Seconds(int millis) {
  char out[32];
  std::snprintf(out, sizeof out, "%d.%03ds", millis / 1000, millis % 1000);
  return out;
}

// The channel's default service config (a resolver's, e.g. from DNS TXT
// records, would take precedence, as in any gRPC client): the load balancing
// policy and a retry policy for every method. "" when neither is set.
std::string ServiceConfigJson(const ChannelConfig& c) {
  std::string json;
  if (!c.load_balancing.empty())
    json += "\"loadBalancingConfig\":[{\"" + c.load_balancing + "\":{}}]";
  if (c.retry_max_attempts >= 2) {
    if (!json.empty()) json += ",";
    char multiplier[32];
    std::snprintf(multiplier, sizeof multiplier, "%.17g", c.retry_backoff_multiplier);
    std::string codes;
    for (int code = 1; code <= 16; ++code) {
      if ((c.retry_status_codes & (uint32_t{1} << code)) == 0) continue;
      if (!codes.empty()) codes += ",";
      codes += std::string("\"") + kStatusCodeNames[code] + "\"";
    }
    json += "\"methodConfig\":[{\"name\":[{}],\"retryPolicy\":{\"maxAttempts\":" +
            std::to_string(c.retry_max_attempts) + ",\"initialBackoff\":\"" +
            Seconds(c.retry_initial_backoff_ms) + "\",\"maxBackoff\":\"" +
            Seconds(c.retry_max_backoff_ms) + "\",\"backoffMultiplier\":" + multiplier +
            ",\"retryableStatusCodes\":[" + codes + "]}}]";
  }
  return json.empty() ? json : "{" + json + "}";
}

grpc::ChannelArguments ChannelArgs(const ChannelConfig& c) {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(c.max_send);
  args.SetMaxReceiveMessageSize(c.max_receive);
  // gRPC's 8 KiB default lets one long error message (grpc-message) fail
  // every call in flight on the connection.
  args.SetInt(GRPC_ARG_MAX_METADATA_SIZE, 1 << 20);
  std::string service_config = ServiceConfigJson(c);
  if (!service_config.empty()) args.SetServiceConfigJSON(service_config);
  if (c.retry_max_attempts >= 2) args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  if (c.keepalive_time_ms > 0) {
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, c.keepalive_time_ms);
    // Ping however long no data flows, as grpc-js does (gRPC core otherwise
    // stops after two pings without data, so a silent peer goes unnoticed).
    args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  }
  if (c.keepalive_timeout_ms > 0)
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, c.keepalive_timeout_ms);
  if (c.keepalive_permit_without_calls) args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Otherwise channels with equal arguments share subchannels (connections)
  // through gRPC's global pool, and n channels would still be one connection.
  if (c.connections > 1) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  if (c.reconnect_initial_backoff_ms > 0)
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, c.reconnect_initial_backoff_ms);
  if (c.reconnect_max_backoff_ms > 0)
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, c.reconnect_max_backoff_ms);
  return args;
}

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

std::string MetadataProblem(std::string_view key, std::string_view value) {
  constexpr size_t kMaxKey = 255;
  auto named = [key](const char* problem) {
    return "metadata key '" + std::string(key.substr(0, kMaxKey)) + "'" + problem;
  };
  if (key.empty()) return "a metadata key must not be empty";
  if (key.size() > kMaxKey) return named("... is longer than 255 characters");
  if (!std::all_of(key.begin(), key.end(), IsKeyChar))
    return named(" must consist of lower-case letters, digits, '-', '_' and '.'");
  if (key.substr(0, 5) == "grpc-" || key == "content-type" || key == "te" || key == "user-agent" ||
      key == "host")
    return named(" is reserved by gRPC / HTTP/2");
  const bool binary = key.size() > 4 && key.substr(key.size() - 4) == "-bin";
  if (!binary &&
      !std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c <= 0x7e; }))
    return named(": its value must be printable ASCII (0x20-0x7e) unless the key ends in '-bin'");
  return "";
}

std::shared_ptr<grpc::ChannelCredentials> Credentials(const tfsrp_tls_credentials* tls) {
  if (tls == nullptr) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  if (tls->root_certs != nullptr) options.pem_root_certs = tls->root_certs;
  if (tls->private_key != nullptr) options.pem_private_key = tls->private_key;
  if (tls->cert_chain != nullptr) options.pem_cert_chain = tls->cert_chain;
  return grpc::SslCredentials(options);
}

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
  call->done(call->user_data, code, message.data(), message.size(), chunks.data(), chunks.size(),
             &call->received);
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

tfsrp_channel* tfsrp_channel_acquire(const char* target, const tfsrp_tls_credentials* tls,
                                     const tfsrp_channel_options* options, char** error) {
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
  ChannelConfig config;
  std::string options_problem = ReadChannelOptions(options, &config);
  if (!options_problem.empty()) return fail(options_problem);
  try {
    InitGrpcOnce();
    std::string key = ChannelKey(*canonical, tls, config);

    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    auto it = r.channels.find(key);
    if (it != r.channels.end()) {
      ++it->second->refs;
      return it->second;
    }
    grpc::ChannelArguments args = ChannelArgs(config);
    std::shared_ptr<grpc::ChannelCredentials> credentials = Credentials(tls);
    auto entry = std::make_unique<tfsrp_channel>();
    entry->key = key;
    for (int i = 0; i < config.connections; ++i) {
      tfsrp_channel::Connection connection;
      connection.channel = grpc::CreateCustomChannel(*canonical, credentials, args);
      connection.stub = std::make_unique<grpc::GenericStub>(connection.channel);
      entry->connections.push_back(std::move(connection));
    }
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
                                    int64_t deadline_millis, const tfsrp_call_options* options,
                                    tfsrp_call_done_fn done, void* user_data) {
  std::vector<grpc::Slice> slices;
  slices.reserve(piece_count);
  for (size_t i = 0; i < piece_count; ++i) slices.push_back(PieceSlice(pieces[i]));
  if (channel == nullptr || method == nullptr || done == nullptr) return nullptr;
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
  if (options != nullptr) {
    for (size_t i = 0; i < options->metadata_count; ++i) {
      const tfsrp_metadata_entry& entry = options->metadata[i];
      std::string_view key(entry.key, entry.key_len);
      std::string_view value(entry.value, entry.value_len);
      std::string problem = MetadataProblem(key, value);
      if (!problem.empty()) {
        grpc::Status refused(grpc::StatusCode::INVALID_ARGUMENT, problem);
        Complete(call, refused);
        return call;
      }
      call->context.AddMetadata(std::string(key), std::string(value));
    }
    if (options->wait_for_ready != 0) call->context.set_wait_for_ready(true);
  }
  channel->PickStub().UnaryCall(&call->context, method, grpc::StubOptions(), &call->request,
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

char* tfsrp_metadata_problem(const char* key, size_t key_len, const char* value, size_t value_len) {
  std::string problem = MetadataProblem(
      std::string_view(key != nullptr ? key : "", key != nullptr ? key_len : 0),
      std::string_view(value != nullptr ? value : "", value != nullptr ? value_len : 0));
  return problem.empty() ? nullptr : CopyString(problem);
}

void tfsrp_free_string(char* s) {
  std::free(s);
}

}  // extern "C"
