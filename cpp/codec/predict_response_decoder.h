#ifndef TFSRP_CODEC_PREDICT_RESPONSE_DECODER_H_
#define TFSRP_CODEC_PREDICT_RESPONSE_DECODER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cpp/codec/chunked_bytes.h"
#include "cpp/codec/predict_messages.h"

namespace tfsrp {

// Parses a tensorflow.serving.PredictResponse where it lies, in the chunks
// gRPC received it in: numeric tensor_content is copied once, from the chunks
// into the output tensor. Malformed bytes or tensors give INVALID_ARGUMENT
// naming the output; unknown fields are skipped and a repeated map key keeps
// its last value, as protobuf does. The chunks may be released on return.
absl::StatusOr<PredictResponse> DecodePredictResponse(const ChunkedBytes& bytes);

// The same, for a response in one piece.
absl::StatusOr<PredictResponse> DecodePredictResponse(absl::string_view bytes);

}  // namespace tfsrp

#endif  // TFSRP_CODEC_PREDICT_RESPONSE_DECODER_H_
