// A process-wide mapping from the target_address written into a graph to the
// address actually dialled, so that SavedModels exported against one address
// run against another. Seeded from TFSRP_TARGET_OVERRIDES
// ("from=to[,from=to...]") on first use; read when a kernel is constructed.
#ifndef TFSRP_KERNEL_TARGET_OVERRIDES_H_
#define TFSRP_KERNEL_TARGET_OVERRIDES_H_

#include <string>

namespace tfsrp {

// Returns the override for `target_address`, or `target_address` itself.
std::string ResolveTargetAddress(const std::string& target_address);

// An empty `to` removes the override for `from`.
void SetTargetOverride(const std::string& from, const std::string& to);

}  // namespace tfsrp

#endif  // TFSRP_KERNEL_TARGET_OVERRIDES_H_
