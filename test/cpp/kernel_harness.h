// Runs one mock-stub TfServingRemotePredict kernel through the same direct
// driver the addon uses (cpp/direct), and waits for it when asked.
#ifndef TFSRP_TEST_KERNEL_HARNESS_H_
#define TFSRP_TEST_KERNEL_HARNESS_H_

#include <memory>
#include <string>
#include <vector>

#include "cpp/direct/remote_predict_call.h"
#include "cpp/direct/remote_predict_kernel_cache.h"

namespace tfsrp {

struct KernelAttributes : RemotePredictKernelKey {
  KernelAttributes() {
    kernel_label = "mock";
    target_address = "mock:0";
    model_name = "model";
  }
};

struct KernelResult {
  absl::Status status;
  std::vector<tensorflow::Tensor> outputs;  // status_code, message, tensors
};

class KernelHarness {
 public:
  static absl::StatusOr<std::unique_ptr<KernelHarness>> Create(const KernelAttributes& attributes);

  void Start(const std::vector<std::string>& input_aliases,
             const std::vector<tensorflow::Tensor>& inputs,
             const std::vector<std::string>& output_aliases,
             tensorflow::CancellationManager* cancellation_manager,
             std::function<void(KernelResult)> on_done);

  KernelResult Run(const std::vector<std::string>& input_aliases,
                   const std::vector<tensorflow::Tensor>& inputs,
                   const std::vector<std::string>& output_aliases,
                   tensorflow::CancellationManager* cancellation_manager = nullptr);

  // Installed around each call's ComputeAsync when set.
  const CallOptions* call_options = nullptr;

 private:
  KernelAttributes attributes_;
};

}  // namespace tfsrp

#endif  // TFSRP_TEST_KERNEL_HARNESS_H_
