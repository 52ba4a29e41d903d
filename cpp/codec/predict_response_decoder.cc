#include "cpp/codec/predict_response_decoder.h"

#include <algorithm>
#include <climits>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cpp/codec/received_tensor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "tensorflow/core/framework/tensor_shape.h"
#include "tensorflow/core/framework/types.h"

namespace tfsrp {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

constexpr uint32_t kResponseOutputsTag = (1 << 3) | 2;
constexpr uint32_t kMapKeyTag = (1 << 3) | 2;
constexpr uint32_t kMapValueTag = (2 << 3) | 2;

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
  return absl::InvalidArgumentError(absl::StrCat("malformed PredictResponse: ", what));
}

// Reads a length prefix and returns the range it covers (offsets from the
// start of the response), leaving `in` at its end; `in` is within a PushLimit.
bool ReadLengthDelimited(CodedInputStream& in, ByteRange* out) {
  // 64 bits: ReadVarint32 would keep only the low 32 bits of a longer length.
  uint64_t length;
  if (!in.ReadVarint64(&length)) return false;
  const int left = in.BytesUntilLimit();
  if (left < 0 || length > static_cast<uint64_t>(left)) return false;
  const size_t position = in.CurrentPosition();
  *out = {position, position + length};
  return in.Skip(static_cast<int>(length));
}

// One entry of the outputs map, `in` limited to it.
absl::Status ParseMapEntry(CodedInputStream& in, std::string* key, ByteRange* value) {
  while (uint32_t tag = in.ReadTag()) {
    if (tag == kMapKeyTag) {
      uint64_t length;
      if (!in.ReadVarint64(&length) || length > static_cast<uint64_t>(in.BytesUntilLimit()) ||
          !in.ReadString(key, static_cast<int>(length))) {
        return Malformed("output name");
      }
    } else if (tag == kMapValueTag) {
      if (!ReadLengthDelimited(in, value)) return Malformed("output tensor");
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return Malformed("outputs entry");
    }
  }
  if (!in.ConsumedEntireMessage() || in.BytesUntilLimit() != 0) {
    return Malformed("outputs entry");
  }
  return absl::OkStatus();
}

// The outputs map, by alias: each value's range in `bytes` (the last one for a
// repeated alias).
absl::Status ParseOutputs(const ChunkedBytes& bytes, std::map<std::string, ByteRange>* entries) {
  std::vector<absl::string_view> pieces;
  bytes.AppendPieces({0, bytes.size()}, &pieces);
  ChunkInputStream stream(std::move(pieces));
  CodedInputStream in(&stream);
  in.SetTotalBytesLimit(INT_MAX);
  while (uint32_t tag = in.ReadTag()) {
    if (tag == kResponseOutputsTag) {
      ByteRange entry;
      uint64_t length;
      if (!in.ReadVarint64(&length) ||
          length > bytes.size() - static_cast<size_t>(in.CurrentPosition())) {
        return Malformed("outputs");
      }
      const CodedInputStream::Limit limit = in.PushLimit(static_cast<int>(length));
      std::string key;
      ByteRange value;
      absl::Status status = ParseMapEntry(in, &key, &value);
      if (!status.ok()) return status;
      in.PopLimit(limit);
      (*entries)[std::move(key)] = value;
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return Malformed("truncated or invalid field");
    }
  }
  if (!in.ConsumedEntireMessage() || in.CurrentPosition() != static_cast<int>(bytes.size())) {
    return Malformed("invalid tag");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PredictResponse> DecodePredictResponse(const ChunkedBytes& bytes) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) return Malformed("larger than 2 GiB");
  std::map<std::string, ByteRange> entries;
  absl::Status parsed = ParseOutputs(bytes, &entries);
  if (!parsed.ok()) return parsed;

  const int64_t budget =
      std::min(kMaxTensorBytes,
               std::max(kMinDecodedBudget, kMaxExpansion * static_cast<int64_t>(bytes.size())));
  int64_t decoded_total = 0;
  PredictResponse response;
  response.outputs.reserve(entries.size());
  for (const auto& [alias, value] : entries) {
    absl::StatusOr<ReceivedTensor> received = ReadReceivedTensor(bytes, value, alias);
    if (!received.ok()) return received.status();
    int64_t decoded_bytes = 0;
    absl::Status status = CheckReceivedTensor(alias, *received, &decoded_bytes);
    if (!status.ok()) return status;
    // decoded_total was at most budget (2^33) and decoded_bytes is under 2^60
    // (see DecodedBytes): no overflow.
    decoded_total += decoded_bytes;
    if (decoded_total > budget) {
      const tensorflow::TensorProto& proto = received->proto;
      return absl::InvalidArgumentError(absl::StrCat(
          "output '", alias, "' (shape ",
          tensorflow::TensorShape(proto.tensor_shape()).DebugString(), " of ",
          tensorflow::DataTypeString(proto.dtype()), ") brings the outputs to ", decoded_total,
          " decoded bytes; a ", bytes.size(), "-byte PredictResponse may decode to at most ",
          budget, " (values repeated to fill a shape count too)"));
    }
    absl::StatusOr<tensorflow::Tensor> tensor = ReceivedTensorValue(bytes, *received, alias);
    if (!tensor.ok()) return tensor.status();
    response.outputs.push_back({alias, *std::move(tensor)});
  }
  return response;
}

absl::StatusOr<PredictResponse> DecodePredictResponse(absl::string_view bytes) {
  return DecodePredictResponse(ChunkedBytes(absl::MakeConstSpan(&bytes, 1)));
}

}  // namespace tfsrp
