#include "kernel_harness.h"

#include "absl/synchronization/notification.h"
#include "tensorflow/core/common_runtime/device_factory.h"
#include "tensorflow/core/framework/device.h"
#include "tensorflow/core/framework/node_def_builder.h"
#include "tensorflow/core/public/session_options.h"
#include "tensorflow/core/public/version.h"

namespace tfsrp {
namespace {

using tensorflow::Tensor;

tensorflow::Device* CpuDevice() {
  static tensorflow::Device* device =
      tensorflow::DeviceFactory::NewDevice("CPU", tensorflow::SessionOptions(),
                                           "/job:localhost/replica:0/task:0")
          .release();
  return device;
}

Tensor StringVector(const std::vector<std::string>& values) {
  Tensor tensor(tensorflow::DT_STRING,
                tensorflow::TensorShape({static_cast<int64_t>(values.size())}));
  for (size_t i = 0; i < values.size(); ++i) tensor.vec<tensorflow::tstring>()(i) = values[i];
  return tensor;
}

// Everything one call needs, alive until the kernel calls done.
struct CallFrame {
  std::vector<Tensor> inputs;
  std::vector<tensorflow::TensorValue> values;
  std::vector<tensorflow::AllocatorAttributes> output_attributes;
  tensorflow::OpKernelContext::Params params;
  std::unique_ptr<tensorflow::OpKernelContext> context;
};

}  // namespace

absl::StatusOr<std::unique_ptr<KernelHarness>> KernelHarness::Create(
    const KernelAttributes& attributes) {
  std::vector<tensorflow::NodeDefBuilder::NodeOut> inputs;
  for (size_t i = 0; i < attributes.input_types.size(); ++i) {
    inputs.emplace_back("input_" + std::to_string(i), 0, attributes.input_types[i]);
  }
  tensorflow::NodeDef node_def;
  TF_RETURN_IF_ERROR(
      tensorflow::NodeDefBuilder("remote_predict", "TfServingRemotePredict")
          .Input("input_tensor_aliases", 0, tensorflow::DT_STRING)
          .Input(inputs)
          .Input("output_tensor_aliases", 0, tensorflow::DT_STRING)
          .Attr("target_address", attributes.target_address)
          .Attr("model_name", attributes.model_name)
          .Attr("model_version", attributes.model_version)
          .Attr("fail_op_on_rpc_error", attributes.fail_op_on_rpc_error)
          .Attr("max_rpc_deadline_millis", attributes.max_rpc_deadline_millis)
          .Attr("signature_name", attributes.signature_name)
          .Attr("output_types", attributes.output_types)
          .Attr("_kernel", attributes.kernel_label)
          .Finalize(&node_def));
  absl::Status status;
  auto harness = std::make_unique<KernelHarness>();
  harness->kernel_ = tensorflow::CreateOpKernel(
      tensorflow::DEVICE_CPU, CpuDevice(), tensorflow::cpu_allocator(), node_def,
      TF_GRAPH_DEF_VERSION, &status);
  TF_RETURN_IF_ERROR(status);
  return harness;
}

void KernelHarness::Start(const std::vector<std::string>& input_aliases,
                          const std::vector<Tensor>& inputs,
                          const std::vector<std::string>& output_aliases,
                          tensorflow::CancellationManager* cancellation_manager,
                          std::function<void(KernelResult)> on_done) {
  auto frame = std::make_shared<CallFrame>();
  frame->inputs.push_back(StringVector(input_aliases));
  frame->inputs.insert(frame->inputs.end(), inputs.begin(), inputs.end());
  frame->inputs.push_back(StringVector(output_aliases));
  for (Tensor& tensor : frame->inputs) frame->values.emplace_back(nullptr, &tensor);
  frame->output_attributes.resize(kernel_->num_outputs());
  frame->params.device = CpuDevice();
  frame->params.op_kernel = kernel_.get();
  frame->params.inputs = frame->values;
  frame->params.output_attr_array = frame->output_attributes.data();
  frame->params.cancellation_manager = cancellation_manager;
  frame->context = std::make_unique<tensorflow::OpKernelContext>(&frame->params);
  tensorflow::OpKernelContext* context = frame->context.get();
  kernel_->AsAsync()->ComputeAsync(context, [frame, on_done = std::move(on_done)] {
    KernelResult result;
    result.status = frame->context->status();
    for (int i = 0; i < frame->context->num_outputs(); ++i) {
      Tensor* output = frame->context->mutable_output(i);
      result.outputs.push_back(output != nullptr ? *output : Tensor());
    }
    on_done(std::move(result));
  });
}

KernelResult KernelHarness::Run(const std::vector<std::string>& input_aliases,
                                const std::vector<Tensor>& inputs,
                                const std::vector<std::string>& output_aliases,
                                tensorflow::CancellationManager* cancellation_manager) {
  absl::Notification finished;
  KernelResult result;
  Start(input_aliases, inputs, output_aliases, cancellation_manager,
        [&](KernelResult r) {
          result = std::move(r);
          finished.Notify();
        });
  finished.WaitForNotification();
  return result;
}

}  // namespace tfsrp
