// JS tensors <-> tensorflow::Tensor. Inputs are copied into TensorFlow
// buffers; numeric outputs are handed to JS without a copy (an external
// ArrayBuffer holding a reference to the tensor's buffer).
#ifndef TFSRP_ADDON_JS_TENSORS_H_
#define TFSRP_ADDON_JS_TENSORS_H_

#include <napi.h>

#include "tensorflow/core/framework/tensor.h"

namespace tfsrp {

// Copies of large inputs left for another thread: `source` stays valid while
// `keep_alive` (released on the JS thread) holds its ArrayBuffer.
struct DeferredCopies {
  struct Copy {
    char* destination;
    const char* source;
    size_t bytes;
  };
  std::vector<Copy> copies;
  std::vector<Napi::Reference<Napi::Value>> keep_alive;

  // Any thread, once.
  void Run() const;
};

// {dtype, shape, data}; throws a Napi TypeError naming `what` on bad input.
// With `deferred`, numeric data of at least `defer_bytes` is not copied yet:
// the copy is recorded there instead.
tensorflow::Tensor TensorFromJs(const Napi::Object& object, const std::string& what,
                                DeferredCopies* deferred = nullptr, size_t defer_bytes = 0);

Napi::Object TensorToJs(Napi::Env env, const tensorflow::Tensor& tensor);

// object[key] as an array of strings.
std::vector<std::string> StringsFromJs(const Napi::Object& object, const char* key);

}  // namespace tfsrp

#endif  // TFSRP_ADDON_JS_TENSORS_H_
