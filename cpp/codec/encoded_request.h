// A serialised request as a sequence of pieces, sent without joining them:
// ranges of one malloc'd frame (tags, lengths, model spec, small tensors,
// strings) and, in between, the tensor_content of large numeric inputs read
// in place from their tensors' buffers. The Tensor copies held here keep those
// buffers alive (each holds a reference on its TensorBuffer) for as long as
// this object lives.
#ifndef TFSRP_CODEC_ENCODED_REQUEST_H_
#define TFSRP_CODEC_ENCODED_REQUEST_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "cpp/codec/owned_bytes.h"
#include "tensorflow/core/framework/tensor.h"

namespace tfsrp {

struct EncodedRequest {
  OwnedBytes frame;                            // every byte not referenced below
  std::vector<tensorflow::Tensor> referenced;  // whose buffers pieces point into
  std::vector<absl::string_view> pieces;       // the message, in order, none empty
  size_t size = 0;                             // sum of the pieces' sizes
};

// The whole message in one string (tools and tests).
inline std::string Flatten(const EncodedRequest& request) {
  std::string bytes;
  bytes.reserve(request.size);
  for (absl::string_view piece : request.pieces) bytes.append(piece.data(), piece.size());
  return bytes;
}

}  // namespace tfsrp

#endif  // TFSRP_CODEC_ENCODED_REQUEST_H_
