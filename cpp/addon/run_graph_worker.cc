#include "cpp/addon/run_graph_worker.h"

#include "cpp/addon/graph_runner.h"
#include "cpp/addon/js_tensors.h"

namespace tfsrp {
namespace {

HostTensor TensorFromJs(const Napi::Object& object) {
  HostTensor tensor;
  tensor.dtype = object.Get("dtype").As<Napi::Number>().Int32Value();
  Napi::Array shape = object.Get("shape").As<Napi::Array>();
  for (uint32_t i = 0; i < shape.Length(); ++i) {
    tensor.shape.push_back(shape.Get(i).As<Napi::Number>().Int64Value());
  }
  Napi::TypedArray data = object.Get("data").As<Napi::TypedArray>();
  const auto* bytes = static_cast<const char*>(data.ArrayBuffer().Data()) + data.ByteOffset();
  tensor.bytes.assign(bytes, data.ByteLength());
  return tensor;
}

Napi::Object TensorToJs(Napi::Env env, const HostTensor& tensor) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("dtype", tensor.dtype);
  Napi::Array shape = Napi::Array::New(env, tensor.shape.size());
  for (size_t i = 0; i < tensor.shape.size(); ++i) {
    shape.Set(i, Napi::Number::New(env, static_cast<double>(tensor.shape[i])));
  }
  object.Set("shape", shape);
  Napi::ArrayBuffer bytes = Napi::ArrayBuffer::New(env, tensor.bytes.size());
  if (!tensor.bytes.empty()) std::memcpy(bytes.Data(), tensor.bytes.data(), tensor.bytes.size());
  object.Set("bytes", bytes);
  return object;
}

class RunGraphWorker : public Napi::AsyncWorker {
 public:
  RunGraphWorker(Napi::Env env, RemotePredictGraphCall call)
      : Napi::AsyncWorker(env), call_(std::move(call)), deferred_(env) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override { result_ = RunRemotePredictGraph(call_); }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object result = Napi::Object::New(env);
    result.Set("errorCode", result_.error_code);
    result.Set("errorMessage", result_.error_message);
    result.Set("statusCode", result_.status_code);
    result.Set("statusErrorMessage", result_.status_error_message);
    Napi::Array outputs = Napi::Array::New(env, result_.outputs.size());
    for (size_t i = 0; i < result_.outputs.size(); ++i) {
      outputs.Set(i, TensorToJs(env, result_.outputs[i]));
    }
    result.Set("outputs", outputs);
    deferred_.Resolve(result);
  }

 private:
  RemotePredictGraphCall call_;
  RemotePredictGraphResult result_;
  Napi::Promise::Deferred deferred_;
};

}  // namespace

Napi::Value RunRemotePredictGraphJs(const Napi::CallbackInfo& info) {
  Napi::Object options = info[0].As<Napi::Object>();
  RemotePredictGraphCall call;
  call.target_address = options.Get("targetAddress").As<Napi::String>().Utf8Value();
  call.model_name = options.Get("modelName").As<Napi::String>().Utf8Value();
  call.model_version = options.Get("modelVersion").As<Napi::Number>().Int64Value();
  call.signature_name = options.Get("signatureName").As<Napi::String>().Utf8Value();
  call.max_rpc_deadline_millis =
      options.Get("maxRpcDeadlineMillis").As<Napi::Number>().Int64Value();
  call.fail_op_on_rpc_error = options.Get("failOpOnRpcError").As<Napi::Boolean>();
  call.input_aliases = StringsFromJs(options, "inputTensorAliases");
  Napi::Array inputs = options.Get("inputTensors").As<Napi::Array>();
  for (uint32_t i = 0; i < inputs.Length(); ++i) {
    call.inputs.push_back(TensorFromJs(inputs.Get(i).As<Napi::Object>()));
  }
  call.output_aliases = StringsFromJs(options, "outputTensorAliases");
  Napi::Array types = options.Get("outputTypes").As<Napi::Array>();
  for (uint32_t i = 0; i < types.Length(); ++i) {
    call.output_types.push_back(types.Get(i).As<Napi::Number>().Int32Value());
  }
  auto* worker = new RunGraphWorker(info.Env(), std::move(call));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace tfsrp
