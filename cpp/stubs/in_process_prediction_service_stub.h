#ifndef TFSRP_STUBS_IN_PROCESS_PREDICTION_SERVICE_STUB_H_
#define TFSRP_STUBS_IN_PROCESS_PREDICTION_SERVICE_STUB_H_

#include <memory>

#include "absl/status/statusor.h"
#include "cpp/stubs/prediction_service_stub.h"

namespace tfsrp {

// PredictionService/Predict answered by a model served in this process
// (in_process_registry.h): the request's tensors go to the servable as they
// are, and its outputs come back the same way. The servable is looked up per
// call, so the kernel sees models served and unserved after its creation.
class InProcessPredictionServiceStub {
 public:
  // INVALID_ARGUMENT unless the target is exactly kInProcessTarget.
  static absl::StatusOr<std::unique_ptr<InProcessPredictionServiceStub>> Create(
      const ChannelSettings& channel);

  std::unique_ptr<RpcHandle> Predict(PredictRequest request, int64_t deadline_millis,
                                     PredictDoneCallback done);

 private:
  InProcessPredictionServiceStub() = default;
};

}  // namespace tfsrp

#endif  // TFSRP_STUBS_IN_PROCESS_PREDICTION_SERVICE_STUB_H_
