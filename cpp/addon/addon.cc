// The addon's entry point. Loading it checks that the libtensorflow in the
// process is the one it was built against, then registers the op. It links
// only libtensorflow_framework; SavedModels live in tfsrp_saved_model.node.
#include <napi.h>

#include "cpp/addon/js_completions.h"
#include "cpp/addon/op_library.h"
#include "cpp/addon/predict_binding.h"
#include "cpp/addon/tensorflow_runtime.h"
#include "cpp/guard/foreign_tensorflow.h"

namespace tfsrp {
namespace {

Napi::Value RegisteredOpsJs(const Napi::CallbackInfo& info) {
  std::vector<std::string> names = RegisteredOpNames();
  Napi::Array array = Napi::Array::New(info.Env(), names.size());
  for (size_t i = 0; i < names.size(); ++i) array.Set(i, names[i]);
  return array;
}

Napi::Value SetTensorEncodingJs(const Napi::CallbackInfo& info) {
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  if (!SetTensorEncoding(name)) {
    throw Napi::TypeError::New(info.Env(),
                               "tensor encoding must be 'tensor_content' or "
                               "'typed_fields', got '" +
                                   name + "'");
  }
  return info.Env().Undefined();
}

Napi::Value RegisterTlsCredentialsJs(const Napi::CallbackInfo& info) {
  const int64_t id = RegisterTlsCredentials(info[0].As<Napi::String>().Utf8Value(),
                                            info[1].As<Napi::String>().Utf8Value(),
                                            info[2].As<Napi::String>().Utf8Value());
  if (id < 0) throw Napi::Error::New(info.Env(), "the op library cannot register TLS credentials");
  return Napi::Number::New(info.Env(), static_cast<double>(id));
}

Napi::Value SetTargetTlsCredentialsJs(const Napi::CallbackInfo& info) {
  if (!SetTargetTlsCredentials(info[0].As<Napi::String>().Utf8Value(),
                               info[1].As<Napi::Number>().Int64Value())) {
    throw Napi::Error::New(info.Env(), "the op library refused the target's TLS credentials");
  }
  return info.Env().Undefined();
}

Napi::Value SetTargetOverrideJs(const Napi::CallbackInfo& info) {
  const std::string from = info[0].As<Napi::String>().Utf8Value();
  const std::string to = info[1].As<Napi::String>().Utf8Value();
  if (!SetTargetOverride(from, to)) {
    throw Napi::TypeError::New(info.Env(), "the op library refused the target override");
  }
  return info.Env().Undefined();
}

Napi::Value SetTargetChannelOptionsJs(const Napi::CallbackInfo& info) {
  const std::string error = SetTargetChannelOptions(info[0].As<Napi::String>().Utf8Value(),
                                                    info[1].As<Napi::String>().Utf8Value());
  if (!error.empty()) throw Napi::TypeError::New(info.Env(), error);
  return info.Env().Undefined();
}

// setTargetMetadata(target, [key, value, ...]) with string or Uint8Array values.
Napi::Value SetTargetMetadataJs(const Napi::CallbackInfo& info) {
  const std::string error = SetTargetMetadata(info[0].As<Napi::String>().Utf8Value(),
                                              MetadataFromJs(info[1].As<Napi::Array>()));
  if (!error.empty()) throw Napi::TypeError::New(info.Env(), error);
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const std::string foreign = ForeignTensorflowInProcess();
  if (!foreign.empty()) throw Napi::Error::New(env, foreign);
  const std::string mismatch = TensorflowVersionMismatch();
  if (!mismatch.empty()) throw Napi::Error::New(env, mismatch);
  const std::string load_error = LoadOpLibrary();
  if (!load_error.empty()) throw Napi::Error::New(env, load_error);

  exports.Set("tensorflowVersion", LoadedTensorflowVersion());
  exports.Set("builtAgainstTensorflowVersion", BuiltAgainstTensorflowVersion());
  exports.Set("opLibraryPath", OpLibraryPath());
  exports.Set("registeredOps", Napi::Function::New(env, RegisteredOpsJs));
  exports.Set("setTensorEncoding", Napi::Function::New(env, SetTensorEncodingJs));
  exports.Set("registerTlsCredentials", Napi::Function::New(env, RegisterTlsCredentialsJs));
  exports.Set("setTargetTlsCredentials", Napi::Function::New(env, SetTargetTlsCredentialsJs));
  exports.Set("setTargetOverride", Napi::Function::New(env, SetTargetOverrideJs));
  exports.Set("setTargetChannelOptions", Napi::Function::New(env, SetTargetChannelOptionsJs));
  exports.Set("setTargetMetadata", Napi::Function::New(env, SetTargetMetadataJs));
  JsCompletions::Init(env);
  InitPredictBinding(env, exports);
  return exports;
}

}  // namespace
}  // namespace tfsrp

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return tfsrp::Init(env, exports);
}

NODE_API_MODULE(tfserving_remote_predict, InitModule)
