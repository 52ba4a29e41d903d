#include "cpp/direct/remote_predict_call.h"

#include "cpp/direct/remote_predict_kernel_cache.h"

namespace tfsrp {
namespace {

using tensorflow::Tensor;

Tensor StringVector(const std::vector<std::string>& values) {
  Tensor tensor(tensorflow::DT_STRING,
                tensorflow::TensorShape({static_cast<int64_t>(values.size())}));
  auto flat = tensor.vec<tensorflow::tstring>();
  for (size_t i = 0; i < values.size(); ++i) flat(i) = values[i];
  return tensor;
}

// Everything the context points at, alive until the kernel calls done.
struct CallFrame {
  std::shared_ptr<tensorflow::OpKernel> kernel;
  std::vector<Tensor> inputs;
  std::vector<tensorflow::TensorValue> values;
  std::vector<tensorflow::AllocatorAttributes> output_attributes;
  tensorflow::OpKernelContext::Params params;
  std::unique_ptr<tensorflow::OpKernelContext> context;
  std::function<void(RemotePredictCallResult)> on_done;
};

RemotePredictCallResult Collect(tensorflow::OpKernelContext* context) {
  RemotePredictCallResult result;
  result.status = context->status();
  if (!result.status.ok()) return result;
  result.status_code = context->mutable_output(0)->scalar<int32_t>()();
  const tensorflow::tstring& message =
      context->mutable_output(1)->scalar<tensorflow::tstring>()();
  result.status_error_message.assign(message.data(), message.size());
  for (int i = 2; i < context->num_outputs(); ++i) {
    result.outputs.push_back(*context->mutable_output(i));
  }
  return result;
}

}  // namespace

void StartRemotePredictCall(std::shared_ptr<tensorflow::OpKernel> kernel,
                            RemotePredictCallInputs inputs,
                            tensorflow::CancellationManager* cancellation_manager,
                            std::function<void(RemotePredictCallResult)> on_done) {
  auto* frame = new CallFrame;
  frame->kernel = std::move(kernel);
  frame->on_done = std::move(on_done);
  frame->inputs.reserve(inputs.input_tensors.size() + 2);
  frame->inputs.push_back(StringVector(inputs.input_aliases));
  for (Tensor& tensor : inputs.input_tensors) frame->inputs.push_back(std::move(tensor));
  frame->inputs.push_back(StringVector(inputs.output_aliases));
  for (Tensor& tensor : frame->inputs) frame->values.emplace_back(nullptr, &tensor);
  frame->output_attributes.resize(frame->kernel->num_outputs());
  frame->params.device = DirectCpuDevice();
  frame->params.op_kernel = frame->kernel.get();
  frame->params.inputs = frame->values;
  frame->params.output_attr_array = frame->output_attributes.data();
  frame->params.cancellation_manager = cancellation_manager;
  frame->context = std::make_unique<tensorflow::OpKernelContext>(&frame->params);
  if (frame->inputs.size() != static_cast<size_t>(frame->kernel->num_inputs())) {
    frame->on_done({absl::InvalidArgumentError(
        "the number of input tensors does not match the kernel's input types")});
    delete frame;
    return;
  }
  frame->kernel->AsAsync()->ComputeAsync(frame->context.get(), [frame] {
    std::unique_ptr<CallFrame> owned(frame);
    owned->on_done(Collect(owned->context.get()));
  });
}

}  // namespace tfsrp
