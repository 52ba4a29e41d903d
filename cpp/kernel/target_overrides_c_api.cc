// C entry point of the op library for target overrides (see
// target_overrides.h), for Python (ctypes), C and the Node addon.
#include "cpp/kernel/target_overrides.h"

extern "C" {

// Kernels created afterwards dial `to` wherever a graph says `from`; a NULL
// or empty `to` removes the override. Returns 0, or -1 when `from` is empty.
__attribute__((visibility("default"))) int TfsrpSetTargetOverride(const char* from,
                                                                  const char* to) {
  if (from == nullptr || *from == '\0') return -1;
  tfsrp::SetTargetOverride(from, to != nullptr ? to : "");
  return 0;
}
}
