#include "kernel_harness.h"

#include "absl/synchronization/notification.h"

namespace tfsrp {

using tensorflow::Tensor;

absl::StatusOr<std::unique_ptr<KernelHarness>> KernelHarness::Create(
    const KernelAttributes& attributes) {
  SetCallOptionsExchange(&TfsrpExchangeCallOptions);
  auto kernel = GetRemotePredictKernel(attributes);
  if (!kernel.ok()) return kernel.status();
  auto harness = std::make_unique<KernelHarness>();
  harness->attributes_ = attributes;
  return harness;
}

void KernelHarness::Start(const std::vector<std::string>& input_aliases,
                          const std::vector<Tensor>& inputs,
                          const std::vector<std::string>& output_aliases,
                          tensorflow::CancellationManager* cancellation_manager,
                          std::function<void(KernelResult)> on_done) {
  auto prepared = PrepareRemotePredict(attributes_, input_aliases, output_aliases);
  if (!prepared.ok()) {
    on_done({prepared.status(), {}});
    return;
  }
  StartRemotePredictCall(*std::move(prepared), inputs, cancellation_manager, call_options,
                         [on_done = std::move(on_done)](RemotePredictCallResult call) {
                           KernelResult result{call.status, {}};
                           if (call.status.ok()) {
                             Tensor code(tensorflow::DT_INT32, {});
                             code.scalar<int32_t>()() = call.status_code;
                             Tensor message(tensorflow::DT_STRING, {});
                             message.scalar<tensorflow::tstring>()() = call.status_error_message;
                             result.outputs = {code, message};
                             result.outputs.insert(result.outputs.end(), call.outputs.begin(),
                                                   call.outputs.end());
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
  Start(input_aliases, inputs, output_aliases, cancellation_manager, [&](KernelResult r) {
    result = std::move(r);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

}  // namespace tfsrp
