#include "cpp/stubs/grpc_prediction_service_stub.h"

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

void OnCallDone(void* user_data, int status_code, const char* message,
                size_t message_len, const char* response, size_t response_len) {
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
  absl::StatusOr<PredictResponse> decoded =
      DecodePredictResponse(absl::string_view(response, response_len));
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
  absl::StatusOr<OwnedBytes> bytes =
      EncodePredictRequest(request, ProcessTensorEncoding());
  if (!bytes.ok()) {
    done(bytes.status(), PredictResponse());
    return std::make_unique<CompletedHandle>();
  }
  auto* user_data = new PendingPredict{std::move(done), tls_};
  const size_t size = bytes->size;
  tfsrp_call* call = tfsrp_call_start(channel_, kPredictMethod,
                                      bytes->data.release(), size, &std::free,
                                      deadline_millis, &OnCallDone, user_data);
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
