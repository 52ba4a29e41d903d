#include "cpp/stubs/grpc_prediction_service_stub.h"

#include <atomic>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cpp/codec/predict_request_encoder.h"
#include "cpp/codec/predict_response_decoder.h"
#include "cpp/transport/grpc_transport.h"

namespace tfsrp {
namespace {

constexpr char kPredictMethod[] = "/tensorflow.serving.PredictionService/Predict";

class TransportCallHandle : public RpcHandle {
 public:
  explicit TransportCallHandle(tfsrp_call* call) : call_(call) {}
  ~TransportCallHandle() override { tfsrp_call_release(call_); }
  void Cancel() override { tfsrp_call_cancel(call_); }

 private:
  tfsrp_call* call_;
};

// The transport's view of one call's options: the target's metadata (a
// snapshot) and the thread's call options, whose keys replace the target's.
class TransportCallOptions {
 public:
  TransportCallOptions(const SharedMetadata* target, const CallOptions* call) {
    if (target != nullptr) target_ = target->Get();
    if (call != nullptr) {
      for (const auto& [key, value] : call->metadata) Add(key, value);
      options_.wait_for_ready = call->wait_for_ready ? 1 : 0;
    }
    if (target_ != nullptr) {
      const size_t from_call = entries_.size();
      for (const auto& [key, value] : *target_) {
        bool replaced = false;
        for (size_t i = 0; i < from_call && !replaced; ++i) {
          replaced = std::string_view(entries_[i].key, entries_[i].key_len) == key;
        }
        if (!replaced) Add(key, value);
      }
    }
    options_.metadata = entries_.data();
    options_.metadata_count = entries_.size();
  }
  // Null when there is nothing to pass.
  const tfsrp_call_options* get() const {
    return entries_.empty() && options_.wait_for_ready == 0 ? nullptr : &options_;
  }

