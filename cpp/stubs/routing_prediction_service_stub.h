#ifndef TFSRP_STUBS_ROUTING_PREDICTION_SERVICE_STUB_H_
#define TFSRP_STUBS_ROUTING_PREDICTION_SERVICE_STUB_H_

#include <memory>

#include "absl/status/statusor.h"
#include "cpp/stubs/grpc_prediction_service_stub.h"
#include "cpp/stubs/in_process_prediction_service_stub.h"
#include "cpp/stubs/prediction_service_stub.h"

namespace tfsrp {

// The op library's stub: the in-process server for an address in its scheme
// (in_process_registry.h), gRPC for any other; chosen once, from the target
// after overrides, when the kernel is created.
class RoutingPredictionServiceStub {
 public:
  static absl::StatusOr<std::unique_ptr<RoutingPredictionServiceStub>> Create(
      const ChannelSettings& channel);

  std::unique_ptr<RpcHandle> Predict(PredictRequest request, int64_t deadline_millis,
                                     PredictDoneCallback done);

 private:
  RoutingPredictionServiceStub() = default;
  // Exactly one is set.
  std::unique_ptr<GrpcPredictionServiceStub> grpc_;
  std::unique_ptr<InProcessPredictionServiceStub> in_process_;
};

}  // namespace tfsrp

#endif  // TFSRP_STUBS_ROUTING_PREDICTION_SERVICE_STUB_H_
