#include "cpp/stubs/grpc_prediction_service_stub.h"

#include <atomic>
#include <utility>
#include <vector>

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

class CompletedHandle : public RpcHandle {
 public:
  void Cancel() override {}
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

absl::StatusOr<std::unique_ptr<GrpcPredictionServiceStub>>
GrpcPredictionServiceStub::Create(const ChannelSettings& settings) {
  tfsrp_channel_options options;
  options.max_send_message_bytes = settings.max_send_message_bytes;
  options.max_receive_message_bytes = settings.max_receive_message_bytes;
  auto field = [](const std::string& pem) { return pem.empty() ? nullptr : pem.c_str(); };
  tfsrp_tls_credentials tls;
  if (settings.tls != nullptr) {
    tls.root_certs = field(settings.tls->root_certificates);
    tls.private_key = field(settings.tls->private_key);
    tls.cert_chain = field(settings.tls->certificate_chain);
  }
  char* error = nullptr;
  tfsrp_channel* channel =
      tfsrp_channel_acquire(settings.target_address.c_str(),
                            settings.tls != nullptr ? &tls : nullptr, &options, &error);
  if (channel == nullptr) {
    absl::Status status = absl::InvalidArgumentError(
        error != nullptr ? error : "cannot create a channel");
    tfsrp_free_string(error);
    return status;
  }
  return std::unique_ptr<GrpcPredictionServiceStub>(
      new GrpcPredictionServiceStub(channel, settings.tls != nullptr));
}

GrpcPredictionServiceStub::~GrpcPredictionServiceStub() {
  tfsrp_channel_release(channel_);
}

std::unique_ptr<RpcHandle> GrpcPredictionServiceStub::Predict(
    PredictRequest request, int64_t deadline_millis, PredictDoneCallback done) {
  absl::StatusOr<EncodedRequest> encoded =
      EncodePredictRequest(request, ProcessTensorEncoding());
  if (!encoded.ok()) {
    done(encoded.status(), PredictResponse());
    return std::make_unique<CompletedHandle>();
  }
  auto* sent = new SentRequest(*std::move(encoded));
  std::vector<tfsrp_piece> pieces;
  pieces.reserve(sent->request.pieces.size());
  for (absl::string_view piece : sent->request.pieces) {
    pieces.push_back({piece.data(), piece.size(), &ReleasePiece, sent});
  }
  if (pieces.empty()) delete sent;  // nothing for the transport to release
  auto* user_data = new PendingPredict{std::move(done), tls_};
  tfsrp_call* call = tfsrp_call_start_pieces(channel_, kPredictMethod, pieces.data(),
                                             pieces.size(), deadline_millis, &OnCallDone,
                                             user_data);
  if (call == nullptr) {
    // The transport refused the call without taking the callback: report it.
    std::unique_ptr<PendingPredict> refused(user_data);
    refused->done(absl::InternalError("the gRPC transport refused to start the call"),
               PredictResponse());
    return std::make_unique<CompletedHandle>();
  }
  return std::make_unique<TransportCallHandle>(call);
}

}  // namespace tfsrp
