// RemotePredictOp<InProcessPredictionServiceStub>: the kernel calling models
// served in this process (a fake servable here; SavedModels end to end in
// test/in_process.test.js, test/python/test_in_process.py and
// test/cpp/in_process_runner.c).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/synchronization/notification.h"
#include "cpp/kernel/remote_predict_op.h"
#include "cpp/stubs/in_process_prediction_service_stub.h"
#include "cpp/stubs/in_process_registry.h"
#include "kernel_harness.h"
#include "tensor_test_util.h"

namespace tfsrp {

REGISTER_KERNEL_BUILDER(
    Name("TfServingRemotePredict").Device(tensorflow::DEVICE_CPU).Label("inprocess"),
    RemotePredictOp<InProcessPredictionServiceStub>);

namespace {

using tensorflow::DT_FLOAT;
using tensorflow::DT_INT64;
using tensorflow::Tensor;

// Answers y = 2 * x and version = the version it was asked for; or, when
// holding, keeps each call until Stop() or the test completes it.
class FakeServable : public InProcessServable {
 public:
  struct Held {
    PredictRequest request;
    PredictDoneCallback done;
    std::shared_ptr<std::atomic<bool>> cancelled;
  };

  explicit FakeServable(bool hold = false) : hold_(hold) {}

  std::unique_ptr<RpcHandle> Predict(PredictRequest request, int64_t deadline_millis,
                                     PredictDoneCallback done) override {
    last_deadline_millis = deadline_millis;
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    if (hold_) {
      std::lock_guard<std::mutex> lock(mu_);
      held_.push_back({std::move(request), std::move(done), cancelled});
      return std::make_unique<Handle>(cancelled);
    }
    Tensor y(DT_FLOAT, request.inputs[0].tensor.shape());
    for (int64_t i = 0; i < y.NumElements(); ++i) {
      y.flat<float>()(i) = 2 * request.inputs[0].tensor.flat<float>()(i);
    }
    Tensor version(DT_INT64, {});
    version.scalar<int64_t>()() = request.model_spec.version;
    done(absl::OkStatus(), PredictResponse{{{"version", version}, {"y", y}}});
    return std::make_unique<Handle>(cancelled);
  }

  void Stop(absl::Status reason) override {
    for (Held& call : TakeHeld()) call.done(reason, {});
  }

  std::vector<Held> TakeHeld() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::move(held_);
  }

  int64_t last_deadline_millis = 0;

 private:
  class Handle : public RpcHandle {
   public:
    explicit Handle(std::shared_ptr<std::atomic<bool>> cancelled)
        : cancelled_(std::move(cancelled)) {}
    void Cancel() override { cancelled_->store(true); }

   private:
    std::shared_ptr<std::atomic<bool>> cancelled_;
  };

  const bool hold_;
  std::mutex mu_;
  std::vector<Held> held_;
};

KernelAttributes InProcess(const std::string& model_name) {
  KernelAttributes attributes;
  attributes.kernel_label = "inprocess";
  attributes.target_address = kInProcessTarget;
  attributes.model_name = model_name;
  attributes.input_types = {DT_FLOAT};
  attributes.output_types = {DT_FLOAT, DT_INT64};
  return attributes;
}

class InProcessStubTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* name : {"doubler", "held"}) UnserveInProcess(name, -1).IgnoreError();
  }

  static KernelResult Run(const KernelAttributes& attributes,
                          tensorflow::CancellationManager* manager = nullptr) {
    auto kernel = KernelHarness::Create(attributes);
    EXPECT_TRUE(kernel.ok()) << kernel.status();
    return (*kernel)->Run({"x"}, {AsTensor<float>({1, 2})}, {"y", "version"}, manager);
  }

  // A call of "held" (a holding FakeServable served as `version`), started; its result
  // lands in `result` and then `finished` is notified.
  struct HeldCall {
    std::shared_ptr<FakeServable> servable = std::make_shared<FakeServable>(/*hold=*/true);
    absl::Notification finished;
    KernelResult result;
  };
  static void StartHeld(int64_t version, tensorflow::CancellationManager* manager, HeldCall* call) {
    ASSERT_TRUE(ServeInProcess("held", version, call->servable, {}).ok());
    auto kernel = KernelHarness::Create(InProcess("held"));
    ASSERT_TRUE(kernel.ok()) << kernel.status();
    (*kernel)->Start({"x"}, {AsTensor<float>({1})}, {"y", "version"}, manager,
                     [call](KernelResult r) {
                       call->result = std::move(r);
                       call->finished.Notify();
                     });
  }

  static std::string Message(const KernelResult& result) {
    return std::string(result.outputs[1].scalar<tensorflow::tstring>()());
  }
};

