// A malloc'd byte buffer whose ownership can be handed to the C transport.
#ifndef TFSRP_CODEC_OWNED_BYTES_H_
#define TFSRP_CODEC_OWNED_BYTES_H_

#include <cstddef>
#include <cstdlib>
#include <memory>

namespace tfsrp {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

struct OwnedBytes {
  std::unique_ptr<char, FreeDeleter> data;
  size_t size = 0;
};

}  // namespace tfsrp

#endif  // TFSRP_CODEC_OWNED_BYTES_H_
