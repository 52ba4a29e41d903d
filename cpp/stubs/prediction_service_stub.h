// What RemotePredictOp needs from a prediction-service stub type `Stub`:
//
//   static absl::StatusOr<std::unique_ptr<Stub>> Create(const ChannelSettings& channel);
//   std::unique_ptr<RpcHandle> Predict(PredictRequest request,
//                                      int64_t deadline_millis,
//                                      PredictDoneCallback done);
//
// Predict calls `done` exactly once, on any thread, possibly before it
// returns. The handle may be used to cancel the call until it is destroyed.
#ifndef TFSRP_STUBS_PREDICTION_SERVICE_STUB_H_
#define TFSRP_STUBS_PREDICTION_SERVICE_STUB_H_

#include <functional>

#include "absl/status/status.h"
#include "cpp/codec/predict_messages.h"
#include "cpp/stubs/channel_settings.h"

namespace tfsrp {

using PredictDoneCallback = std::function<void(absl::Status status, PredictResponse response)>;

class RpcHandle {
 public:
  virtual ~RpcHandle() = default;
  // Thread-safe; harmless after completion.
  virtual void Cancel() = 0;
};

// The handle of a call that has completed already.
class CompletedRpcHandle : public RpcHandle {
 public:
  void Cancel() override {}
};

}  // namespace tfsrp

#endif  // TFSRP_STUBS_PREDICTION_SERVICE_STUB_H_
