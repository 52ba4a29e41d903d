#include "cpp/savedmodel/model_runtime.h"

#include <atomic>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tensorflow/core/common_runtime/device_factory.h"
#include "tensorflow/core/common_runtime/rendezvous_mgr.h"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_segment.h"
#include "tensorflow/core/platform/env.h"
#include "tensorflow/core/public/session_options.h"

namespace tfsrp {
namespace {

std::atomic<int64_t> created{0};
std::atomic<int64_t> live{0};

}  // namespace

absl::StatusOr<std::shared_ptr<ModelRuntime>> ModelRuntime::Create(
    const tensorflow::GraphDef& graph, tensorflow::thread::ThreadPool* pool) {
  std::shared_ptr<ModelRuntime> runtime(new ModelRuntime);
  // One CPU device per model (DynamicDeviceMgr: the static one is not
  // exported). Its intra-op threads are TensorFlow's process-wide pool.
  std::vector<std::unique_ptr<tensorflow::Device>> devices;
  TF_RETURN_IF_ERROR(tensorflow::DeviceFactory::AddCpuDevices(
      tensorflow::SessionOptions(), "/job:localhost/replica:0/task:0", &devices));
  runtime->device_mgr_ = std::make_unique<tensorflow::DynamicDeviceMgr>(std::move(devices));
  runtime->device_ = runtime->device_mgr_->HostCPU();
  if (runtime->device_ == nullptr) return absl::InternalError("no CPU device for the SavedModel");

  // The GraphDef overload: the FunctionDefLibrary one default-constructs an
  // absl::flat_hash_map argument in this translation unit.
  runtime->flib_def_ = std::make_unique<tensorflow::FunctionLibraryDefinition>(
      tensorflow::OpRegistry::Global(), graph);
  runtime->pflr_ = std::make_unique<tensorflow::ProcessFunctionLibraryRuntime>(
      runtime->device_mgr_.get(), tensorflow::Env::Default(), &runtime->config_,
      graph.versions().producer(), runtime->flib_def_.get(),
      runtime->config_.graph_options().optimizer_options(), pool,
      /*parent=*/nullptr, /*session_metadata=*/nullptr,
      tensorflow::Rendezvous::Factory{
          [](const int64_t, const tensorflow::DeviceMgr* device_mgr,
             tsl::core::RefCountPtr<tensorflow::Rendezvous>* rendezvous) {
            *rendezvous = tsl::core::RefCountPtr<tensorflow::Rendezvous>(
                new tensorflow::IntraProcessRendezvous(device_mgr));
            return absl::OkStatus();
          }});
  runtime->flr_ = runtime->pflr_->GetFLR(runtime->device_->name());
  if (runtime->flr_ == nullptr) {
    return absl::InternalError("no function library runtime for the SavedModel's CPU device");
  }
  runtime->kernel_handle_ = absl::StrCat("tfsrp_saved_model_", ++created);
  runtime->device_->op_segment()->AddHold(runtime->kernel_handle_);
  return runtime;
}

ModelRuntime::ModelRuntime() {
  ++live;
}

int64_t ModelRuntime::LiveCount() {
  return live.load();
}

ModelRuntime::~ModelRuntime() {
  // The OpSegment's kernels go before the function runtime and the device
  // they came from.
  if (!kernel_handle_.empty()) device_->op_segment()->RemoveHold(kernel_handle_);
  pflr_.reset();
  flib_def_.reset();
  device_mgr_.reset();
  --live;
}

}  // namespace tfsrp
