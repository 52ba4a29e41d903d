// A message received as several chunks (gRPC's slices), read where it lies:
// byte ranges by offset from the start of the message, copies out of a range,
// and a protobuf ZeroCopyInputStream over ranges, so that CodedInputStream and
// generated parsers read across chunk boundaries without the chunks being
// joined first.
#ifndef TFSRP_CODEC_CHUNKED_BYTES_H_
#define TFSRP_CODEC_CHUNKED_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/io/zero_copy_stream.h"

namespace tfsrp {

// [begin, end), offsets from the start of a ChunkedBytes.
struct ByteRange {
  size_t begin = 0;
  size_t end = 0;
  size_t size() const { return end - begin; }
};

// The chunks are not copied: they must outlive this object.
class ChunkedBytes {
 public:
  explicit ChunkedBytes(absl::Span<const absl::string_view> chunks);

  size_t size() const { return size_; }

  // Appends the non-empty pieces of `range` (within size()) to `out`, in order.
  void AppendPieces(ByteRange range, std::vector<absl::string_view>* out) const;
  // Copies `range` (within size()) to `out`.
  void CopyTo(ByteRange range, char* out) const;

 private:
  // The index of the chunk holding `offset` (< size()).
  size_t ChunkAt(size_t offset) const;
  // Calls fn(piece) for each non-empty piece of `range`, in order.
  template <typename Fn>
  void ForEachPiece(ByteRange range, Fn fn) const;

  std::vector<absl::string_view> chunks_;  // none empty
  std::vector<size_t> starts_;             // offset of each chunk
  size_t size_ = 0;
};

// Reads a sequence of pieces as one stream (the pieces must outlive it).
class ChunkInputStream : public google::protobuf::io::ZeroCopyInputStream {
 public:
  explicit ChunkInputStream(std::vector<absl::string_view> pieces);

  bool Next(const void** data, int* size) override;
  void BackUp(int count) override;
  bool Skip(int count) override;
  int64_t ByteCount() const override { return position_; }

 private:
  std::vector<absl::string_view> pieces_;
  size_t index_ = 0;   // the piece being read
  size_t offset_ = 0;  // bytes of pieces_[index_] already handed out
  int64_t position_ = 0;
};

}  // namespace tfsrp

#endif  // TFSRP_CODEC_CHUNKED_BYTES_H_
