#include "cpp/codec/large_tensor_allocator.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

namespace tfsrp {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUsePool = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kUsePool = false;
#else
constexpr bool kUsePool = true;
#endif
#else
constexpr bool kUsePool = true;
#endif

// The mapping starts with its length; the tensor's bytes follow at kHeader,
// which keeps TensorFlow's 64-byte alignment.
constexpr size_t kHeader = 64;

size_t MappedLength(size_t num_bytes) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (num_bytes + kHeader + page - 1) / page * page;
}

}  // namespace

tensorflow::Allocator* LargeTensorAllocator::For(tensorflow::DataType dtype, int64_t elements) {
  if (!kUsePool || !tensorflow::DataTypeCanUseMemcpy(dtype) || elements <= 0) {
    return tensorflow::cpu_allocator();
  }
  static auto* const allocator = new LargeTensorAllocator;  // never destroyed: tensors outlive exit
  const size_t size = tensorflow::DataTypeSize(dtype);
  if (size == 0 || static_cast<size_t>(elements) < kMinBytes / size) {
    return tensorflow::cpu_allocator();
  }
  return allocator;
}

void* LargeTensorAllocator::AllocateRaw(size_t alignment, size_t num_bytes) {
  if (alignment > kHeader) return nullptr;
  const size_t length = MappedLength(num_bytes);
  void* base = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_use_bytes_ += length;
    auto it = free_by_size_.find(length);
    if (it != free_by_size_.end() && !it->second.empty()) {
      base = it->second.back();
      it->second.pop_back();
      pooled_bytes_ -= length;
    }
  }
  if (base == nullptr) {
    base = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                -1, 0);
    if (base == MAP_FAILED) {
      std::lock_guard<std::mutex> lock(mu_);
      in_use_bytes_ -= length;
      return nullptr;
    }
    *static_cast<size_t*>(base) = length;
  }
  return static_cast<char*>(base) + kHeader;
}

void LargeTensorAllocator::DeallocateRaw(void* ptr) {
  if (ptr == nullptr) return;
  void* base = static_cast<char*>(ptr) - kHeader;
  const size_t length = *static_cast<size_t*>(base);
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_use_bytes_ -= length;
    if (pooled_bytes_ + length <= std::max(kMinPooledBytes, in_use_bytes_ / 4)) {
      free_by_size_[length].push_back(base);
      pooled_bytes_ += length;
      return;
    }
  }
  munmap(base, length);
}

}  // namespace tfsrp
