#include "cpp/direct/remote_predict_call.h"

#include <atomic>
#include <utility>

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
  std::shared_ptr<const PreparedRemotePredict> prepared;
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
  const tensorflow::tstring& message = context->mutable_output(1)->scalar<tensorflow::tstring>()();
  result.status_error_message.assign(message.data(), message.size());
  result.outputs.reserve(context->num_outputs() - 2);
  // Moved: the context is destroyed next, and a tensor held once is cheaper to hand on.
  for (int i = 2; i < context->num_outputs(); ++i) {
    result.outputs.push_back(std::move(*context->mutable_output(i)));
  }
  return result;
}

std::atomic<CallOptionsExchange> call_options_exchange{nullptr};

// Installs call options for the thread until destroyed, through the op library.
class ScopedCallOptions {
 public:
  explicit ScopedCallOptions(const CallOptions* options)
      : exchange_(options != nullptr ? call_options_exchange.load() : nullptr),
        previous_(exchange_ != nullptr ? exchange_(options) : nullptr) {}
  ~ScopedCallOptions() {
    if (exchange_ != nullptr) exchange_(previous_);
  }
  ScopedCallOptions(const ScopedCallOptions&) = delete;
  ScopedCallOptions& operator=(const ScopedCallOptions&) = delete;

 private:
  CallOptionsExchange exchange_;
  const void* previous_;
};

}  // namespace

void SetCallOptionsExchange(CallOptionsExchange exchange) {
  call_options_exchange = exchange;
}

absl::StatusOr<std::shared_ptr<const PreparedRemotePredict>> PrepareRemotePredict(
    const RemotePredictKernelKey& key, const std::vector<std::string>& input_aliases,
    const std::vector<std::string>& output_aliases) {
  absl::StatusOr<std::shared_ptr<tensorflow::OpKernel>> kernel = GetRemotePredictKernel(key);
  if (!kernel.ok()) return kernel.status();
  auto prepared = std::make_shared<PreparedRemotePredict>();
  prepared->kernel = *std::move(kernel);
  prepared->input_aliases = StringVector(input_aliases);
  prepared->output_aliases = StringVector(output_aliases);
  prepared->input_types = key.input_types;
  return std::shared_ptr<const PreparedRemotePredict>(std::move(prepared));
}

void StartRemotePredictCall(std::shared_ptr<const PreparedRemotePredict> prepared,
                            std::vector<Tensor> inputs,
                            tensorflow::CancellationManager* cancellation_manager,
                            const CallOptions* call_options,
                            std::function<void(RemotePredictCallResult)> on_done) {
  tensorflow::OpKernel* kernel = prepared->kernel.get();
  if (inputs.size() + 2 != static_cast<size_t>(kernel->num_inputs())) {
    RemotePredictCallResult refused;
    refused.status = absl::InvalidArgumentError(
        "the number of input tensors does not match the kernel's input types");
    on_done(std::move(refused));
    return;
  }
  auto* frame = new CallFrame;
  frame->on_done = std::move(on_done);
  frame->inputs.reserve(inputs.size() + 2);
  frame->inputs.push_back(prepared->input_aliases);
  for (Tensor& tensor : inputs) frame->inputs.push_back(std::move(tensor));
  frame->inputs.push_back(prepared->output_aliases);
  frame->values.reserve(frame->inputs.size());
  for (Tensor& tensor : frame->inputs) frame->values.emplace_back(nullptr, &tensor);
  frame->output_attributes.resize(kernel->num_outputs());
  frame->params.device = DirectCpuDevice();
  frame->params.op_kernel = kernel;
  frame->params.inputs = frame->values;
  frame->params.output_attr_array = frame->output_attributes.data();
  frame->params.cancellation_manager = cancellation_manager;
  frame->prepared = std::move(prepared);
  frame->context = std::make_unique<tensorflow::OpKernelContext>(&frame->params);
  ScopedCallOptions scope(call_options);
  kernel->AsAsync()->ComputeAsync(frame->context.get(), [frame] {
    std::unique_ptr<CallFrame> owned(frame);
    owned->on_done(Collect(owned->context.get()));
  });
}

}  // namespace tfsrp
