#ifndef TFSRP_STUBS_GRPC_PREDICTION_SERVICE_STUB_H_
#define TFSRP_STUBS_GRPC_PREDICTION_SERVICE_STUB_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cpp/stubs/prediction_service_stub.h"

struct tfsrp_channel;

namespace tfsrp {

// PredictionService/Predict over the isolated gRPC transport: requests are
// encoded here with TensorFlow's protobuf runtime and cross the transport's
// C ABI as pieces (large tensor contents referenced in place), responses come
// back as gRPC's chunks and are decoded where they lie.
class GrpcPredictionServiceStub {
 public:
  static absl::StatusOr<std::unique_ptr<GrpcPredictionServiceStub>> Create(
      const ChannelSettings& channel);
  ~GrpcPredictionServiceStub();

  std::unique_ptr<RpcHandle> Predict(PredictRequest request,
                                     int64_t deadline_millis,
                                     PredictDoneCallback done);

 private:
  GrpcPredictionServiceStub(tfsrp_channel* channel, bool tls)
      : channel_(channel), tls_(tls) {}
  tfsrp_channel* channel_;
  bool tls_;
};

}  // namespace tfsrp

#endif  // TFSRP_STUBS_GRPC_PREDICTION_SERVICE_STUB_H_
