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

void OnCallDone(void* user_data, int status_code, const char* message,
                size_t message_len, const char* response, size_t response_len) {
  std::unique_ptr<PredictDoneCallback> done(
      static_cast<PredictDoneCallback*>(user_data));
  if (status_code != 0) {
    (*done)(absl::Status(static_cast<absl::StatusCode>(status_code),
                         absl::string_view(message, message_len)),
            PredictResponse());
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
  char* error = nullptr;
  tfsrp_channel* channel = tfsrp_channel_acquire(settings.target_address.c_str(),
                                                 nullptr, &options, &error);
  if (channel == nullptr) {
    absl::Status status = absl::InvalidArgumentError(
        error != nullptr ? error : "cannot create a channel");
    tfsrp_free_string(error);
    return status;
  }
  return std::unique_ptr<GrpcPredictionServiceStub>(
      new GrpcPredictionServiceStub(channel));
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
  auto* user_data = new PredictDoneCallback(std::move(done));
  const size_t size = bytes->size;
  tfsrp_call* call = tfsrp_call_start(channel_, kPredictMethod,
                                      bytes->data.release(), size, &std::free,
                                      deadline_millis, &OnCallDone, user_data);
  if (call == nullptr) {
    // The transport refused the call without taking the callback: report it.
    std::unique_ptr<PredictDoneCallback> refused(user_data);
    (*refused)(absl::InternalError("the gRPC transport refused to start the call"),
               PredictResponse());
    return std::make_unique<CompletedHandle>();
  }
  return std::make_unique<TransportCallHandle>(call);
}

}  // namespace tfsrp
