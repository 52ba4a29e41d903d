#include "cpp/kernel/target_metadata.h"

#include <map>
#include <mutex>

#include "cpp/stubs/grpc_prediction_service_stub.h"

namespace tfsrp {
namespace {

struct Registry {
  std::mutex mu;
  // Never shrinks: kernels keep reading the holder of their target.
  std::map<std::string, std::shared_ptr<SharedMetadata>> by_target;
};

std::shared_ptr<SharedMetadata> Holder(const std::string& target) {
  static auto* registry = new Registry;
  std::lock_guard<std::mutex> lock(registry->mu);
  std::shared_ptr<SharedMetadata>& holder = registry->by_target[target];
  if (holder == nullptr) holder = std::make_shared<SharedMetadata>();
  return holder;
}

}  // namespace

std::shared_ptr<const SharedMetadata> TargetMetadata(const std::string& target) {
  return Holder(target);
}

absl::Status SetTargetMetadata(const std::string& target, Metadata metadata) {
  absl::Status status = GrpcPredictionServiceStub::CheckMetadata(metadata);
  if (!status.ok()) return status;
  Holder(target)->Set(metadata.empty() ? nullptr
                                       : std::make_shared<const Metadata>(std::move(metadata)));
  return absl::OkStatus();
}

}  // namespace tfsrp
