#include "cpp/codec/predict_response_decoder.h"

#include <algorithm>
#include <limits>
#include <map>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "tensorflow/core/framework/tensor.pb.h"
#include "tensorflow/core/framework/tensor_shape.h"
#include "tensorflow/core/framework/types.h"

namespace tfsrp {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

constexpr uint32_t kResponseOutputsTag = (1 << 3) | 2;
constexpr uint32_t kMapKeyTag = (1 << 3) | 2;
constexpr uint32_t kMapValueTag = (2 << 3) | 2;

// Tensors larger than this are refused rather than allocated: a hostile or
// broken server must not make the client allocate unbounded memory from a
// few bytes of shape.
constexpr int64_t kMaxTensorBytes = int64_t{1} << 33;

// What a whole response may decode to. Typed fields with fewer values than
// elements repeat the last value (Tensor::FromProto), so a few bytes can
// declare gigabytes — for any output, requested or not, and for strings each
// element gets its own copy of the string. Without that repetition a response
// decodes to at most ~12 times its size (a 24-byte tstring per 2-byte empty
// string_val), so allow kMaxExpansion times the response, at least
// kMinDecodedBudget, at most kMaxTensorBytes.
constexpr int64_t kMaxExpansion = 16;
constexpr int64_t kMinDecodedBudget = int64_t{64} << 20;

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("malformed PredictResponse: ", what));
}

bool ReadLengthDelimited(CodedInputStream& in, absl::string_view whole,
                         absl::string_view* out) {
  // 64 bits: ReadVarint32 would keep only the low 32 bits of a longer length.
  uint64_t length;
  if (!in.ReadVarint64(&length)) return false;
  const int position = in.CurrentPosition();
  if (length > whole.size() - position) return false;
  *out = whole.substr(position, length);
  return in.Skip(static_cast<int>(length));
}

absl::Status ParseMapEntry(absl::string_view entry, std::string* key,
                           absl::string_view* value) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(entry.data()),
                      static_cast<int>(entry.size()));
  while (uint32_t tag = in.ReadTag()) {
    if (tag == kMapKeyTag) {
      absl::string_view bytes;
      if (!ReadLengthDelimited(in, entry, &bytes)) return Malformed("output name");
      key->assign(bytes.data(), bytes.size());
    } else if (tag == kMapValueTag) {
      if (!ReadLengthDelimited(in, entry, value)) return Malformed("output tensor");
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return Malformed("outputs entry");
    }
  }
  if (!in.ConsumedEntireMessage() || in.CurrentPosition() != static_cast<int>(entry.size())) {
    return Malformed("outputs entry");
  }
  return absl::OkStatus();
}

// Bytes a checked TensorProto decodes to: the tensor's buffer, and for
// strings also the copies of their contents.
int64_t DecodedBytes(const tensorflow::TensorProto& proto, int64_t elements) {
  if (proto.dtype() != tensorflow::DT_STRING) {
    return elements * tensorflow::DataTypeSize(proto.dtype());
  }
  int64_t bytes = elements * static_cast<int64_t>(sizeof(tensorflow::tstring));
  if (!proto.tensor_content().empty()) {
    return bytes + static_cast<int64_t>(proto.tensor_content().size());
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

absl::Status CheckTensorProto(const std::string& alias,
                              const tensorflow::TensorProto& proto,
                              int64_t* decoded_bytes) {
  const tensorflow::DataType dtype = proto.dtype();
  if (dtype != tensorflow::DT_STRING && !tensorflow::DataTypeCanUseMemcpy(dtype)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "output '", alias, "' has unsupported dtype ",
        tensorflow::DataType_Name(dtype), " (", static_cast<int>(dtype), ")"));
  }
  absl::Status shape_status =
      tensorflow::TensorShape::IsValidShape(proto.tensor_shape());
  if (!shape_status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "output '", alias, "' has an invalid shape: ", shape_status.message()));
  }
  tensorflow::TensorShape shape(proto.tensor_shape());
  const int64_t elements = shape.num_elements();
  const int64_t element_size = dtype == tensorflow::DT_STRING
                                   ? sizeof(tensorflow::tstring)
                                   : tensorflow::DataTypeSize(dtype);
  if (elements > kMaxTensorBytes / std::max<int64_t>(element_size, 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "output '", alias, "' has shape ", shape.DebugString(),
        ", larger than the ", kMaxTensorBytes, "-byte limit"));
  }
  if (!proto.tensor_content().empty() && dtype != tensorflow::DT_STRING &&
      static_cast<int64_t>(proto.tensor_content().size()) != elements * element_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "output '", alias, "' has ", proto.tensor_content().size(),
        " bytes of tensor_content, but shape ", shape.DebugString(), " of ",
        tensorflow::DataTypeString(dtype), " needs ", elements * element_size));
  }
  *decoded_bytes = DecodedBytes(proto, elements);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PredictResponse> DecodePredictResponse(absl::string_view bytes) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return Malformed("larger than 2 GiB");
  }
  std::map<std::string, absl::string_view> entries;
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  in.SetTotalBytesLimit(std::numeric_limits<int>::max());
  while (uint32_t tag = in.ReadTag()) {
    if (tag == kResponseOutputsTag) {
      absl::string_view entry;
      if (!ReadLengthDelimited(in, bytes, &entry)) return Malformed("outputs");
      std::string key;
      absl::string_view value;
      absl::Status status = ParseMapEntry(entry, &key, &value);
      if (!status.ok()) return status;
      entries[std::move(key)] = value;
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return Malformed("truncated or invalid field");
    }
  }
  if (!in.ConsumedEntireMessage() || in.CurrentPosition() != static_cast<int>(bytes.size())) {
    return Malformed("invalid tag");
  }

  const int64_t budget = std::min(
      kMaxTensorBytes,
      std::max(kMinDecodedBudget, kMaxExpansion * static_cast<int64_t>(bytes.size())));
  int64_t decoded_total = 0;
  PredictResponse response;
  response.outputs.reserve(entries.size());
  for (auto& [alias, value] : entries) {
    tensorflow::TensorProto proto;
    if (!proto.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return absl::InvalidArgumentError(
          absl::StrCat("output '", alias, "' is not a valid TensorProto"));
    }
    int64_t decoded_bytes = 0;
    absl::Status status = CheckTensorProto(alias, proto, &decoded_bytes);
    if (!status.ok()) return status;
    // decoded_total was at most budget (2^33) and decoded_bytes is under 2^60
    // (see DecodedBytes): no overflow.
    decoded_total += decoded_bytes;
    if (decoded_total > budget) {
      return absl::InvalidArgumentError(absl::StrCat(
          "output '", alias, "' (shape ",
          tensorflow::TensorShape(proto.tensor_shape()).DebugString(), " of ",
          tensorflow::DataTypeString(proto.dtype()), ") brings the outputs to ",
          decoded_total, " decoded bytes; a ", bytes.size(),
          "-byte PredictResponse may decode to at most ", budget,
          " (values repeated to fill a shape count too)"));
    }
    NamedTensor output{alias, tensorflow::Tensor()};
    if (!output.tensor.FromProto(proto)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "output '", alias, "' could not be converted to a ",
          tensorflow::DataTypeString(proto.dtype()), " tensor of shape ",
          tensorflow::TensorShape(proto.tensor_shape()).DebugString()));
    }
    response.outputs.push_back(std::move(output));
  }
  return response;
}

}  // namespace tfsrp
