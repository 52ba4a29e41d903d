// The process's in-process model server: servables by model name and version,
// plus version labels, as TF Serving's ServerCore keeps them. Graphs reach it
// through the target address kInProcessTarget; the request's ModelSpec picks
// the servable per call, so serving and unserving reach existing kernels.
#ifndef TFSRP_STUBS_IN_PROCESS_REGISTRY_H_
#define TFSRP_STUBS_IN_PROCESS_REGISTRY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cpp/codec/predict_messages.h"
#include "cpp/stubs/in_process_servable.h"

namespace tfsrp {

// The target address of the in-process server (nothing may follow it).
inline constexpr char kInProcessTarget[] = "inprocess:";

// True for every address in the in-process scheme, well-formed or not.
bool IsInProcessTarget(const std::string& target_address);

// Serves `servable` as `name` version `version` (>= 0), and points each of
// `labels` at that version. ALREADY_EXISTS when that version is served.
absl::Status ServeInProcess(const std::string& name, int64_t version,
                            std::shared_ptr<InProcessServable> servable,
                            const std::vector<std::string>& labels);

// Stops serving `name` version `version` (< 0: every version) and its
// labels; calls in flight end UNAVAILABLE. NOT_FOUND when nothing was served.
absl::Status UnserveInProcess(const std::string& name, int64_t version);

// Stops serving every version served by `servable`, if any.
void UnserveInProcess(const InProcessServable* servable);

struct ServedVersion {
  std::shared_ptr<InProcessServable> servable;
  int64_t version = 0;
};

// The servable `spec` asks for (its version, its label, else the latest);
// NOT_FOUND with TF Serving's messages otherwise.
absl::StatusOr<ServedVersion> FindInProcessServable(const ModelSpec& spec);

}  // namespace tfsrp

#endif  // TFSRP_STUBS_IN_PROCESS_REGISTRY_H_
