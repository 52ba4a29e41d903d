// Buffers of large tensors (inputs copied from JS, outputs decoded from a
// response): mapped on their own and, once freed, kept for the next tensor of
// the same mapped size while the free ones total under a quarter of those in
// use (at least kMinPooledBytes), so the pool follows the calls in flight. glibc's malloc serves
// such sizes from its heaps once its mmap threshold has risen past them, and a freed chunk there,
// wedged between the small allocations of gRPC and V8, is rarely given back: peak RSS grew to about
// two extra copies per call in flight. A pool of whole mappings keeps only what is reused, and
// reusing a mapping costs no page faults.
#ifndef TFSRP_CODEC_LARGE_TENSOR_ALLOCATOR_H_
#define TFSRP_CODEC_LARGE_TENSOR_ALLOCATOR_H_

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "tensorflow/core/framework/allocator.h"
#include "tensorflow/core/framework/types.h"

namespace tfsrp {

class LargeTensorAllocator : public tensorflow::Allocator {
 public:
  static constexpr size_t kMinBytes = size_t{1} << 20;
  static constexpr size_t kMinPooledBytes = size_t{64} << 20;

  // The allocator for a tensor of this dtype and element count: this one for
  // numeric tensors of kMinBytes or more, TensorFlow's CPU allocator otherwise
  // (and always under AddressSanitizer, which does not watch mappings).
  static tensorflow::Allocator* For(tensorflow::DataType dtype, int64_t elements);

  std::string Name() override { return "tfsrp_large_tensor"; }
  void* AllocateRaw(size_t alignment, size_t num_bytes) override;
  void DeallocateRaw(void* ptr) override;

 private:
  LargeTensorAllocator() = default;

  std::mutex mu_;
  std::unordered_map<size_t, std::vector<void*>> free_by_size_;  // guarded by mu_
  size_t pooled_bytes_ = 0;                                      // guarded by mu_
  size_t in_use_bytes_ = 0;                                      // guarded by mu_
};

}  // namespace tfsrp

#endif  // TFSRP_CODEC_LARGE_TENSOR_ALLOCATOR_H_