 private:
  void Add(const std::string& key, const std::string& value) {
    entries_.push_back({key.data(), key.size(), value.data(), value.size()});
  }
  std::shared_ptr<const Metadata> target_;
  std::vector<tfsrp_metadata_entry> entries_;
  tfsrp_call_options options_ = {};
};

struct PendingPredict {
  PredictDoneCallback done;
  bool tls;
};

// An encoded request handed to the transport as pieces; freed, with the
// references it holds on the input tensors, when gRPC has let go of the last
// piece.
struct SentRequest {
  explicit SentRequest(EncodedRequest encoded)
      : request(std::move(encoded)), unreleased(request.pieces.size()) {}
  EncodedRequest request;
  std::atomic<size_t> unreleased;
};

void ReleasePiece(void* sent) {
  auto* request = static_cast<SentRequest*>(sent);
  if (request->unreleased.fetch_sub(1, std::memory_order_acq_rel) == 1) delete request;
}

void OnCallDone(void* user_data, int status_code, const char* message, size_t message_len,
                const tfsrp_chunk* chunks, size_t chunk_count, tfsrp_response* received) {
  std::unique_ptr<PendingPredict> pending(static_cast<PendingPredict*>(user_data));
  PredictDoneCallback* done = &pending->done;
  if (status_code != 0) {
    std::string text(message, message_len);
    // gRPC's handshake errors say "Ssl"; say which protocol the channel speaks.
    if (pending->tls && status_code == static_cast<int>(absl::StatusCode::kUnavailable)) {
      text += " (over TLS)";
    }
    (*done)(absl::Status(static_cast<absl::StatusCode>(status_code), text), PredictResponse());
    return;
  }
  std::vector<absl::string_view> views;
  views.reserve(chunk_count);
  for (size_t i = 0; i < chunk_count; ++i) views.emplace_back(chunks[i].data, chunks[i].len);
  absl::StatusOr<PredictResponse> decoded = DecodePredictResponse(ChunkedBytes(views));
  // Decoded into tensors of their own: gRPC's buffers can go before the
  // outputs travel on.
  tfsrp_response_release(received);
  if (!decoded.ok()) {
    (*done)(decoded.status(), PredictResponse());
    return;
  }
  (*done)(absl::OkStatus(), *std::move(decoded));
}

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcPredictionServiceStub>> GrpcPredictionServiceStub::Create(
    const ChannelSettings& settings) {
  tfsrp_channel_options options = {};
  options.max_send_message_bytes = settings.max_send_message_bytes;
  options.max_receive_message_bytes = settings.max_receive_message_bytes;
  options.load_balancing_policy =
      settings.load_balancing.empty() ? nullptr : settings.load_balancing.c_str();
  options.keepalive_time_ms = settings.keepalive_time_millis;
  options.keepalive_timeout_ms = settings.keepalive_timeout_millis;
  options.keepalive_permit_without_calls = settings.keepalive_permit_without_calls ? 1 : 0;
  options.retry_max_attempts = settings.retry.max_attempts;
  options.retry_initial_backoff_ms = settings.retry.initial_backoff_millis;
  options.retry_max_backoff_ms = settings.retry.max_backoff_millis;
  options.retry_backoff_multiplier = settings.retry.backoff_multiplier;
  options.retry_status_codes = settings.retry.retryable_status_codes;
  options.connections = settings.connections;
  options.reconnect_initial_backoff_ms = settings.reconnect_initial_backoff_millis;
  options.reconnect_max_backoff_ms = settings.reconnect_max_backoff_millis;
  auto field = [](const std::string& pem) { return pem.empty() ? nullptr : pem.c_str(); };
  tfsrp_tls_credentials tls;
  if (settings.tls != nullptr) {
    tls.root_certs = field(settings.tls->root_certificates);
    tls.private_key = field(settings.tls->private_key);
    tls.cert_chain = field(settings.tls->certificate_chain);
  }
  char* error = nullptr;
  tfsrp_channel* channel = tfsrp_channel_acquire(
      settings.target_address.c_str(), settings.tls != nullptr ? &tls : nullptr, &options, &error);
  if (channel == nullptr) {
    absl::Status status =
        absl::InvalidArgumentError(error != nullptr ? error : "cannot create a channel");
    tfsrp_free_string(error);
    return status;
  }
  return std::unique_ptr<GrpcPredictionServiceStub>(
      new GrpcPredictionServiceStub(channel, settings.tls != nullptr, settings.metadata));
}

absl::Status GrpcPredictionServiceStub::CheckMetadata(const Metadata& metadata) {
  size_t total = 0;
  for (const auto& [key, value] : metadata) {
    char* problem = tfsrp_metadata_problem(key.data(), key.size(), value.data(), value.size());
    if (problem != nullptr) {
      absl::Status status = absl::InvalidArgumentError(problem);
      tfsrp_free_string(problem);
      return status;
    }
    const bool binary = key.size() > 4 && key.compare(key.size() - 4, 4, "-bin") == 0;
    total += key.size() + (binary ? (value.size() + 2) / 3 * 4 : value.size()) + 32;
    if (total > kMaxMetadataBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("metadata key '", key, "' takes the metadata over ", kMaxMetadataBytes,
                       " bytes (key + value + 32 per entry, binary values base64-encoded)"));
    }
  }
  return absl::OkStatus();
}

GrpcPredictionServiceStub::~GrpcPredictionServiceStub() {
  tfsrp_channel_release(channel_);
}

std::unique_ptr<RpcHandle> GrpcPredictionServiceStub::Predict(PredictRequest request,
                                                              int64_t deadline_millis,
                                                              PredictDoneCallback done) {
  absl::StatusOr<EncodedRequest> encoded = EncodePredictRequest(request, ProcessTensorEncoding());
  if (!encoded.ok()) {
    done(encoded.status(), PredictResponse());
    return std::make_unique<CompletedRpcHandle>();
  }
  auto* sent = new SentRequest(*std::move(encoded));
  std::vector<tfsrp_piece> pieces;
  pieces.reserve(sent->request.pieces.size());
  for (absl::string_view piece : sent->request.pieces) {
    pieces.push_back({piece.data(), piece.size(), &ReleasePiece, sent});
  }
  if (pieces.empty()) delete sent;  // nothing for the transport to release
  auto* user_data = new PendingPredict{std::move(done), tls_};
  const TransportCallOptions options(metadata_.get(), CurrentCallOptions());
  tfsrp_call* call =
      tfsrp_call_start_pieces(channel_, kPredictMethod, pieces.data(), pieces.size(),
                              deadline_millis, options.get(), &OnCallDone, user_data);
  if (call == nullptr) {
    // The transport refused the call without taking the callback: report it.
    std::unique_ptr<PendingPredict> refused(user_data);
    refused->done(absl::InternalError("the gRPC transport refused to start the call"),
                  PredictResponse());
    return std::make_unique<CompletedRpcHandle>();
  }
  return std::make_unique<TransportCallHandle>(call);
}

}  // namespace tfsrp
