#include "cpp/addon/predict_binding.h"

#include <memory>

#include "cpp/addon/call_results.h"
#include "cpp/addon/js_completions.h"
#include "cpp/addon/js_tensors.h"
#include "cpp/addon/op_library.h"
#include "cpp/addon/start_queue.h"
#include "cpp/addon/tagged_external.h"
#include "cpp/direct/remote_predict_call.h"

namespace tfsrp {
namespace {

constexpr size_t kStartOffThreadBytes = 64 * 1024;
// Calls in flight (JsCompletions::Busy()) from which every call is started off
// the JS thread.
constexpr size_t kStartOffThreadInFlight = 8;

// One call. Shared by the handle JS holds (for cancel) and by the in-flight
// kernel until its result has been delivered on the JS thread.
struct PendingCall {
  std::unique_ptr<tensorflow::CancellationManager> cancellation;
  RemotePredictCallResult result;
  bool finished = false;  // touched on the JS thread only
};
using CallRef = std::shared_ptr<PendingCall>;
using CallHandle = TaggedExternal<CallRef, 0x7f1a3c2e5b6d4e01, 0x9c8b7a6f5e4d3c21>;

// What a call needs besides its inputs: the kernel and alias tensors, or why
// there is none (an unusable target is reported by each call, asynchronously).
struct PreparedCall {
  absl::StatusOr<std::shared_ptr<const PreparedRemotePredict>> prepared;
};
using PreparedRef = std::shared_ptr<const PreparedCall>;
using PreparedHandle = TaggedExternal<PreparedRef, 0x2b4d6f8a1c3e5a02, 0x4e6a8c0b2d4f6a13>;

tensorflow::DataTypeVector TypesFromJs(const Napi::Object& spec, const char* key) {
  Napi::Array types = spec.Get(key).As<Napi::Array>();
  tensorflow::DataTypeVector out;
  out.reserve(types.Length());
  for (uint32_t i = 0; i < types.Length(); ++i) {
    out.push_back(static_cast<tensorflow::DataType>(types.Get(i).As<Napi::Number>().Int32Value()));
  }
  return out;
}

RemotePredictKernelKey KeyFromJs(const Napi::Object& spec) {
  RemotePredictKernelKey key;
  key.target_address = spec.Get("targetAddress").As<Napi::String>().Utf8Value();
  key.model_name = spec.Get("modelName").As<Napi::String>().Utf8Value();
  key.model_version = spec.Get("modelVersion").As<Napi::Number>().Int64Value();
  key.version_label = spec.Get("versionLabel").As<Napi::String>().Utf8Value();
  key.signature_name = spec.Get("signatureName").As<Napi::String>().Utf8Value();
  key.max_rpc_deadline_millis = spec.Get("maxRpcDeadlineMillis").As<Napi::Number>().Int64Value();
  key.fail_op_on_rpc_error = spec.Get("failOpOnRpcError").As<Napi::Boolean>();
  key.max_send_message_bytes = spec.Get("maxSendMessageBytes").As<Napi::Number>().Int32Value();
  key.max_receive_message_bytes =
      spec.Get("maxReceiveMessageBytes").As<Napi::Number>().Int32Value();
  key.tls_credentials_id = spec.Get("tlsCredentialsId").As<Napi::Number>().Int64Value();
  key.channel_options = spec.Get("channelOptions").As<Napi::String>().Utf8Value();
  key.input_types = TypesFromJs(spec, "inputTypes");
  key.output_types = TypesFromJs(spec, "outputTypes");
  return key;
}

// { metadata: [key, value, ...], waitForReady } -> CallOptions; undefined -> null.
std::shared_ptr<const CallOptions> CallOptionsFromJs(const Napi::Value& value) {
  if (!value.IsObject()) return nullptr;
  Napi::Object o = value.As<Napi::Object>();
  auto options = std::make_shared<CallOptions>();
  options->wait_for_ready = o.Get("waitForReady").ToBoolean();
  Napi::Value metadata = o.Get("metadata");
  if (metadata.IsArray()) options->metadata = MetadataFromJs(metadata.As<Napi::Array>());
  return options;
}

// prepare(spec) -> prepared: once per option set, not per call.
Napi::Value Prepare(const Napi::CallbackInfo& info) {
  Napi::Object spec = info[0].As<Napi::Object>();
  const RemotePredictKernelKey key = KeyFromJs(spec);
  auto call = std::make_shared<PreparedCall>();
  call->prepared = PrepareRemotePredict(key, StringsFromJs(spec, "inputTensorAliases"),
                                        StringsFromJs(spec, "outputTensorAliases"));
  return PreparedHandle::Wrap(info.Env(), new PreparedRef(std::move(call)));
}

// call(prepared, inputs, id, cancellable[, callOptions]) -> handle
// (cancellable) or undefined; `inputs` holds each input as TensorFromFlatJs()
// reads it. The result goes to the CallResults handler under `id`.
Napi::Value Call(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CallResults* results = static_cast<CallResults*>(info.Data());
  PreparedRef prepared = PreparedHandle::Unwrap(info[0], "prepared");
  Napi::Array tensors = info[1].As<Napi::Array>();
  const double id = info[2].As<Napi::Number>().DoubleValue();
  const bool cancellable = info[3].As<Napi::Boolean>();
  std::shared_ptr<const CallOptions> call_options = CallOptionsFromJs(info[4]);

  std::vector<tensorflow::Tensor> inputs;
  size_t input_bytes = 0;
  const uint32_t flat_length = tensors.Length();
  for (uint32_t at = 0; at < flat_length;) {
    inputs.push_back(
        TensorFromFlatJs(tensors, at, TensorName{"inputTensors", static_cast<int>(inputs.size())}));
    input_bytes += inputs.back().TotalBytes();
  }
  if (prepared->prepared.ok()) {
    const tensorflow::DataTypeVector& types = (*prepared->prepared)->input_types;
    bool same = types.size() == inputs.size();
    for (size_t i = 0; same && i < inputs.size(); ++i) same = types[i] == inputs[i].dtype();
    if (!same)
      throw Napi::TypeError::New(env, "the input tensors' dtypes differ from the prepared call's");
  }

  auto call = std::make_shared<PendingCall>();
  if (cancellable) call->cancellation = std::make_unique<tensorflow::CancellationManager>();
  JsCompletions& completions = JsCompletions::Of(env);
  completions.Begin(env);
  auto finish = [&completions, results, call, id](RemotePredictCallResult result) {
    call->result = std::move(result);
    completions.Post([results, call, id](Napi::Env) {
      call->finished = true;
      call->cancellation.reset();
      results->Add(id, std::move(call->result));
    });
  };
  if (!prepared->prepared.ok()) {
    RemotePredictCallResult refused;
    refused.status = prepared->prepared.status();
    finish(std::move(refused));
  } else {
    auto start = [prepared = *prepared->prepared, inputs = std::move(inputs), call,
                  call_options = std::move(call_options), finish = std::move(finish)]() mutable {
      StartRemotePredictCall(std::move(prepared), std::move(inputs), call->cancellation.get(),
                             call_options.get(), std::move(finish));
    };
    // The inputs are copies by now. Encoding a large request and handing it to
    // gRPC (which may write it inline) would hold the event loop for
    // milliseconds: do that elsewhere. So are starts while many calls are in
    // flight: measured at 16 floats x 64 in flight, starting inline cost more
    // CPU per call and gave event-loop delays of tens of milliseconds, the
    // hand-off neither (docs/ARCHITECTURE.md#cost-per-call).
    if (input_bytes >= kStartOffThreadBytes || completions.Busy() >= kStartOffThreadInFlight) {
      StartQueue::Get().Post(std::move(start));
    } else {
      start();
    }
  }
  if (!cancellable) return env.Undefined();
  return CallHandle::Wrap(env, new CallRef(std::move(call)));
}

Napi::Value Cancel(const Napi::CallbackInfo& info) {
  PendingCall& call = *CallHandle::Unwrap(info[0], "handle");
  if (!call.finished && call.cancellation) call.cancellation->StartCancel();
  return info.Env().Undefined();
}

}  // namespace

Metadata MetadataFromJs(const Napi::Array& flat) {
  Metadata metadata;
  for (uint32_t i = 0; i + 1 < flat.Length(); i += 2) {
    Napi::Value v = flat.Get(i + 1);
    std::string bytes;
    if (v.IsTypedArray()) {
      Napi::Uint8Array array = v.As<Napi::Uint8Array>();
      bytes.assign(reinterpret_cast<const char*>(array.Data()), array.ByteLength());
    } else {
      bytes = v.As<Napi::String>().Utf8Value();
    }
    metadata.emplace_back(flat.Get(i).As<Napi::String>().Utf8Value(), std::move(bytes));
  }
  return metadata;
}

void InitPredictBinding(Napi::Env env, Napi::Object exports) {
  SetCallOptionsExchange(
      reinterpret_cast<CallOptionsExchange>(OpLibrarySymbol("TfsrpExchangeCallOptions")));
  CallResults* results = CallResults::New(env, JsCompletions::Of(env));
  exports.Set("prepare", Napi::Function::New(env, Prepare));
  exports.Set("call", Napi::Function::New(env, Call, "call", results));
  exports.Set(
      "setCallResultHandler",
      Napi::Function::New(
          env,
          [](const Napi::CallbackInfo& info) {
            static_cast<CallResults*>(info.Data())->SetHandler(info[0].As<Napi::Function>());
          },
          "setCallResultHandler", results));
  exports.Set("cancel", Napi::Function::New(env, Cancel));
}

}  // namespace tfsrp
