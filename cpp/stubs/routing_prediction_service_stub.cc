#include "cpp/stubs/routing_prediction_service_stub.h"

#include <utility>

#include "cpp/stubs/in_process_registry.h"

namespace tfsrp {

absl::StatusOr<std::unique_ptr<RoutingPredictionServiceStub>> RoutingPredictionServiceStub::Create(
    const ChannelSettings& channel) {
  std::unique_ptr<RoutingPredictionServiceStub> stub(new RoutingPredictionServiceStub());
  if (IsInProcessTarget(channel.target_address)) {
    auto in_process = InProcessPredictionServiceStub::Create(channel);
    if (!in_process.ok()) return in_process.status();
    stub->in_process_ = *std::move(in_process);
  } else {
    auto grpc = GrpcPredictionServiceStub::Create(channel);
    if (!grpc.ok()) return grpc.status();
    stub->grpc_ = *std::move(grpc);
  }
  return stub;
}

std::unique_ptr<RpcHandle> RoutingPredictionServiceStub::Predict(PredictRequest request,
                                                                 int64_t deadline_millis,
                                                                 PredictDoneCallback done) {
  if (in_process_ != nullptr) {
    return in_process_->Predict(std::move(request), deadline_millis, std::move(done));
  }
  return grpc_->Predict(std::move(request), deadline_millis, std::move(done));
}

}  // namespace tfsrp
