// What every executor of one loaded SavedModel shares: its own CPU device
// (whose ResourceMgr holds the variables and tables, whose OpSegment holds the
// stateful kernels under the model's handle), the graph's function library and
// the runtime that instantiates its functions (StatefulPartitionedCall bodies).
// No Session: the addon's executors run on this directly (see
// docs/ARCHITECTURE.md#savedmodel-call-path).
#ifndef TFSRP_SAVEDMODEL_MODEL_RUNTIME_H_
#define TFSRP_SAVEDMODEL_MODEL_RUNTIME_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tensorflow/core/common_runtime/device.h"
#include "tensorflow/core/common_runtime/device_mgr.h"
#include "tensorflow/core/common_runtime/process_function_library_runtime.h"
#include "tensorflow/core/framework/function.h"
#include "tensorflow/core/framework/graph.pb.h"
#include "tensorflow/core/platform/threadpool.h"
#include "tensorflow/core/protobuf/config.pb.h"

namespace tfsrp {

class ModelRuntime {
 public:
  // `pool` (not owned, must outlive the runtime) runs function bodies whose
  // caller gives no runner. Each executor built on the runtime holds it.
  static absl::StatusOr<std::shared_ptr<ModelRuntime>> Create(const tensorflow::GraphDef& graph,
                                                              tensorflow::thread::ThreadPool* pool);
  ~ModelRuntime();
  ModelRuntime(const ModelRuntime&) = delete;
  ModelRuntime& operator=(const ModelRuntime&) = delete;

  tensorflow::Device* device() const { return device_; }
  const tensorflow::DeviceMgr* device_mgr() const { return device_mgr_.get(); }
  tensorflow::FunctionLibraryRuntime* function_runtime() const { return flr_; }
  const tensorflow::ConfigProto& config() const { return config_; }
  // The OpSegment session handle under which the model's stateful kernels
  // live: restore, init op and every signature share one instance of each.
  const std::string& kernel_handle() const { return kernel_handle_; }

  // Runtimes alive in the process: a model's lives until it is disposed and
  // its last run has ended (for leak tests).
  static int64_t LiveCount();

 private:
  ModelRuntime();

  tensorflow::ConfigProto config_;
  std::unique_ptr<tensorflow::DeviceMgr> device_mgr_;
  tensorflow::Device* device_ = nullptr;
  std::unique_ptr<tensorflow::FunctionLibraryDefinition> flib_def_;
  std::unique_ptr<tensorflow::ProcessFunctionLibraryRuntime> pflr_;
  tensorflow::FunctionLibraryRuntime* flr_ = nullptr;
  std::string kernel_handle_;
};

}  // namespace tfsrp

#endif  // TFSRP_SAVEDMODEL_MODEL_RUNTIME_H_
