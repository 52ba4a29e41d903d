// Runs one TfServingRemotePredict kernel directly (no session): a NodeDef,
// CreateOpKernel on a CPU device, and ComputeAsync with a context we build.
#ifndef TFSRP_TEST_KERNEL_HARNESS_H_
#define TFSRP_TEST_KERNEL_HARNESS_H_

#include <memory>
#include <string>
#include <vector>

#include "tensorflow/core/framework/cancellation.h"
#include "tensorflow/core/framework/op_kernel.h"

namespace tfsrp {

struct KernelAttributes {
  std::string kernel_label = "mock";
  std::string target_address = "mock:0";
  std::string model_name = "model";
  int64_t model_version = -1;
  bool fail_op_on_rpc_error = true;
  int64_t max_rpc_deadline_millis = 30000;
  std::string signature_name = "serving_default";
  tensorflow::DataTypeVector input_types;
  tensorflow::DataTypeVector output_types;
};

struct KernelResult {
  absl::Status status;
  std::vector<tensorflow::Tensor> outputs;  // status_code, message, tensors
};

class KernelHarness {
 public:
  // Fails the test's expectations through the returned status.
  static absl::StatusOr<std::unique_ptr<KernelHarness>> Create(
      const KernelAttributes& attributes);

  // Starts the kernel; `on_done` runs when it calls done.
  void Start(const std::vector<std::string>& input_aliases,
             const std::vector<tensorflow::Tensor>& inputs,
             const std::vector<std::string>& output_aliases,
             tensorflow::CancellationManager* cancellation_manager,
             std::function<void(KernelResult)> on_done);

  // Start, then wait for done.
  KernelResult Run(const std::vector<std::string>& input_aliases,
                   const std::vector<tensorflow::Tensor>& inputs,
                   const std::vector<std::string>& output_aliases,
                   tensorflow::CancellationManager* cancellation_manager = nullptr);

 private:
  std::unique_ptr<tensorflow::OpKernel> kernel_;
};

}  // namespace tfsrp

#endif  // TFSRP_TEST_KERNEL_HARNESS_H_