TEST_F(InProcessStubTest, CallsTheLatestServedVersionWithTheRequestsTensors) {
  auto v1 = std::make_shared<FakeServable>();
  ASSERT_TRUE(ServeInProcess("doubler", 1, v1, {"canary"}).ok());
  ASSERT_TRUE(ServeInProcess("doubler", 3, std::make_shared<FakeServable>(), {"stable"}).ok());

  KernelResult latest = Run(InProcess("doubler"));
  ASSERT_TRUE(latest.status.ok()) << latest.status;
  EXPECT_EQ(latest.outputs[0].scalar<int32_t>()(), 0);
  ExpectTensorEqual<float>(latest.outputs[2], AsTensor<float>({2, 4}));
  EXPECT_EQ(latest.outputs[3].scalar<int64_t>()(), 3);

  KernelAttributes labelled = InProcess("doubler");
  labelled.version_label = "canary";
  labelled.max_rpc_deadline_millis = 1234;
  KernelResult canary = Run(labelled);
  ASSERT_TRUE(canary.status.ok()) << canary.status;
  EXPECT_EQ(canary.outputs[3].scalar<int64_t>()(), 1);
  EXPECT_EQ(v1->last_deadline_millis, 1234);
}

TEST_F(InProcessStubTest, UnknownModelVersionOrLabelIsNotFoundWithTfServingsMessages) {
  ASSERT_TRUE(ServeInProcess("doubler", 1, std::make_shared<FakeServable>(), {}).ok());
  KernelAttributes missing = InProcess("no_such_model");
  missing.fail_op_on_rpc_error = false;
  KernelResult result = Run(missing);
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(result.outputs[0].scalar<int32_t>()(), static_cast<int>(absl::StatusCode::kNotFound));
  EXPECT_EQ(Message(result), "Servable not found for request: Latest(no_such_model)");

  KernelAttributes version = InProcess("doubler");
  version.model_version = 7;
  result = Run(version);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kNotFound);
  EXPECT_CONTAINS(result.status.message(), "Servable not found for request: Specific(doubler, 7)");

  KernelAttributes label = InProcess("doubler");
  label.version_label = "stable";
  result = Run(label);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kNotFound);
  EXPECT_CONTAINS(result.status.message(), "Unrecognized servable version label: stable");
}

TEST_F(InProcessStubTest, ServingAfterTheKernelExistsReachesIt) {
  auto kernel = KernelHarness::Create(InProcess("doubler"));
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  KernelResult before = (*kernel)->Run({"x"}, {AsTensor<float>({1})}, {"y", "version"});
  EXPECT_EQ(before.status.code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(ServeInProcess("doubler", 2, std::make_shared<FakeServable>(), {}).ok());
  KernelResult after = (*kernel)->Run({"x"}, {AsTensor<float>({1})}, {"y", "version"});
  ASSERT_TRUE(after.status.ok()) << after.status;
  EXPECT_EQ(after.outputs[3].scalar<int64_t>()(), 2);
}

TEST_F(InProcessStubTest, ServingAVersionTwiceIsRefused) {
  ASSERT_TRUE(ServeInProcess("doubler", 1, std::make_shared<FakeServable>(), {}).ok());
  EXPECT_EQ(ServeInProcess("doubler", 1, std::make_shared<FakeServable>(), {}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(UnserveInProcess("doubler", 2).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(UnserveInProcess("doubler", 1).ok());
  EXPECT_EQ(UnserveInProcess("doubler", -1).code(), absl::StatusCode::kNotFound);
}

TEST_F(InProcessStubTest, UnservingEndsTheCallsInFlightUnavailable) {
  HeldCall call;
  ASSERT_NO_FATAL_FAILURE(StartHeld(4, nullptr, &call));
  EXPECT_FALSE(call.finished.HasBeenNotified());
  ASSERT_TRUE(UnserveInProcess("held", -1).ok());
  call.finished.WaitForNotification();
  EXPECT_EQ(call.result.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_CONTAINS(call.result.status.message(),
                  "model held version 4 was unserved while the call was running");
}

TEST_F(InProcessStubTest, StepCancellationCancelsTheServedCall) {
  tensorflow::CancellationManager manager;
  HeldCall call;
  ASSERT_NO_FATAL_FAILURE(StartHeld(1, &manager, &call));
  manager.StartCancel();
  std::vector<FakeServable::Held> calls = call.servable->TakeHeld();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(calls[0].cancelled->load());
  calls[0].done(absl::CancelledError("cancelled"), {});
  call.finished.WaitForNotification();
  EXPECT_EQ(call.result.status.code(), absl::StatusCode::kCancelled);
}

TEST_F(InProcessStubTest, AnInProcessTargetWithSomethingAfterTheSchemeIsRefused) {
  KernelAttributes attributes = InProcess("doubler");
  attributes.target_address = "inprocess:doubler";
  auto kernel = KernelHarness::Create(attributes);
  ASSERT_FALSE(kernel.ok());
  EXPECT_EQ(kernel.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_CONTAINS(kernel.status().message(), "the in-process server's address is 'inprocess:'");
}

}  // namespace
}  // namespace tfsrp
