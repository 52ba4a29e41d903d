#ifndef TFSRP_CODEC_PREDICT_REQUEST_ENCODER_H_
#define TFSRP_CODEC_PREDICT_REQUEST_ENCODER_H_

#include "absl/status/statusor.h"
#include "cpp/codec/encoded_request.h"
#include "cpp/codec/predict_messages.h"
#include "cpp/codec/tensor_encoding.h"

namespace tfsrp {

// Serialises a tensorflow.serving.PredictRequest. Inputs are written in
// alias order (as protobuf's deterministic serialisation orders map keys);
// numeric tensors use `encoding`, strings always use string_val. With
// tensor_content, the content of numeric inputs of 4 KiB or more is not
// copied: the result references (and holds) their tensors.
absl::StatusOr<EncodedRequest> EncodePredictRequest(const PredictRequest& request,
                                                    TensorEncoding encoding);

}  // namespace tfsrp

#endif  // TFSRP_CODEC_PREDICT_REQUEST_ENCODER_H_
