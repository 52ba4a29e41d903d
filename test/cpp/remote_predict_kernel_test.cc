// RemotePredictOp<MockPredictionServiceStub>: the kernel's semantics without
// a network.
#include <gtest/gtest.h>

#include <thread>

#include "cpp/kernel/call_cancellation.h"
#include "cpp/kernel/channel_options.h"
#include "cpp/kernel/remote_predict_op.h"
#include "cpp/kernel/target_metadata.h"
#include "kernel_harness.h"
#include "mock_prediction_service_stub.h"
#include "tensor_test_util.h"

namespace tfsrp {

REGISTER_KERNEL_BUILDER(Name("TfServingRemotePredict").Device(tensorflow::DEVICE_CPU).Label("mock"),
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

  // Keeps each call in *seen and fails it with UNAVAILABLE.
  static void RecordAndFail(Call* seen) {
    MockPredictionServiceStub::handler() = [seen](Call call) {
      *seen = call;
      call.done(absl::UnavailableError("down"), {});
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

  // A call that the mock stub keeps pending until the test completes it.
  struct PendingCall {
    Call call;
    absl::Notification started;   // the stub has the call
    absl::Notification finished;  // the kernel's done callback has run
    KernelResult result;
    tensorflow::CancellationManager* call_cancellation_in_done = nullptr;
  };

  // Starts a call of `kernel` under `step`; the stub keeps it in *pending.
  static void StartPending(KernelHarness& kernel, tensorflow::CancellationManager* step,
                           PendingCall* pending) {
    MockPredictionServiceStub::handler() = [pending](Call call) {
      pending->call = std::move(call);
      pending->started.Notify();
    };
    kernel.Start({"x"}, {AsTensor<float>({1})}, {"y", "n", "s"}, step,
                 [pending](KernelResult result) {
                   pending->result = std::move(result);
                   pending->call_cancellation_in_done = CurrentCallCancellation();
                   pending->finished.Notify();
                 });
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
  KernelResult result =
      kernel->Run({"x", "k"}, {AsTensor<float>({1, 2}), AsTensor<int64_t>({5})}, {"y", "n", "s"});
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(seen.channel.target_address, "mock:0");
  EXPECT_EQ(seen.channel.max_send_message_bytes, 0);
  EXPECT_EQ(seen.channel.max_receive_message_bytes, 0);
  EXPECT_EQ(seen.request.model_spec.name, "model");
  EXPECT_EQ(seen.request.model_spec.version, 3);
  EXPECT_EQ(seen.request.model_spec.signature_name, "sig");
  ASSERT_EQ(seen.request.inputs.size(), 2u);
  EXPECT_EQ(seen.request.inputs[0].alias, "x");
  ExpectTensorEqual<float>(seen.request.inputs[0].tensor, AsTensor<float>({1, 2}));
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
  RecordAndFail(&seen);
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
  RecordAndFail(&seen);
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

TEST_F(RemotePredictKernelTest, ChannelOptionsGivenAsAHiddenAttrReachTheChannel) {
  Call seen;
  RecordAndFail(&seen);
  KernelAttributes attributes = TwoOutputs(false);
  attributes.channel_options =
      "load_balancing=round_robin; keepalive_time_millis=200;keepalive_timeout_millis=500;"
      "keepalive_permit_without_calls=true;retry_max_attempts=4;"
      "retry_status_codes=UNAVAILABLE,10;connections=3;reconnect_max_backoff_millis=500";
  MakeKernel(attributes)->Run({"x"}, {AsTensor<float>({1})}, {"y", "n", "s"});
  EXPECT_EQ(seen.channel.load_balancing, "round_robin");
  EXPECT_EQ(seen.channel.keepalive_time_millis, 200);
  EXPECT_EQ(seen.channel.keepalive_timeout_millis, 500);
  EXPECT_TRUE(seen.channel.keepalive_permit_without_calls);
  EXPECT_EQ(seen.channel.retry.max_attempts, 4);
  EXPECT_EQ(seen.channel.retry.initial_backoff_millis, 100);  // defaults
  EXPECT_EQ(seen.channel.retry.max_backoff_millis, 1000);
  EXPECT_EQ(seen.channel.retry.backoff_multiplier, 2);
  EXPECT_EQ(seen.channel.retry.retryable_status_codes, (1u << 14) | (1u << 10));
  EXPECT_EQ(seen.channel.connections, 3);
  EXPECT_EQ(seen.channel.reconnect_initial_backoff_millis, 0);
  EXPECT_EQ(seen.channel.reconnect_max_backoff_millis, 500);
}

TEST_F(RemotePredictKernelTest, BadChannelOptionsAreInvalidArgumentNamingTheAttrAndOption) {
  const std::pair<const char*, const char*> cases[] = {
      {"load_balancing=grpclb", "load_balancing"},
      {"keepalive_time_millis=-1", "keepalive_time_millis"},
      {"retry_max_attempts=1", "retry_max_attempts"},
      {"retry_max_attempts=6", "retry_max_attempts"},
      {"retry_max_attempts=3;retry_backoff_multiplier=0", "retry_backoff_multiplier"},
      {"retry_max_attempts=3;retry_status_codes=OK", "retry_status_codes"},
      {"retry_initial_backoff_millis=10", "needs retry_max_attempts"},
      {"retry_max_attempts=2;retry_initial_backoff_millis=500;retry_max_backoff_millis=100",
       "retry_max_backoff_millis"},
      {"connections=0", "connections"},
      {"connections=65", "connections"},
      {"reconnect_initial_backoff_millis=900;reconnect_max_backoff_millis=100",
       "reconnect_max_backoff_millis"},
      {"connections=2;connections=3", "given twice"},
      {"colour=blue", "unknown channel option 'colour'"},
      {"round_robin", "name=value"},
  };
  for (const auto& [text, expected] : cases) {
    KernelAttributes attributes = TwoOutputs(true);
    attributes.channel_options = text;
    auto harness = KernelHarness::Create(attributes);
    EXPECT_EQ(harness.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_CONTAINS(harness.status().message(), "_channel_options: ");
    EXPECT_CONTAINS(harness.status().message(), expected);
  }
}

TEST_F(RemotePredictKernelTest, TargetChannelOptionsApplyUnlessTheKernelsAttrsSetThem) {
  Call seen;
  RecordAndFail(&seen);
  EXPECT_FALSE(SetTargetChannelOptions("mock:7", "connections=seven").ok());
  ASSERT_TRUE(SetTargetChannelOptions(
                  "mock:7", "load_balancing=round_robin;connections=3;max_receive_message_bytes=99")
                  .ok());
  KernelAttributes attributes = TwoOutputs(false);
  attributes.target_address = "mock:7";
  attributes.channel_options = "connections=2";
  MakeKernel(attributes)->Run({"x"}, {AsTensor<float>({1})}, {"y", "n", "s"});
  EXPECT_EQ(seen.channel.load_balancing, "round_robin");
  EXPECT_EQ(seen.channel.connections, 2);
  EXPECT_EQ(seen.channel.max_receive_message_bytes, 99);
  ASSERT_TRUE(SetTargetChannelOptions("mock:7", "").ok());
  attributes.channel_options = "keepalive_time_millis=1000";
  MakeKernel(attributes)->Run({"x"}, {AsTensor<float>({1})}, {"y", "n", "s"});
  EXPECT_EQ(seen.channel.load_balancing, "");
  EXPECT_EQ(seen.channel.connections, 1);
}

TEST_F(RemotePredictKernelTest, CallOptionsOfTheThreadAndTheTargetsMetadataReachTheStub) {
  Call seen;
  RecordAndFail(&seen);
  KernelAttributes attributes = TwoOutputs(false);
  attributes.target_address = "mock:8";
  auto kernel = MakeKernel(attributes);
  CallOptions options{{{"x-request-id", "42"}, {"trace-bin", std::string("\0\1", 2)}}, true};
  kernel->call_options = &options;
  kernel->Run({"x"}, {AsTensor<float>({1})}, {"y", "n", "s"});
  EXPECT_EQ(seen.call_options.metadata, options.metadata);
  EXPECT_TRUE(seen.call_options.wait_for_ready);
  EXPECT_EQ(CurrentCallOptions(), nullptr);

  // The target's metadata is read per call: a change reaches existing kernels.
  ASSERT_NE(seen.channel.metadata, nullptr);
  EXPECT_EQ(seen.channel.metadata->Get(), nullptr);
  ASSERT_TRUE(SetTargetMetadata("mock:8", {{"authorization", "Bearer a"}}).ok());
  ASSERT_NE(seen.channel.metadata->Get(), nullptr);
  EXPECT_EQ(seen.channel.metadata->Get()->at(0).second, "Bearer a");
  EXPECT_FALSE(SetTargetMetadata("mock:8", {{"Authorization", "x"}}).ok());
  EXPECT_FALSE(SetTargetMetadata("mock:8", {{"grpc-timeout", "1S"}}).ok());
  EXPECT_FALSE(SetTargetMetadata("mock:8", {{"x-text", "line\nbreak"}}).ok());
  EXPECT_FALSE(SetTargetMetadata("mock:8", {{"x-big", std::string(9000, 'a')}}).ok());
  EXPECT_TRUE(SetTargetMetadata("mock:8", {{"x-bin", std::string("\n\0", 2)}}).ok());
  ASSERT_TRUE(SetTargetMetadata("mock:8", {}).ok());
  EXPECT_EQ(seen.channel.metadata->Get(), nullptr);
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
  RespondWith(absl::OkStatus(),
              Outputs({{"y", AsTensor<float>({1})}, {"s", AsTensor<float>({1})}}));
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
  RespondWith(absl::OkStatus(),
              Outputs({{"y", AsTensor<double>({1.0})}, {"n", AsTensor<int64_t>({1})}, {"s", s}}));
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
  auto kernel = MakeKernel(TwoOutputs(true));
  tensorflow::CancellationManager manager;
  PendingCall pending;
  StartPending(*kernel, &manager, &pending);
  pending.started.WaitForNotification();
  EXPECT_FALSE(pending.call.cancelled->load());
  manager.StartCancel();
  EXPECT_TRUE(pending.call.cancelled->load());
  pending.call.done(absl::CancelledError("call cancelled"), {});
  pending.finished.WaitForNotification();
  EXPECT_EQ(pending.result.status.code(), absl::StatusCode::kCancelled);
}

TEST_F(RemotePredictKernelTest, CallCancellationOfTheThreadCancelsTheRpcAndFollowsTheCompletion) {
  auto kernel = MakeKernel(TwoOutputs(true));
  tensorflow::CancellationManager step;
  tensorflow::CancellationManager call_manager;
  PendingCall pending;
  {
    CallCancellationScope scope(&call_manager);
    StartPending(*kernel, &step, &pending);
  }
  pending.started.WaitForNotification();
  EXPECT_EQ(CurrentCallCancellation(), nullptr);
  call_manager.StartCancel();
  EXPECT_TRUE(pending.call.cancelled->load());
  EXPECT_FALSE(step.IsCancelled());
  pending.call.done(absl::CancelledError("call cancelled"), {});
  pending.finished.WaitForNotification();
  EXPECT_EQ(pending.result.status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(pending.call_cancellation_in_done, &call_manager);
  EXPECT_EQ(CurrentCallCancellation(), nullptr);
}

TEST_F(RemotePredictKernelTest, CompletionInsideTheCancelCallbackDoesNotDeadlock) {
  auto kernel = MakeKernel(TwoOutputs(false));
  tensorflow::CancellationManager manager;
  PendingCall pending;
  StartPending(*kernel, &manager, &pending);
  pending.started.WaitForNotification();
  // Complete from a cancellation callback registered after the kernel's, as a
  // transport that completes synchronously inside TryCancel would.
  manager.RegisterCallback(manager.get_cancellation_token(),
                           [&] { pending.call.done(absl::CancelledError("cancelled"), {}); });
  manager.StartCancel();
  ASSERT_TRUE(pending.finished.HasBeenNotified());
  EXPECT_EQ(pending.result.outputs[0].scalar<int32_t>()(), 1);
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
