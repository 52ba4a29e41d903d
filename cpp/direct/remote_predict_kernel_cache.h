// TfServingRemotePredict kernels created directly (no graph, no session), one
// per attribute set and reused by every call with those attributes.
#ifndef TFSRP_DIRECT_REMOTE_PREDICT_KERNEL_CACHE_H_
#define TFSRP_DIRECT_REMOTE_PREDICT_KERNEL_CACHE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tensorflow/core/framework/op_kernel.h"

namespace tfsrp {

struct RemotePredictKernelKey {
  std::string kernel_label;  // "" for the registered gRPC kernel
  std::string target_address;
  std::string model_name;
  int64_t model_version = -1;
  std::string version_label;
  std::string signature_name = "serving_default";
  bool fail_op_on_rpc_error = true;
  int64_t max_rpc_deadline_millis = 30000;
  int32_t max_send_message_bytes = 0;  // 0: unlimited
  int32_t max_receive_message_bytes = 0;
  int64_t tls_credentials_id = 0;  // 0: by target (usually plaintext)
  // "name=value;..." (cpp/kernel/channel_options.h); "": the target's.
  std::string channel_options;
  tensorflow::DataTypeVector input_types;
  tensorflow::DataTypeVector output_types;

  std::string Fingerprint() const;
};

// The CPU device every directly driven kernel runs on (one per process).
tensorflow::DeviceBase* DirectCpuDevice();

// Thread-safe. Keeps the 1024 most recently used kernels (each holds a
// reference to its shared channel); calls in flight hold their kernel.
absl::StatusOr<std::shared_ptr<tensorflow::OpKernel>> GetRemotePredictKernel(
    const RemotePredictKernelKey& key);

}  // namespace tfsrp

#endif  // TFSRP_DIRECT_REMOTE_PREDICT_KERNEL_CACHE_H_
