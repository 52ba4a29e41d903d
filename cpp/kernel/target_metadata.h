// Metadata that every remote predict call to a target carries, process-wide:
// how a SavedModel's remote calls get an authorization header. Kernels hold
// their target's SharedMetadata (cpp/stubs/call_options.h) and read it per
// call, so a new value reaches kernels and loaded models that already exist.
#ifndef TFSRP_KERNEL_TARGET_METADATA_H_
#define TFSRP_KERNEL_TARGET_METADATA_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "cpp/stubs/call_options.h"

namespace tfsrp {

// Never null (an empty holder for a target without metadata).
std::shared_ptr<const SharedMetadata> TargetMetadata(const std::string& target);

// Replaces the target's metadata (empty: none) after checking it
// (GrpcPredictionServiceStub::CheckMetadata).
absl::Status SetTargetMetadata(const std::string& target, Metadata metadata);

}  // namespace tfsrp

#endif  // TFSRP_KERNEL_TARGET_METADATA_H_
