// TfServingRemotePredict's kernel, over any prediction-service stub type (see
// cpp/stubs/prediction_service_stub.h): gRPC for graphs, a mock in tests.
#ifndef TFSRP_KERNEL_REMOTE_PREDICT_OP_H_
#define TFSRP_KERNEL_REMOTE_PREDICT_OP_H_

#include <memory>
#include <mutex>

#include "absl/container/inlined_vector.h"
#include "cpp/kernel/call_cancellation.h"
#include "cpp/kernel/remote_predict_attributes.h"
#include "cpp/kernel/remote_predict_io.h"
#include "cpp/stubs/prediction_service_stub.h"
#include "tensorflow/core/framework/cancellation.h"
#include "tensorflow/core/framework/op_kernel.h"

namespace tfsrp {

// Lets the step's cancellation reach an RPC that may not have started yet.
class RpcCancellation {
 public:
  void Cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    if (handle_) handle_->Cancel();
  }
  void Attach(std::unique_ptr<RpcHandle> handle) {
    std::lock_guard<std::mutex> lock(mu_);
    handle_ = std::move(handle);
    if (cancelled_) handle_->Cancel();
  }

 private:
  std::mutex mu_;
  bool cancelled_ = false;
  std::unique_ptr<RpcHandle> handle_;
};

struct CancellationLink {
  tensorflow::CancellationManager* manager;
  tensorflow::CancellationToken token;
};
using CancellationLinks = absl::InlinedVector<CancellationLink, 2>;

// TryDeregister: the completion may run inside a cancellation callback
// itself, where a blocking Deregister would deadlock.
inline void Unlink(const CancellationLinks& links) {
  for (const CancellationLink& link : links) link.manager->TryDeregisterCallback(link.token);
}

template <typename PredictionServiceStub>
class RemotePredictOp : public tensorflow::AsyncOpKernel {
 public:
  explicit RemotePredictOp(tensorflow::OpKernelConstruction* context) : AsyncOpKernel(context) {
    OP_REQUIRES_OK(context, RemotePredictAttributes::Read(context, &attributes_));
    auto stub = PredictionServiceStub::Create(attributes_.channel());
    OP_REQUIRES_OK(context, stub.status());
    stub_ = *std::move(stub);
  }

  void ComputeAsync(tensorflow::OpKernelContext* context, DoneCallback done) override {
    PredictRequest request;
    OP_REQUIRES_OK_ASYNC(context, BuildPredictRequest(context, attributes_, &request), done);

    auto cancellation = std::make_shared<RpcCancellation>();
    // The step's cancellation, and that of the caller-level call if a runner
    // installed one (see call_cancellation.h); both cancel the RPC.
    tensorflow::CancellationManager* call_manager = CurrentCallCancellation();
    CancellationLinks links;
    for (tensorflow::CancellationManager* manager :
         {context->cancellation_manager(), call_manager}) {
      if (manager == nullptr || (!links.empty() && links[0].manager == manager)) continue;
      const tensorflow::CancellationToken token = manager->get_cancellation_token();
      if (!manager->RegisterCallback(token, [cancellation] { cancellation->Cancel(); })) {
        Unlink(links);
        WriteRemotePredictOutputs(context, attributes_,
                                  absl::CancelledError("the step was cancelled"),
                                  PredictResponse());
        done();
        return;
      }
      links.push_back({manager, token});
    }

    auto on_response = [this, context, links, call_manager, done = std::move(done)](
                           absl::Status status, PredictResponse response) {
      Unlink(links);
      WriteRemotePredictOutputs(context, attributes_, std::move(status), std::move(response));
      // The rest of the step may continue on this thread, still on behalf of
      // the same call.
      CallCancellationScope scope(call_manager);
      done();
    };
    cancellation->Attach(stub_->Predict(std::move(request), attributes_.max_rpc_deadline_millis,
                                        std::move(on_response)));
  }

  const RemotePredictAttributes& attributes() const { return attributes_; }

 private:
  RemotePredictAttributes attributes_;
  std::unique_ptr<PredictionServiceStub> stub_;
};

}  // namespace tfsrp

#endif  // TFSRP_KERNEL_REMOTE_PREDICT_OP_H_
