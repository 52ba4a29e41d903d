// RemotePredictOp<MockPredictionServiceStub>: the kernel's semantics without
// a network.
#include <gtest/gtest.h>

#include <thread>

#include "cpp/kernel/call_cancellation.h"
#include "cpp/kernel/remote_predict_op.h"
#include "kernel_harness.h"
#include "mock_prediction_service_stub.h"
#include "tensor_test_util.h"

namespace tfsrp {

REGISTER_KERNEL_BUILDER(
    Name("TfServingRemotePredict").Device(tensorflow::DEVICE_CPU).Label("mock"),
    RemotePredictOp<MockPredictionServiceStub>);

namespace {

using tensorflow::DT_FLOAT;
using tensorflow::DT_INT64;
using tensorflow::DT_STRING;
using tensorflow::Tensor;
using tensorflow::TensorShape;

using Call = MockPredictionServiceStub::Call;

class RemotePredictKernelTest : public ::testing::Test {
 protected:
  void TearDown() override { MockPredictionServiceStub::handler() = nullptr; }

  std::unique_ptr<KernelHarness> MakeKernel(const KernelAttributes& attributes) {
    auto harness = KernelHarness::Create(attributes);
    EXPECT_TRUE(harness.ok()) << harness.status();
    return harness.ok() ? *std::move(harness) : nullptr;
  }

  static KernelAttributes TwoOutputs(bool fail_op_on_rpc_error) {
    KernelAttributes attributes;
    attributes.fail_op_on_rpc_error = fail_op_on_rpc_error;
    attributes.input_types = {DT_FLOAT};
    attributes.output_types = {DT_FLOAT, DT_INT64, DT_STRING};
    return attributes;
  }

  static void RespondWith(absl::Status status, PredictResponse response = {}) {
    MockPredictionServiceStub::handler() = [status, response](Call call) {
      call.done(status, response);
    };
  }

  static PredictResponse Outputs(std::vector<NamedTensor> outputs) {
    std::sort(outputs.begin(), outputs.end(),
              [](const NamedTensor& a, const NamedTensor& b) { return a.alias < b.alias; });
    return PredictResponse{std::move(outputs)};
  }

