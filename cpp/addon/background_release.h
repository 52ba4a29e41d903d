// Large output tensors reach JS as external ArrayBuffers; V8 collects many of
// them in one garbage collection and runs their finalizers on the JS thread,
// one after another. Freeing megabytes there (unmapping their pages) held the
// event loop for tens of milliseconds: the buffers are released on a
// background thread instead.
#ifndef TFSRP_ADDON_BACKGROUND_RELEASE_H_
#define TFSRP_ADDON_BACKGROUND_RELEASE_H_

#include <memory>

#include "tensorflow/core/framework/tensor.h"

namespace tfsrp {

// Any thread; takes ownership. Tensors under kBackgroundReleaseBytes are
// deleted right away (a handoff would cost more than the free).
void ReleaseInBackground(std::unique_ptr<tensorflow::Tensor> tensor);

constexpr size_t kBackgroundReleaseBytes = 256 * 1024;

}  // namespace tfsrp

#endif  // TFSRP_ADDON_BACKGROUND_RELEASE_H_
