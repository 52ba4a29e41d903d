// Minimal protobuf wire-format helpers for the benchmark's echo server and C++
// client. Both are standalone processes (no TensorFlow, no protobuf runtime):
// they read and write the few PredictRequest / PredictResponse / TensorProto
// fields they need straight over gRPC slices, so a large tensor is never copied
// by the echo server and is copied exactly once by the C++ client.
#ifndef TFSRP_BENCH_WIRE_H_
#define TFSRP_BENCH_WIRE_H_

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace bench {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// Field numbers (tensorflow_serving/apis/predict.proto, model.proto,
// tensorflow/core/framework/tensor.proto, tensor_shape.proto).
constexpr uint32_t kRequestModelSpec = 1, kRequestInputs = 2, kRequestOutputFilter = 3;
constexpr uint32_t kResponseOutputs = 1, kResponseModelSpec = 2;
constexpr uint32_t kSpecName = 1;
constexpr uint32_t kMapKey = 1, kMapValue = 2;
constexpr uint32_t kTensorDtype = 1, kTensorShape = 2, kTensorContent = 4, kTensorFloatVal = 5;
constexpr uint32_t kShapeDim = 2, kDimSize = 1;
constexpr uint32_t kDtFloat = 1;

inline size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline uint8_t* PutVarint(uint8_t* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}

inline uint8_t* PutKey(uint8_t* p, uint32_t field, WireType type) {
  return PutVarint(p, (field << 3) | type);
}

inline size_t LengthDelimitedSize(size_t payload) {
  return 1 + VarintSize(payload) + payload;
}

// A byte range inside a message held as a sequence of slices.
struct Range {
  size_t begin = 0, end = 0;
  size_t size() const { return end - begin; }
};

// Reads a message that gRPC delivered as one or more slices, without joining them.
class SliceReader {
 public:
  explicit SliceReader(const grpc::ByteBuffer& buffer) {
    buffer.Dump(&slices_);
    starts_.reserve(slices_.size() + 1);
    size_t total = 0;
    for (const grpc::Slice& s : slices_) {
      starts_.push_back(total);
      total += s.size();
    }
    starts_.push_back(total);
    size_ = total;
  }

  size_t size() const { return size_; }
  Range All() const { return {0, size_}; }

  bool Byte(size_t pos, uint8_t* out) {
    if (pos >= size_) return false;
    Seek(pos);
    *out = slices_[current_].begin()[pos - starts_[current_]];
    return true;
  }

  bool Varint(size_t* pos, uint64_t* out) {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!Byte((*pos)++, &b)) return false;
      value |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *out = value;
        return true;
      }
    }
    return false;
  }

  // Reads one field's key at *pos and returns its payload range (for
  // length-delimited fields) or its value (varints); skips fixed-width values.
  bool Field(size_t* pos, size_t limit, uint32_t* field, WireType* type, Range* payload,
             uint64_t* varint) {
    uint64_t key;
    if (!Varint(pos, &key)) return false;
    *field = static_cast<uint32_t>(key >> 3);
    *type = static_cast<WireType>(key & 7);
    switch (*type) {
      case kVarint:
        return Varint(pos, varint) && *pos <= limit;
      case kFixed64:
        *pos += 8;
        return *pos <= limit;
      case kFixed32:
        *pos += 4;
        return *pos <= limit;
      case kLengthDelimited: {
        uint64_t length;
        if (!Varint(pos, &length) || length > limit - *pos) return false;
        payload->begin = *pos;
        payload->end = *pos + length;
        *pos = payload->end;
        return true;
      }
      default:
        return false;
    }
  }

  // Calls fn(field, type, payload, varint) for each field of the message in `range`
  // until fn returns false; false when the bytes are malformed or fn stopped.
  template <typename Fn>
  bool ForEachField(Range range, Fn fn) {
    size_t pos = range.begin;
    while (pos < range.end) {
      uint32_t field;
      WireType type;
      Range payload;
      uint64_t varint = 0;
      if (!Field(&pos, range.end, &field, &type, &payload, &varint)) return false;
      if (!fn(field, type, payload, varint)) return false;
    }
    return true;
  }

  // The key and value of a map entry (both length-delimited: strings, messages).
  bool MapEntry(Range entry, Range* key, Range* value) {
    return ForEachField(entry, [&](uint32_t field, WireType type, Range payload, uint64_t) {
      if (type == kLengthDelimited && field == kMapKey) *key = payload;
      if (type == kLengthDelimited && field == kMapValue) *value = payload;
      return true;
    });
  }

  std::string Copy(Range r) {
    std::string out(r.size(), '\0');
    CopyTo(r, out.data());
    return out;
  }

  void CopyTo(Range r, void* destination) {
    char* out = static_cast<char*>(destination);
    size_t pos = r.begin;
    while (pos < r.end) {
      Seek(pos);
      const size_t offset = pos - starts_[current_];
      const size_t n = std::min(slices_[current_].size() - offset, r.end - pos);
      std::memcpy(out, slices_[current_].begin() + offset, n);
      out += n;
      pos += n;
    }
  }

  // Appends slices referencing the range (no copy).
  void Reference(Range r, std::vector<grpc::Slice>* out) {
    size_t pos = r.begin;
    while (pos < r.end) {
      Seek(pos);
      const size_t offset = pos - starts_[current_];
      const size_t n = std::min(slices_[current_].size() - offset, r.end - pos);
      out->push_back(slices_[current_].sub(offset, offset + n));
      pos += n;
    }
  }

 private:
  void Seek(size_t pos) {
    if (pos >= starts_[current_] && pos < starts_[current_ + 1]) return;
    // Usually the next slice; binary search otherwise.
    size_t lo = 0, hi = slices_.size();
    while (hi - lo > 1) {
      const size_t mid = (lo + hi) / 2;
      if (starts_[mid] <= pos)
        lo = mid;
      else
        hi = mid;
    }
    current_ = lo;
  }

  std::vector<grpc::Slice> slices_;
  std::vector<size_t> starts_;
  size_t size_ = 0;
  size_t current_ = 0;
};

// Bytes of a TensorProto holding a float32 vector as tensor_content, less the content itself.
inline std::string FloatTensorHeader(size_t elements) {
  const size_t content = elements * sizeof(float);
  const size_t dim = elements == 0 ? 0 : 1 + VarintSize(elements);
  const size_t shape = LengthDelimitedSize(dim);
  std::string out(64, '\0');  // dtype, shape and content keys: well under 64 bytes
  uint8_t* p = reinterpret_cast<uint8_t*>(out.data());
  p = PutKey(p, kTensorDtype, kVarint);
  p = PutVarint(p, kDtFloat);
  p = PutKey(p, kTensorShape, kLengthDelimited);
  p = PutVarint(p, shape);
  p = PutKey(p, kShapeDim, kLengthDelimited);
  p = PutVarint(p, dim);
  if (elements != 0) {
    p = PutKey(p, kDimSize, kVarint);
    p = PutVarint(p, elements);
  }
  p = PutKey(p, kTensorContent, kLengthDelimited);
  p = PutVarint(p, content);
  out.resize(p - reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

}  // namespace bench

#endif  // TFSRP_BENCH_WIRE_H_
