#include "cpp/codec/tensor_encoding.h"

#include <atomic>
#include <cstdlib>

namespace tfsrp {
namespace {

TensorEncoding EncodingFromEnvironment() {
  TensorEncoding encoding = TensorEncoding::kTensorContent;
  if (const char* name = std::getenv("TFSRP_TENSOR_ENCODING")) {
    ParseTensorEncoding(name, &encoding);
  }
  return encoding;
}

std::atomic<TensorEncoding>& ProcessSetting() {
  static std::atomic<TensorEncoding> setting{EncodingFromEnvironment()};
  return setting;
}

}  // namespace

TensorEncoding ProcessTensorEncoding() {
  return ProcessSetting().load();
}

void SetProcessTensorEncoding(TensorEncoding encoding) {
  ProcessSetting().store(encoding);
}

bool ParseTensorEncoding(const std::string& name, TensorEncoding* encoding) {
  if (name == "tensor_content") {
    *encoding = TensorEncoding::kTensorContent;
  } else if (name == "typed_fields") {
    *encoding = TensorEncoding::kTypedFields;
  } else {
    return false;
  }
  return true;
}

const char* TensorEncodingName(TensorEncoding encoding) {
  return encoding == TensorEncoding::kTensorContent ? "tensor_content" : "typed_fields";
}

}  // namespace tfsrp
