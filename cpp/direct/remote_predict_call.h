// One ComputeAsync of a directly created TfServingRemotePredict kernel, with
// the OpKernelContext built here instead of by a TensorFlow executor.
#ifndef TFSRP_DIRECT_REMOTE_PREDICT_CALL_H_
#define TFSRP_DIRECT_REMOTE_PREDICT_CALL_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tensorflow/core/framework/cancellation.h"
#include "tensorflow/core/framework/op_kernel.h"

namespace tfsrp {

struct RemotePredictCallResult {
  absl::Status status;  // the op's own status
  int32_t status_code = 0;
  std::string status_error_message;
  std::vector<tensorflow::Tensor> outputs;  // the output_tensors, when status is OK
};

struct RemotePredictCallInputs {
  std::vector<std::string> input_aliases;
  std::vector<tensorflow::Tensor> input_tensors;
  std::vector<std::string> output_aliases;
};

// Runs the kernel on `inputs`; `on_done` runs exactly once, on whichever
// thread completes the call. `cancellation_manager` may be null and must
// outlive the call; `kernel` is kept alive until the call ends.
void StartRemotePredictCall(std::shared_ptr<tensorflow::OpKernel> kernel,
                            RemotePredictCallInputs inputs,
                            tensorflow::CancellationManager* cancellation_manager,
                            std::function<void(RemotePredictCallResult)> on_done);

}  // namespace tfsrp

#endif  // TFSRP_DIRECT_REMOTE_PREDICT_CALL_H_
