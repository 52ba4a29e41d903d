// The parts of TF Serving's PredictRequest / PredictResponse the op uses,
// as plain C++ values; the wire encoding lives in the encoder and decoder.
#ifndef TFSRP_CODEC_PREDICT_MESSAGES_H_
#define TFSRP_CODEC_PREDICT_MESSAGES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tensorflow/core/framework/tensor.h"

namespace tfsrp {

struct ModelSpec {
  std::string name;
  int64_t version = -1;  // < 0: latest (no version on the wire)
  std::string version_label;
  std::string signature_name;
};

struct NamedTensor {
  std::string alias;
  tensorflow::Tensor tensor;
};

struct PredictRequest {
  ModelSpec model_spec;
  std::vector<NamedTensor> inputs;
  std::vector<std::string> output_filter;
};

struct PredictResponse {
  std::vector<NamedTensor> outputs;  // sorted by alias, unique
};

}  // namespace tfsrp

#endif  // TFSRP_CODEC_PREDICT_MESSAGES_H_
