// tfsrp_tensorflow_guard.node: required before the addon, which cannot even
// be loaded next to another TensorFlow whose libraries share our sonames.
#include <napi.h>

#include "cpp/guard/foreign_tensorflow.h"

namespace {

Napi::Value ForeignTensorflowJs(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), tfsrp::ForeignTensorflowInProcess());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("foreignTensorflow", Napi::Function::New(env, ForeignTensorflowJs));
  return exports;
}

}  // namespace

NODE_API_MODULE(tfsrp_tensorflow_guard, Init)
