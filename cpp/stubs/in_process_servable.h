// A model served in this process (TF Serving's servable): answers a
// PredictRequest with tensors, with no protobuf and no waiting thread.
// Registered by name and version in in_process_registry.h; implemented over a
// SavedModel in cpp/savedmodel/saved_model_servable.h.
#ifndef TFSRP_STUBS_IN_PROCESS_SERVABLE_H_
#define TFSRP_STUBS_IN_PROCESS_SERVABLE_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "cpp/stubs/prediction_service_stub.h"

namespace tfsrp {

class InProcessServable {
 public:
  virtual ~InProcessServable() = default;

  // As PredictionService/Predict (the model and version are resolved
  // already): `done` once, on any thread, possibly before returning.
  // `deadline_millis` > 0 bounds the run; the handle cancels it.
  virtual std::unique_ptr<RpcHandle> Predict(PredictRequest request, int64_t deadline_millis,
                                             PredictDoneCallback done) = 0;

  // No longer served: later calls and those in flight end with `reason`.
  virtual void Stop(absl::Status reason) = 0;
};

}  // namespace tfsrp

#endif  // TFSRP_STUBS_IN_PROCESS_SERVABLE_H_
