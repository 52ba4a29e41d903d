// A PredictionService stub for kernel tests: the test installs a handler
// that sees each request and decides when and how the call completes.
#ifndef TFSRP_TEST_MOCK_PREDICTION_SERVICE_STUB_H_
#define TFSRP_TEST_MOCK_PREDICTION_SERVICE_STUB_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cpp/stubs/prediction_service_stub.h"

namespace tfsrp {

class MockPredictionServiceStub {
 public:
  struct Call {
    ChannelSettings channel;
    PredictRequest request;
    int64_t deadline_millis = 0;
    PredictDoneCallback done;
    std::shared_ptr<std::atomic<bool>> cancelled;
    CallOptions call_options;  // those installed for the thread, if any
  };
  using Handler = std::function<void(Call call)>;

  static Handler& handler() {
    static Handler handler;
    return handler;
  }

  static absl::StatusOr<std::unique_ptr<MockPredictionServiceStub>> Create(
      const ChannelSettings& channel) {
    if (channel.target_address.empty()) {
      return absl::InvalidArgumentError("target_address must not be empty");
    }
    return std::unique_ptr<MockPredictionServiceStub>(new MockPredictionServiceStub(channel));
  }

  std::unique_ptr<RpcHandle> Predict(PredictRequest request, int64_t deadline_millis,
                                     PredictDoneCallback done) {
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    const CallOptions* options = CurrentCallOptions();
    handler()(Call{channel_, std::move(request), deadline_millis, std::move(done), cancelled,
                   options != nullptr ? *options : CallOptions()});
    return std::make_unique<Handle>(cancelled);
  }

 private:
  class Handle : public RpcHandle {
   public:
    explicit Handle(std::shared_ptr<std::atomic<bool>> cancelled)
        : cancelled_(std::move(cancelled)) {}
    void Cancel() override { cancelled_->store(true); }

   private:
    std::shared_ptr<std::atomic<bool>> cancelled_;
  };

  explicit MockPredictionServiceStub(ChannelSettings channel) : channel_(std::move(channel)) {}
  ChannelSettings channel_;
};

}  // namespace tfsrp

#endif  // TFSRP_TEST_MOCK_PREDICTION_SERVICE_STUB_H_