  KernelResult RunTwoOutputs(bool fail_op_on_rpc_error) {
    auto kernel = MakeKernel(TwoOutputs(fail_op_on_rpc_error));
    return kernel->Run({"x"}, {AsTensor<float>({1, 2})}, {"y", "n", "s"});
  }
};

TEST_F(RemotePredictKernelTest, SendsTheRequestAndOrdersOutputsByAlias) {
  Call seen;
  MockPredictionServiceStub::handler() = [&](Call call) {
    seen = call;
    Tensor s(DT_STRING, TensorShape({}));
    s.scalar<tensorflow::tstring>()() = "hello";
    call.done(absl::OkStatus(), Outputs({{"y", AsTensor<float>({2.5f, 3.f})},
                                         {"n", AsTensor<int64_t>({7})},
                                         {"s", s},
                                         {"extra", AsTensor<float>({0})}}));
  };
  KernelAttributes attributes = TwoOutputs(true);
  attributes.model_version = 3;
  attributes.signature_name = "sig";
  attributes.input_types = {DT_FLOAT, DT_INT64};
  auto kernel = MakeKernel(attributes);
  KernelResult result = kernel->Run({"x", "k"}, {AsTensor<float>({1, 2}), AsTensor<int64_t>({5})},
                                    {"y", "n", "s"});
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(seen.channel.target_address, "mock:0");
  EXPECT_EQ(seen.channel.max_send_message_bytes, 0);
  EXPECT_EQ(seen.channel.max_receive_message_bytes, 0);
  EXPECT_EQ(seen.request.model_spec.name, "model");
  EXPECT_EQ(seen.request.model_spec.version, 3);
  EXPECT_EQ(seen.request.model_spec.signature_name, "sig");
  ASSERT_EQ(seen.request.inputs.size(), 2u);
  EXPECT_EQ(seen.request.inputs[0].alias, "x");
  ExpectTensorEqual<float>(seen.request.inputs[0].tensor,
                                             AsTensor<float>({1, 2}));
  EXPECT_EQ(seen.request.inputs[1].alias, "k");
  EXPECT_EQ(seen.request.output_filter, (std::vector<std::string>{"y", "n", "s"}));
  EXPECT_EQ(result.outputs[0].scalar<int32_t>()(), 0);
  EXPECT_EQ(result.outputs[1].scalar<tensorflow::tstring>()(), "");
  ExpectTensorEqual<float>(result.outputs[2], AsTensor<float>({2.5f, 3.f}));
  ExpectTensorEqual<int64_t>(result.outputs[3], AsTensor<int64_t>({7}));
  EXPECT_EQ(result.outputs[4].scalar<tensorflow::tstring>()(), "hello");
}

TEST_F(RemotePredictKernelTest, SendsTheVersionLabelGivenAsAHiddenAttr) {
  Call seen;
  MockPredictionServiceStub::handler() = [&](Call call) {
    seen = call;
    call.done(absl::UnavailableError("down"), {});
  };
  KernelAttributes attributes = TwoOutputs(false);
  attributes.version_label = "canary";
  MakeKernel(attributes)->Run({"x"}, {AsTensor<float>({1})}, {"y", "n", "s"});
  EXPECT_EQ(seen.request.model_spec.version_label, "canary");
  EXPECT_EQ(seen.request.model_spec.version, -1);

  attributes.model_version = 2;
  auto both = KernelHarness::Create(attributes);
  EXPECT_EQ(both.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_CONTAINS(both.status().message(), "cannot both be set");
}

TEST_F(RemotePredictKernelTest, MessageSizeLimitsGivenAsHiddenAttrsReachTheChannel) {
  Call seen;
  MockPredictionServiceStub::handler() = [&](Call call) {
    seen = call;
    call.done(absl::UnavailableError("down"), {});
  };
  KernelAttributes attributes = TwoOutputs(false);
  attributes.max_send_message_bytes = 1000;
  attributes.max_receive_message_bytes = 2000;
  MakeKernel(attributes)->Run({"x"}, {AsTensor<float>({1})}, {"y", "n", "s"});
  EXPECT_EQ(seen.channel.max_send_message_bytes, 1000);
  EXPECT_EQ(seen.channel.max_receive_message_bytes, 2000);

  attributes.max_receive_message_bytes = -1;
  auto negative = KernelHarness::Create(attributes);
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_CONTAINS(negative.status().message(), "_max_receive_message_bytes");
}

TEST_F(RemotePredictKernelTest, RpcErrorFailsTheOpInFailMode) {
  RespondWith(absl::UnavailableError("connection refused"));
  KernelResult result = RunTwoOutputs(true);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_CONTAINS(result.status.message(), "connection refused");
}

TEST_F(RemotePredictKernelTest, RpcErrorInStatusModeGivesCodeMessageAndZeroScalars) {
  RespondWith(absl::UnavailableError("connection refused"));
  KernelResult result = RunTwoOutputs(false);
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(result.outputs[0].scalar<int32_t>()(), 14);
  EXPECT_EQ(result.outputs[1].scalar<tensorflow::tstring>()(), "connection refused");
  ASSERT_EQ(result.outputs.size(), 5u);
  EXPECT_EQ(result.outputs[2].dtype(), DT_FLOAT);
  EXPECT_EQ(result.outputs[2].dims(), 0);
  EXPECT_EQ(result.outputs[2].scalar<float>()(), 0.f);
  EXPECT_EQ(result.outputs[3].dtype(), DT_INT64);
  EXPECT_EQ(result.outputs[3].scalar<int64_t>()(), 0);
  EXPECT_EQ(result.outputs[4].dtype(), DT_STRING);
  EXPECT_EQ(result.outputs[4].scalar<tensorflow::tstring>()(), "");
}

TEST_F(RemotePredictKernelTest, MissingAliasFailsNamingIt) {
  RespondWith(absl::OkStatus(), Outputs({{"y", AsTensor<float>({1})},
                                         {"s", AsTensor<float>({1})}}));
  KernelResult result = RunTwoOutputs(true);
  EXPECT_FALSE(result.status.ok());
  EXPECT_CONTAINS(result.status.message(), "no output named 'n'");

  KernelResult status_mode = RunTwoOutputs(false);
  ASSERT_TRUE(status_mode.status.ok());
  EXPECT_NE(status_mode.outputs[0].scalar<int32_t>()(), 0);
  EXPECT_CONTAINS(std::string(status_mode.outputs[1].scalar<tensorflow::tstring>()()), "'n'");
}

TEST_F(RemotePredictKernelTest, DtypeMismatchIsInvalidArgumentNamingBothDtypes) {
  Tensor s(DT_STRING, TensorShape({}));
  RespondWith(absl::OkStatus(), Outputs({{"y", AsTensor<double>({1.0})},
                                         {"n", AsTensor<int64_t>({1})},
                                         {"s", s}}));
  KernelResult result = RunTwoOutputs(true);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_CONTAINS(result.status.message(), "'y'");
  EXPECT_CONTAINS(result.status.message(), "double");
  EXPECT_CONTAINS(result.status.message(), "float");
}

TEST_F(RemotePredictKernelTest, DeadlineIsPassedInExactMilliseconds) {
  for (int64_t millis : {1, 300, 999, 1500, 30000}) {
    int64_t seen = -1;
    MockPredictionServiceStub::handler() = [&](Call call) {
      seen = call.deadline_millis;
      call.done(absl::DeadlineExceededError("deadline"), {});
    };
    KernelAttributes attributes = TwoOutputs(false);
    attributes.max_rpc_deadline_millis = millis;
    MakeKernel(attributes)->Run({"x"}, {AsTensor<float>({1})}, {"y", "n", "s"});
    EXPECT_EQ(seen, millis);
  }
}

TEST_F(RemotePredictKernelTest, NonPositiveDeadlineIsRejectedAtConstruction) {
  KernelAttributes attributes = TwoOutputs(true);
  attributes.max_rpc_deadline_millis = 0;
  auto harness = KernelHarness::Create(attributes);
  EXPECT_EQ(harness.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_CONTAINS(harness.status().message(), "max_rpc_deadline_millis");
}

TEST_F(RemotePredictKernelTest, StepCancellationCancelsTheRpc) {
  Call pending;
  absl::Notification started;
  MockPredictionServiceStub::handler() = [&](Call call) {
    pending = std::move(call);
    started.Notify();
  };
  auto kernel = MakeKernel(TwoOutputs(true));
  tensorflow::CancellationManager manager;
  absl::Notification finished;
  KernelResult result;
  kernel->Start({"x"}, {AsTensor<float>({1})}, {"y", "n", "s"}, &manager,
                [&](KernelResult r) {
                  result = std::move(r);
                  finished.Notify();
                });
  started.WaitForNotification();
  EXPECT_FALSE(pending.cancelled->load());
  manager.StartCancel();
  EXPECT_TRUE(pending.cancelled->load());
  pending.done(absl::CancelledError("call cancelled"), {});
  finished.WaitForNotification();
  EXPECT_EQ(result.status.code(), absl::StatusCode::kCancelled);
}

TEST_F(RemotePredictKernelTest, CallCancellationOfTheThreadCancelsTheRpcAndFollowsTheCompletion) {
  Call pending;
  absl::Notification started;
  MockPredictionServiceStub::handler() = [&](Call call) {
    pending = std::move(call);
    started.Notify();
  };
  auto kernel = MakeKernel(TwoOutputs(true));
  tensorflow::CancellationManager step;
  tensorflow::CancellationManager call_manager;
  tensorflow::CancellationManager* seen_in_done = nullptr;
  absl::Notification finished;
  KernelResult result;
  {
    CallCancellationScope scope(&call_manager);
    kernel->Start({"x"}, {AsTensor<float>({1})}, {"y", "n", "s"}, &step,
                  [&](KernelResult r) {
                    result = std::move(r);
                    seen_in_done = CurrentCallCancellation();
                    finished.Notify();
                  });
  }
  started.WaitForNotification();
  EXPECT_EQ(CurrentCallCancellation(), nullptr);
  call_manager.StartCancel();
  EXPECT_TRUE(pending.cancelled->load());
  EXPECT_FALSE(step.IsCancelled());
  pending.done(absl::CancelledError("call cancelled"), {});
  finished.WaitForNotification();
  EXPECT_EQ(result.status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(seen_in_done, &call_manager);
  EXPECT_EQ(CurrentCallCancellation(), nullptr);
}

TEST_F(RemotePredictKernelTest, CompletionInsideTheCancelCallbackDoesNotDeadlock) {
  Call pending;
  MockPredictionServiceStub::handler() = [&](Call call) { pending = std::move(call); };
  auto kernel = MakeKernel(TwoOutputs(false));
  tensorflow::CancellationManager manager;
  KernelResult result;
  kernel->Start({"x"}, {AsTensor<float>({1})}, {"y", "n", "s"}, &manager,
                [&](KernelResult r) { result = std::move(r); });
  // Complete from a cancellation callback registered after the kernel's, as a
  // transport that completes synchronously inside TryCancel would.
  manager.RegisterCallback(manager.get_cancellation_token(), [&] {
    pending.done(absl::CancelledError("cancelled"), {});
  });
  manager.StartCancel();
  EXPECT_EQ(result.outputs[0].scalar<int32_t>()(), 1);
}

TEST_F(RemotePredictKernelTest, AlreadyCancelledStepNeverStartsTheRpc) {
  bool called = false;
  MockPredictionServiceStub::handler() = [&](Call) { called = true; };
  tensorflow::CancellationManager manager;
  manager.StartCancel();
  auto kernel = MakeKernel(TwoOutputs(true));
  KernelResult result = kernel->Run({"x"}, {AsTensor<float>({1})}, {"y", "n", "s"}, &manager);
  EXPECT_FALSE(called);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kCancelled);
}

TEST_F(RemotePredictKernelTest, AliasCountMismatchIsInvalidArgument) {
  bool called = false;
  MockPredictionServiceStub::handler() = [&](Call) { called = true; };
  auto kernel = MakeKernel(TwoOutputs(true));
  KernelResult inputs = kernel->Run({"x", "extra"}, {AsTensor<float>({1})}, {"y", "n", "s"});
  EXPECT_EQ(inputs.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_CONTAINS(inputs.status.message(), "input_tensor_aliases has 2");
  KernelResult outputs = kernel->Run({"x"}, {AsTensor<float>({1})}, {"y"});
  EXPECT_EQ(outputs.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_CONTAINS(outputs.status.message(), "output_tensor_aliases has 1");
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace tfsrp
