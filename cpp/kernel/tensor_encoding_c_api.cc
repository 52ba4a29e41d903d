// C entry points of the op library for the process-level tensor encoding, so
// that Python (ctypes) and C users can switch servers to typed value fields.
#include "cpp/codec/tensor_encoding.h"

extern "C" {

__attribute__((visibility("default"))) int TfsrpSetTensorEncoding(const char* name) {
  tfsrp::TensorEncoding encoding;
  if (name == nullptr || !tfsrp::ParseTensorEncoding(name, &encoding)) return -1;
  tfsrp::SetProcessTensorEncoding(encoding);
  return 0;
}

__attribute__((visibility("default"))) const char* TfsrpTensorEncoding() {
  return tfsrp::TensorEncodingName(tfsrp::ProcessTensorEncoding());
}
}
