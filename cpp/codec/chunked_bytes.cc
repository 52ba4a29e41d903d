#include "cpp/codec/chunked_bytes.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <utility>

namespace tfsrp {

ChunkedBytes::ChunkedBytes(absl::Span<const absl::string_view> chunks) {
  chunks_.reserve(chunks.size());
  starts_.reserve(chunks.size());
  for (absl::string_view chunk : chunks) {
    if (chunk.empty()) continue;
    chunks_.push_back(chunk);
    starts_.push_back(size_);
    size_ += chunk.size();
  }
}

size_t ChunkedBytes::ChunkAt(size_t offset) const {
  return static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), offset) -
                             starts_.begin()) -
         1;
}

template <typename Fn>
void ChunkedBytes::ForEachPiece(ByteRange range, Fn fn) const {
  if (range.begin >= range.end) return;
  for (size_t i = ChunkAt(range.begin); i < chunks_.size() && starts_[i] < range.end; ++i) {
    const size_t from = std::max(range.begin, starts_[i]) - starts_[i];
    const size_t to = std::min(range.end, starts_[i] + chunks_[i].size()) - starts_[i];
    fn(chunks_[i].substr(from, to - from));
  }
}

void ChunkedBytes::AppendPieces(ByteRange range, std::vector<absl::string_view>* out) const {
  ForEachPiece(range, [out](absl::string_view piece) { out->push_back(piece); });
}

void ChunkedBytes::CopyTo(ByteRange range, char* out) const {
  ForEachPiece(range, [&out](absl::string_view piece) {
    std::memcpy(out, piece.data(), piece.size());
    out += piece.size();
  });
}

ChunkInputStream::ChunkInputStream(std::vector<absl::string_view> pieces)
    : pieces_(std::move(pieces)) {}

bool ChunkInputStream::Next(const void** data, int* size) {
  while (index_ < pieces_.size() && offset_ == pieces_[index_].size()) {
    ++index_;
    offset_ = 0;
  }
  if (index_ == pieces_.size()) return false;
  const size_t n = std::min<size_t>(pieces_[index_].size() - offset_, INT_MAX);
  *data = pieces_[index_].data() + offset_;
  *size = static_cast<int>(n);
  offset_ += n;
  position_ += static_cast<int64_t>(n);
  return true;
}

// Only ever called right after Next, with at most what it returned.
void ChunkInputStream::BackUp(int count) {
  offset_ -= static_cast<size_t>(count);
  position_ -= count;
}

bool ChunkInputStream::Skip(int count) {
  size_t left = static_cast<size_t>(std::max(count, 0));
  while (left > 0 && index_ < pieces_.size()) {
    const size_t n = std::min(left, pieces_[index_].size() - offset_);
    offset_ += n;
    position_ += static_cast<int64_t>(n);
    left -= n;
    if (offset_ == pieces_[index_].size()) {
      ++index_;
      offset_ = 0;
    }
  }
  return left == 0;
}

}  // namespace tfsrp
