#include "cpp/addon/predict_binding.h"

#include <memory>

#include "cpp/addon/js_completions.h"
#include "cpp/addon/js_tensors.h"
#include "cpp/direct/remote_predict_call.h"
#include "cpp/direct/remote_predict_kernel_cache.h"
#include "tensorflow/core/platform/env.h"
#include "tensorflow/core/platform/threadpool.h"

namespace tfsrp {
namespace {

constexpr size_t kStartOffThreadBytes = 64 * 1024;

tensorflow::thread::ThreadPool& StartPool() {
  static auto* pool =
      new tensorflow::thread::ThreadPool(tensorflow::Env::Default(), "tfsrp_start", 2);
  return *pool;
}

// One call. Shared by the handle JS holds (for cancel) and by the in-flight
// kernel until its result has been delivered on the JS thread.
struct PendingCall {
  Napi::FunctionReference on_done;
  std::unique_ptr<tensorflow::CancellationManager> cancellation;
  RemotePredictCallResult result;
  bool finished = false;  // touched on the JS thread only
};
using CallRef = std::shared_ptr<PendingCall>;

Napi::Object ResultToJs(Napi::Env env, const RemotePredictCallResult& r) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("code", static_cast<int>(r.status.code()));
  result.Set("message", std::string(r.status.message()));
  result.Set("statusCode", r.status_code);
  result.Set("statusErrorMessage", r.status_error_message);
  Napi::Array outputs = Napi::Array::New(env, r.outputs.size());
  for (size_t i = 0; i < r.outputs.size(); ++i) outputs.Set(i, TensorToJs(env, r.outputs[i]));
  result.Set("outputs", outputs);
  return result;
}

void DeliverResult(Napi::Env env, PendingCall& call) {
  call.finished = true;
  Napi::Object result = ResultToJs(env, call.result);
  call.result = RemotePredictCallResult();
  Napi::FunctionReference on_done = std::move(call.on_done);
  call.cancellation.reset();
  on_done.Call({result});
}

RemotePredictKernelKey KeyFromJs(const Napi::Object& request) {
  RemotePredictKernelKey key;
  key.target_address = request.Get("targetAddress").As<Napi::String>().Utf8Value();
  key.model_name = request.Get("modelName").As<Napi::String>().Utf8Value();
  key.model_version = request.Get("modelVersion").As<Napi::Number>().Int64Value();
  key.version_label = request.Get("versionLabel").As<Napi::String>().Utf8Value();
  key.signature_name = request.Get("signatureName").As<Napi::String>().Utf8Value();
  key.max_rpc_deadline_millis =
      request.Get("maxRpcDeadlineMillis").As<Napi::Number>().Int64Value();
  key.fail_op_on_rpc_error = request.Get("failOpOnRpcError").As<Napi::Boolean>();
  key.max_send_message_bytes = request.Get("maxSendMessageBytes").As<Napi::Number>().Int32Value();
  key.max_receive_message_bytes =
      request.Get("maxReceiveMessageBytes").As<Napi::Number>().Int32Value();
  key.tls_credentials_id = request.Get("tlsCredentialsId").As<Napi::Number>().Int64Value();
  Napi::Array types = request.Get("outputTypes").As<Napi::Array>();
  for (uint32_t i = 0; i < types.Length(); ++i) {
    key.output_types.push_back(
        static_cast<tensorflow::DataType>(types.Get(i).As<Napi::Number>().Int32Value()));
  }
  return key;
}

Napi::Value Predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object request = info[0].As<Napi::Object>();
  Napi::Function on_done = info[1].As<Napi::Function>();

  auto call = std::make_shared<PendingCall>();
  RemotePredictKernelKey key = KeyFromJs(request);
  RemotePredictCallInputs inputs;
  inputs.input_aliases = StringsFromJs(request, "inputTensorAliases");
  inputs.output_aliases = StringsFromJs(request, "outputTensorAliases");
  Napi::Array tensors = request.Get("inputTensors").As<Napi::Array>();
  size_t input_bytes = 0;
  for (uint32_t i = 0; i < tensors.Length(); ++i) {
    inputs.input_tensors.push_back(TensorFromJs(tensors.Get(i).As<Napi::Object>(),
                                                "inputTensors[" + std::to_string(i) + "]"));
    key.input_types.push_back(inputs.input_tensors.back().dtype());
    input_bytes += inputs.input_tensors.back().TotalBytes();
  }

  call->on_done = Napi::Persistent(on_done);
  if (request.Get("cancellable").As<Napi::Boolean>()) {
    call->cancellation = std::make_unique<tensorflow::CancellationManager>();
  }
  JsCompletions& completions = JsCompletions::Of(env);
  completions.Begin(env);
  auto finish = [&completions, call](RemotePredictCallResult result) {
    call->result = std::move(result);
    completions.Post([call](Napi::Env env) { DeliverResult(env, *call); });
  };
  auto start = [key = std::move(key), inputs = std::move(inputs), call,
                finish = std::move(finish)]() mutable {
    absl::StatusOr<std::shared_ptr<tensorflow::OpKernel>> kernel = GetRemotePredictKernel(key);
    if (!kernel.ok()) {
      finish({kernel.status()});
    } else {
      StartRemotePredictCall(*std::move(kernel), std::move(inputs), call->cancellation.get(),
                             std::move(finish));
    }
  };
  // The inputs are copies by now. Encoding a large request and handing it to
  // gRPC (which may write it inline) would hold the event loop for
  // milliseconds: do that elsewhere.
  if (input_bytes >= kStartOffThreadBytes) {
    StartPool().Schedule(std::move(start));
  } else {
    start();
  }
  return Napi::External<CallRef>::New(env, new CallRef(std::move(call)),
                                      [](Napi::Env, CallRef* held) { delete held; });
}

Napi::Value Cancel(const Napi::CallbackInfo& info) {
  PendingCall& call = **info[0].As<Napi::External<CallRef>>().Data();
  if (!call.finished && call.cancellation) call.cancellation->StartCancel();
  return info.Env().Undefined();
}

}  // namespace

void InitPredictBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("predict", Napi::Function::New(env, Predict));
  exports.Set("cancel", Napi::Function::New(env, Cancel));
}

}  // namespace tfsrp
