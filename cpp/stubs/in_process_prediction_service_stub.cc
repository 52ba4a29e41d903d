#include "cpp/stubs/in_process_prediction_service_stub.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "cpp/stubs/in_process_registry.h"

namespace tfsrp {

absl::StatusOr<std::unique_ptr<InProcessPredictionServiceStub>>
InProcessPredictionServiceStub::Create(const ChannelSettings& channel) {
  if (channel.target_address != kInProcessTarget) {
    return absl::InvalidArgumentError(absl::StrCat(
        "target_address '", channel.target_address, "': the in-process server's address is '",
        kInProcessTarget, "' with nothing after it (the model is the op's model_name)"));
  }
  return std::unique_ptr<InProcessPredictionServiceStub>(new InProcessPredictionServiceStub());
}

std::unique_ptr<RpcHandle> InProcessPredictionServiceStub::Predict(PredictRequest request,
                                                                   int64_t deadline_millis,
                                                                   PredictDoneCallback done) {
  absl::StatusOr<ServedVersion> served = FindInProcessServable(request.model_spec);
  if (!served.ok()) {
    done(served.status(), PredictResponse());
    return std::make_unique<CompletedRpcHandle>();
  }
  request.model_spec.version = served->version;
  request.model_spec.version_label.clear();
  return served->servable->Predict(std::move(request), deadline_millis, std::move(done));
}

}  // namespace tfsrp
