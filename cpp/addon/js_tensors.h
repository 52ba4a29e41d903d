// JS tensors <-> tensorflow::Tensor. Inputs are copied into TensorFlow
// buffers; numeric outputs are handed to JS without a copy (an external
// ArrayBuffer holding a reference to the tensor's buffer).
#ifndef TFSRP_ADDON_JS_TENSORS_H_
#define TFSRP_ADDON_JS_TENSORS_H_

#include <napi.h>

#include "tensorflow/core/framework/tensor.h"

namespace tfsrp {

// {dtype, shape, data}; throws a Napi TypeError naming `what` on bad input.
tensorflow::Tensor TensorFromJs(const Napi::Object& object, const std::string& what);

Napi::Object TensorToJs(Napi::Env env, const tensorflow::Tensor& tensor);

// object[key] as an array of strings.
std::vector<std::string> StringsFromJs(const Napi::Object& object, const char* key);

}  // namespace tfsrp

#endif  // TFSRP_ADDON_JS_TENSORS_H_
