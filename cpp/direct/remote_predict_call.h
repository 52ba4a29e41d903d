// One ComputeAsync of a directly created TfServingRemotePredict kernel, with
// the OpKernelContext built here instead of by a TensorFlow executor.
#ifndef TFSRP_DIRECT_REMOTE_PREDICT_CALL_H_
#define TFSRP_DIRECT_REMOTE_PREDICT_CALL_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cpp/direct/remote_predict_kernel_cache.h"
#include "cpp/stubs/call_options.h"
#include "tensorflow/core/framework/cancellation.h"
#include "tensorflow/core/framework/op_kernel.h"

namespace tfsrp {

struct RemotePredictCallResult {
  absl::Status status;  // the op's own status
  int32_t status_code = 0;
  std::string status_error_message;
  std::vector<tensorflow::Tensor> outputs;  // the output_tensors, when status is OK
};

// A kernel with the alias tensors its calls pass, made once per attribute set
// and alias lists and shared by every call with them.
struct PreparedRemotePredict {
  std::shared_ptr<tensorflow::OpKernel> kernel;
  tensorflow::Tensor input_aliases;   // DT_STRING, 1-D
  tensorflow::Tensor output_aliases;  // DT_STRING, 1-D
  tensorflow::DataTypeVector input_types;
};

// The kernel for `key` (from the kernel cache) with these aliases.
absl::StatusOr<std::shared_ptr<const PreparedRemotePredict>> PrepareRemotePredict(
    const RemotePredictKernelKey& key, const std::vector<std::string>& input_aliases,
    const std::vector<std::string>& output_aliases);

// Installs per-call options for the current thread and returns the previous
// ones: the op library's TfsrpExchangeCallOptions, whose thread-local the
// kernel's stub reads. Set once by the runner (the addon) before calls with
// options; without it call options are ignored.
using CallOptionsExchange = const void* (*)(const void* options);
void SetCallOptionsExchange(CallOptionsExchange exchange);

// Runs the kernel on `inputs` (of the prepared input types); `on_done` runs
// exactly once, on whichever thread completes the call. `cancellation_manager`
// may be null and must outlive the call; `prepared` is kept alive until the
// call ends. `call_options` (may be null: none) are installed for the thread
// around ComputeAsync, which starts the RPC before it returns.
void StartRemotePredictCall(std::shared_ptr<const PreparedRemotePredict> prepared,
                            std::vector<tensorflow::Tensor> inputs,
                            tensorflow::CancellationManager* cancellation_manager,
                            const CallOptions* call_options,
                            std::function<void(RemotePredictCallResult)> on_done);

}  // namespace tfsrp

#endif  // TFSRP_DIRECT_REMOTE_PREDICT_CALL_H_
