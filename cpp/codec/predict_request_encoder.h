#ifndef TFSRP_CODEC_PREDICT_REQUEST_ENCODER_H_
#define TFSRP_CODEC_PREDICT_REQUEST_ENCODER_H_

#include "absl/status/statusor.h"
#include "cpp/codec/owned_bytes.h"
#include "cpp/codec/predict_messages.h"
#include "cpp/codec/tensor_encoding.h"

namespace tfsrp {

// Serialises a tensorflow.serving.PredictRequest. Inputs are written in
// alias order (as protobuf's deterministic serialisation orders map keys);
// numeric tensors use `encoding`, strings always use string_val.
absl::StatusOr<OwnedBytes> EncodePredictRequest(const PredictRequest& request,
                                                TensorEncoding encoding);

}  // namespace tfsrp

#endif  // TFSRP_CODEC_PREDICT_REQUEST_ENCODER_H_
