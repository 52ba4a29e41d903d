// JS tensors <-> tensorflow::Tensor. Inputs are copied into TensorFlow
// buffers before the call returns to JS (nothing keeps a reference to the
// caller's memory); numeric outputs over 4 KiB are handed to JS without a copy
// (an external ArrayBuffer holding a reference to the tensor's buffer), smaller
// ones are copied into a JS-owned ArrayBuffer.
#ifndef TFSRP_ADDON_JS_TENSORS_H_
#define TFSRP_ADDON_JS_TENSORS_H_

#include <napi.h>

#include <string>
#include <string_view>
#include <vector>

#include "tensorflow/core/framework/tensor.h"

namespace tfsrp {

// How an error message names a tensor: `prefix`, or `prefix[index]`; made
// into a string only for an error.
struct TensorName {
  std::string_view prefix;
  int index = -1;
  std::string str() const;
};

// {dtype, shape, data}, copied; throws a Napi TypeError naming the tensor on
// bad input. `data` may be backed by a SharedArrayBuffer (copied like any other).
tensorflow::Tensor TensorFromJs(const Napi::Object& object, const TensorName& name);
tensorflow::Tensor TensorFromJs(const Napi::Object& object, const std::string& what);

// The same from `flat` at `at`: its dtype, its rank, its dimensions, then its
// data (fewer N-API calls than an object's properties); `at` is moved past it.
tensorflow::Tensor TensorFromFlatJs(const Napi::Array& flat, uint32_t& at, const TensorName& name);

Napi::Object TensorToJs(Napi::Env env, const tensorflow::Tensor& tensor);

// A tensor's data as TensorToJs gives it, without the object around it.
Napi::Value TensorDataToJs(Napi::Env env, const tensorflow::Tensor& tensor);

// object[key] as an array of strings.
std::vector<std::string> StringsFromJs(const Napi::Object& object, const char* key);

}  // namespace tfsrp

#endif  // TFSRP_ADDON_JS_TENSORS_H_
