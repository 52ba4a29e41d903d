// One output's TensorProto, read from the received chunks without copying its
// tensor_content: every other field is parsed into a TensorProto (typed value
// fields included), tensor_content is remembered as a range and copied once,
// straight into the output tensor's buffer.
#ifndef TFSRP_CODEC_RECEIVED_TENSOR_H_
#define TFSRP_CODEC_RECEIVED_TENSOR_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cpp/codec/chunked_bytes.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/framework/tensor.pb.h"

namespace tfsrp {

// Tensors larger than this are refused rather than allocated: a hostile or
// broken server must not make the client allocate unbounded memory from a
// few bytes of shape.
constexpr int64_t kMaxTensorBytes = int64_t{1} << 33;

struct ReceivedTensor {
  tensorflow::TensorProto proto;  // every field but tensor_content
  ByteRange content;              // the last tensor_content, possibly empty
};

// Reads the TensorProto serialised in `value` of `bytes`; InvalidArgument
// naming `alias` if it is not a valid TensorProto.
absl::StatusOr<ReceivedTensor> ReadReceivedTensor(const ChunkedBytes& bytes, ByteRange value,
                                                  const std::string& alias);

// Checks dtype, shape, size limit and tensor_content size; on success sets
// *decoded_bytes to what the tensor will take once decoded (its buffer, and
// for strings their contents).
absl::Status CheckReceivedTensor(const std::string& alias, const ReceivedTensor& received,
                                 int64_t* decoded_bytes);

// Builds the tensor of a checked ReceivedTensor: numeric tensor_content is
// copied from `bytes` into a new tensor, anything else goes through
// Tensor::FromProto.
absl::StatusOr<tensorflow::Tensor> ReceivedTensorValue(const ChunkedBytes& bytes,
                                                       ReceivedTensor& received,
                                                       const std::string& alias);

}  // namespace tfsrp

#endif  // TFSRP_CODEC_RECEIVED_TENSOR_H_
