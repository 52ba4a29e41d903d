#include "cpp/codec/received_tensor.h"

#include <algorithm>
#include <climits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cpp/codec/large_tensor_allocator.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "tensorflow/core/framework/allocator.h"
#include "tensorflow/core/framework/tensor_shape.h"
#include "tensorflow/core/framework/types.h"

namespace tfsrp {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

constexpr uint32_t kTensorContentTag = (4 << 3) | 2;

absl::Status NotATensorProto(const std::string& alias) {
  return absl::InvalidArgumentError(
      absl::StrCat("output '", alias, "' is not a valid TensorProto"));
}

// Finds every tensor_content field of the TensorProto in `value`: where each
// field lies (tag to end) and where the last one's bytes are. False if the
// fields cannot even be walked.
bool FindContent(const ChunkedBytes& bytes, ByteRange value, std::vector<ByteRange>* fields,
                 ByteRange* content) {
  std::vector<absl::string_view> pieces;
  bytes.AppendPieces(value, &pieces);
  ChunkInputStream stream(std::move(pieces));
  CodedInputStream in(&stream);
  in.SetTotalBytesLimit(INT_MAX);
  for (;;) {
    const size_t field_begin = value.begin + in.CurrentPosition();
    const uint32_t tag = in.ReadTag();
    if (tag == 0) break;
    if (tag != kTensorContentTag) {
      if (!WireFormatLite::SkipField(&in, tag)) return false;
      continue;
    }
    uint64_t length;
    if (!in.ReadVarint64(&length)) return false;
    const size_t position = in.CurrentPosition();
    if (length > value.size() - position) return false;
    *content = {value.begin + position, value.begin + position + length};
    fields->push_back({field_begin, content->end});
    if (!in.Skip(static_cast<int>(length))) return false;
  }
  return in.ConsumedEntireMessage() && in.CurrentPosition() == static_cast<int>(value.size());
}

// Bytes a checked tensor decodes to: its buffer, and for strings also the
// copies of their contents.
int64_t DecodedBytes(const ReceivedTensor& received, int64_t elements) {
  const tensorflow::TensorProto& proto = received.proto;
  if (proto.dtype() != tensorflow::DT_STRING) {
    return elements * tensorflow::DataTypeSize(proto.dtype());
  }
  int64_t bytes = elements * static_cast<int64_t>(sizeof(tensorflow::tstring));
  if (received.content.size() > 0) {
    return bytes + static_cast<int64_t>(received.content.size());
  }
  const int given = proto.string_val_size();
  for (int i = 0; i < given && i < elements; ++i) {
    bytes += static_cast<int64_t>(proto.string_val(i).size());
  }
  if (given > 0 && elements > given) {
    // The last value fills the rest; elements <= kMaxTensorBytes / sizeof(tstring)
    // and a string is under 2 GiB, so this cannot overflow.
    bytes += (elements - given) * static_cast<int64_t>(proto.string_val(given - 1).size());
  }
  return bytes;
}

absl::Status CannotConvert(const std::string& alias, const tensorflow::TensorProto& proto) {
  return absl::InvalidArgumentError(
      absl::StrCat("output '", alias, "' could not be converted to a ",
                   tensorflow::DataTypeString(proto.dtype()), " tensor of shape ",
                   tensorflow::TensorShape(proto.tensor_shape()).DebugString()));
}

}  // namespace

absl::StatusOr<ReceivedTensor> ReadReceivedTensor(const ChunkedBytes& bytes, ByteRange value,
                                                  const std::string& alias) {
  ReceivedTensor received;
  std::vector<ByteRange> content_fields;
  if (!FindContent(bytes, value, &content_fields, &received.content)) {
    return NotATensorProto(alias);
  }
  // The other fields, parsed as protobuf would parse the whole message.
  std::vector<absl::string_view> rest;
  size_t cursor = value.begin;
  for (const ByteRange& field : content_fields) {
    bytes.AppendPieces({cursor, field.begin}, &rest);
    cursor = field.end;
  }
  bytes.AppendPieces({cursor, value.end}, &rest);
  ChunkInputStream stream(std::move(rest));
  if (!received.proto.ParseFromZeroCopyStream(&stream)) return NotATensorProto(alias);
  return received;
}

absl::Status CheckReceivedTensor(const std::string& alias, const ReceivedTensor& received,
                                 int64_t* decoded_bytes) {
  const tensorflow::TensorProto& proto = received.proto;
  const tensorflow::DataType dtype = proto.dtype();
  if (dtype != tensorflow::DT_STRING && !tensorflow::DataTypeCanUseMemcpy(dtype)) {
    return absl::InvalidArgumentError(absl::StrCat("output '", alias, "' has unsupported dtype ",
                                                   tensorflow::DataType_Name(dtype), " (",
                                                   static_cast<int>(dtype), ")"));
  }
  absl::Status shape_status = tensorflow::TensorShape::IsValidShape(proto.tensor_shape());
  if (!shape_status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("output '", alias, "' has an invalid shape: ", shape_status.message()));
  }
  tensorflow::TensorShape shape(proto.tensor_shape());
  const int64_t elements = shape.num_elements();
  const int64_t element_size = dtype == tensorflow::DT_STRING ? sizeof(tensorflow::tstring)
                                                              : tensorflow::DataTypeSize(dtype);
  if (elements > kMaxTensorBytes / std::max<int64_t>(element_size, 1)) {
    return absl::InvalidArgumentError(absl::StrCat("output '", alias, "' has shape ",
                                                   shape.DebugString(), ", larger than the ",
                                                   kMaxTensorBytes, "-byte limit"));
  }
  const size_t content = received.content.size();
  if (content > 0 && dtype != tensorflow::DT_STRING &&
      static_cast<int64_t>(content) != elements * element_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("output '", alias, "' has ", content, " bytes of tensor_content, but shape ",
                     shape.DebugString(), " of ", tensorflow::DataTypeString(dtype), " needs ",
                     elements * element_size));
  }
  *decoded_bytes = DecodedBytes(received, elements);
  return absl::OkStatus();
}

absl::StatusOr<tensorflow::Tensor> ReceivedTensorValue(const ChunkedBytes& bytes,
                                                       ReceivedTensor& received,
                                                       const std::string& alias) {
  tensorflow::TensorProto& proto = received.proto;
  const size_t content = received.content.size();
  if (content > 0 && proto.dtype() != tensorflow::DT_STRING) {
    // Checked: the content is exactly the tensor's buffer (so not empty).
    const tensorflow::TensorShape shape(proto.tensor_shape());
    tensorflow::Tensor tensor(LargeTensorAllocator::For(proto.dtype(), shape.num_elements()),
                              proto.dtype(), shape);
    if (!tensor.IsInitialized()) return CannotConvert(alias, proto);
    bytes.CopyTo(received.content, const_cast<char*>(tensor.tensor_data().data()));
    return tensor;
  }
  if (content > 0) {
    // Strings in tensor_content: TF's own encoding, decoded by FromProto.
    std::string* encoded = proto.mutable_tensor_content();
    encoded->resize(content);
    bytes.CopyTo(received.content, encoded->data());
  }
  tensorflow::Tensor tensor;
  if (!tensor.FromProto(proto)) return CannotConvert(alias, proto);
  return tensor;
}

}  // namespace tfsrp
