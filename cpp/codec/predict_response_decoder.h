#ifndef TFSRP_CODEC_PREDICT_RESPONSE_DECODER_H_
#define TFSRP_CODEC_PREDICT_RESPONSE_DECODER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cpp/codec/predict_messages.h"

namespace tfsrp {

// Parses a tensorflow.serving.PredictResponse. Malformed bytes or tensors
// give INVALID_ARGUMENT naming the output; unknown fields are skipped and a
// repeated map key keeps its last value, as protobuf does.
absl::StatusOr<PredictResponse> DecodePredictResponse(absl::string_view bytes);

}  // namespace tfsrp

#endif  // TFSRP_CODEC_PREDICT_RESPONSE_DECODER_H_
