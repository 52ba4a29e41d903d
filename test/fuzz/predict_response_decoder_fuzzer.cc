// libFuzzer target for tfsrp::DecodePredictResponse (cpp/codec/predict_response_decoder.cc):
// the bytes a PredictionService sends back, decoded with TensorFlow's protobuf runtime where
// they lie, in the chunks gRPC received them in. Each input is decoded twice: in one piece,
// and split into 1 to 8 chunks at points drawn from a hash of the input (so chunk boundaries
// fall everywhere as the input mutates), each chunk in its own allocation so that ASan sees a
// read past a chunk's end.
//
// Built with clang's -fsanitize=fuzzer,address,undefined by scripts/fuzz-response-decoder.sh
// (test/fuzz/CMakeLists.txt, in build-fuzz/). Besides the sanitizers' findings, it traps on a
// broken contract of the decoder:
//   - a failure is INVALID_ARGUMENT with a non-empty message;
//   - a success lists outputs sorted by alias and unique, each an initialized tensor of a
//     dtype the decoder accepts, whose buffer holds exactly num_elements × element size
//     bytes (every byte and every string is read, so ASan sees any overrun);
//   - the chunked decode gives the same status, or the same outputs byte for byte, as the
//     decode in one piece.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

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

// The input in 1 to 8 chunks, each in an allocation of its own.
struct Chunks {
  std::vector<std::unique_ptr<char[]>> storage;
  std::vector<absl::string_view> views;
};

Chunks Split(const uint8_t* data, size_t size) {
  uint64_t state = 1469598103934665603ull;  // FNV-1a of the input seeds the split points
  for (size_t i = 0; i < size; ++i) state = (state ^ data[i]) * 1099511628211ull;
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  std::vector<size_t> cuts = {0, size};
  const size_t extra = size == 0 ? 0 : next() % 8;
  for (size_t i = 0; i < extra; ++i) cuts.push_back(next() % (size + 1));
  std::sort(cuts.begin(), cuts.end());
  Chunks chunks;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    const size_t length = cuts[i + 1] - cuts[i];
    chunks.storage.emplace_back(new char[length > 0 ? length : 1]);
    if (length > 0) std::memcpy(chunks.storage.back().get(), data + cuts[i], length);
    chunks.views.emplace_back(chunks.storage.back().get(), length);
  }
  return chunks;
}

bool SameTensor(const tensorflow::Tensor& a, const tensorflow::Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  if (a.dtype() != tensorflow::DT_STRING) return a.tensor_data() == b.tensor_data();
  auto fa = a.flat<tensorflow::tstring>();
  auto fb = b.flat<tensorflow::tstring>();
  for (int64_t i = 0; i < fa.size(); ++i) {
    if (fa(i) != fb(i)) return false;
  }
  return true;
}

void CheckSame(const absl::StatusOr<tfsrp::PredictResponse>& whole,
               const absl::StatusOr<tfsrp::PredictResponse>& chunked) {
  if (whole.ok() != chunked.ok() ||
      (!whole.ok() && whole.status() != chunked.status())) {
    Violation("chunked decode differs", whole.status().ToString() + " / " +
                                            chunked.status().ToString());
  }
  if (!whole.ok()) return;
  if (whole->outputs.size() != chunked->outputs.size()) {
    Violation("chunked decode differs", "number of outputs");
  }
  for (size_t i = 0; i < whole->outputs.size(); ++i) {
    const tfsrp::NamedTensor& a = whole->outputs[i];
    const tfsrp::NamedTensor& b = chunked->outputs[i];
    if (a.alias != b.alias || !SameTensor(a.tensor, b.tensor)) {
      Violation("chunked decode differs", "output " + a.alias);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<tfsrp::PredictResponse> decoded = tfsrp::DecodePredictResponse(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  {
    const Chunks chunks = Split(data, size);
    CheckSame(decoded, tfsrp::DecodePredictResponse(tfsrp::ChunkedBytes(chunks.views)));
  }
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
