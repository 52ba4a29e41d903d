// libFuzzer target for tfsrp::DecodePredictResponse (cpp/codec/predict_response_decoder.cc):
// the bytes a PredictionService sends back, decoded with TensorFlow's protobuf runtime.
//
// Built with clang's -fsanitize=fuzzer,address,undefined by scripts/fuzz-response-decoder.sh
// (test/fuzz/CMakeLists.txt, in build-fuzz/). Besides the sanitizers' findings, it traps on a
// broken contract of the decoder:
//   - a failure is INVALID_ARGUMENT with a non-empty message;
//   - a success lists outputs sorted by alias and unique, each an initialized tensor of a
//     dtype the decoder accepts, whose buffer holds exactly num_elements × element size
//     bytes (every byte and every string is read, so ASan sees any overrun).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "cpp/codec/predict_response_decoder.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/framework/types.h"

namespace {

[[noreturn]] void Violation(const char* what, const std::string& detail) {
  std::fprintf(stderr, "decoder contract violated: %s: %s\n", what, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

// Keeps the reads from being optimized away.
volatile uint64_t sink;

void Touch(const tensorflow::Tensor& tensor) {
  uint64_t sum = 0;
  if (tensor.dtype() == tensorflow::DT_STRING) {
    auto flat = tensor.flat<tensorflow::tstring>();
    for (int64_t i = 0; i < flat.size(); ++i) {
      const tensorflow::tstring& s = flat(i);
      for (size_t j = 0; j < s.size(); ++j) sum += static_cast<unsigned char>(s.data()[j]);
    }
  } else {
    absl::string_view bytes = tensor.tensor_data();
    const int64_t expected =
        tensor.NumElements() * static_cast<int64_t>(tensorflow::DataTypeSize(tensor.dtype()));
    if (static_cast<int64_t>(bytes.size()) != expected) {
      Violation("tensor_data size", std::to_string(bytes.size()) + " != " + std::to_string(expected));
    }
    for (char c : bytes) sum += static_cast<unsigned char>(c);
  }
  sink = sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<tfsrp::PredictResponse> decoded = tfsrp::DecodePredictResponse(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!decoded.ok()) {
    if (decoded.status().code() != absl::StatusCode::kInvalidArgument) {
      Violation("failure code", decoded.status().ToString());
    }
    if (decoded.status().message().empty()) Violation("failure message", "empty");
    return 0;
  }
  const std::vector<tfsrp::NamedTensor>& outputs = decoded->outputs;
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (i > 0 && !(outputs[i - 1].alias < outputs[i].alias)) {
      Violation("outputs not sorted and unique", outputs[i - 1].alias + " / " + outputs[i].alias);
    }
    const tensorflow::Tensor& tensor = outputs[i].tensor;
    if (!tensor.IsInitialized()) Violation("uninitialized tensor", outputs[i].alias);
    if (tensor.dtype() != tensorflow::DT_STRING && !tensorflow::DataTypeCanUseMemcpy(tensor.dtype())) {
      Violation("dtype", tensorflow::DataTypeString(tensor.dtype()));
    }
    if (tensor.shape().num_elements() < 0) Violation("num_elements", tensor.shape().DebugString());
    Touch(tensor);
  }
  return 0;
}
