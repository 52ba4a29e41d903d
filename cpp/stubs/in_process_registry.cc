#include "cpp/stubs/in_process_registry.h"

#include <map>
#include <mutex>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace tfsrp {
namespace {

struct ServedModel {
  std::map<int64_t, std::shared_ptr<InProcessServable>> versions;
  std::map<std::string, int64_t> labels;
};

struct Registry {
  std::mutex mu;
  std::map<std::string, ServedModel> models;
};

Registry& ProcessRegistry() {
  static auto* registry = new Registry;  // never destroyed: calls may end after exit begins
  return *registry;
}

struct Removed {
  std::string name;
  int64_t version;
  std::shared_ptr<InProcessServable> servable;
};

// Under the lock: drops `version` of `name` and the labels pointing at it.
Removed RemoveVersion(std::map<std::string, ServedModel>::iterator model, int64_t version) {
  ServedModel& served = model->second;
  Removed removed{model->first, version, std::move(served.versions[version])};
  served.versions.erase(version);
  for (auto label = served.labels.begin(); label != served.labels.end();) {
    label = label->second == version ? served.labels.erase(label) : std::next(label);
  }
  return removed;
}

// Outside the lock: a servable may end calls, and run their callbacks, inline.
void StopAll(std::vector<Removed> removed) {
  for (Removed& r : removed) {
    r.servable->Stop(absl::UnavailableError(absl::StrCat(
        "model ", r.name, " version ", r.version, " was unserved while the call was running")));
  }
}

void EraseIfEmpty(Registry& registry, std::map<std::string, ServedModel>::iterator model) {
  if (model->second.versions.empty()) registry.models.erase(model);
}

}  // namespace

bool IsInProcessTarget(const std::string& target_address) {
  return absl::StartsWith(target_address, kInProcessTarget);
}

absl::Status ServeInProcess(const std::string& name, int64_t version,
                            std::shared_ptr<InProcessServable> servable,
                            const std::vector<std::string>& labels) {
  if (name.empty()) return absl::InvalidArgumentError("the model name must not be empty");
  if (version < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("the version must be an integer >= 0, got ", version));
  }
  if (servable == nullptr) return absl::InvalidArgumentError("no servable");
  for (const std::string& label : labels) {
    if (label.empty()) return absl::InvalidArgumentError("a version label must not be empty");
  }
  Registry& registry = ProcessRegistry();
  std::lock_guard<std::mutex> lock(registry.mu);
  ServedModel& model = registry.models[name];
  if (model.versions.count(version) != 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("model ", name, " version ", version, " is served already; unserve it first"));
  }
  model.versions[version] = std::move(servable);
  for (const std::string& label : labels) model.labels[label] = version;
  return absl::OkStatus();
}

absl::Status UnserveInProcess(const std::string& name, int64_t version) {
  std::vector<Removed> removed;
  {
    Registry& registry = ProcessRegistry();
    std::lock_guard<std::mutex> lock(registry.mu);
    auto model = registry.models.find(name);
    if (model == registry.models.end() ||
        (version >= 0 && model->second.versions.count(version) == 0)) {
      return absl::NotFoundError(
          version >= 0
              ? absl::StrCat("model ", name, " version ", version, " is not served in this process")
              : absl::StrCat("model ", name, " is not served in this process"));
    }
    if (version >= 0) {
      removed.push_back(RemoveVersion(model, version));
    } else {
      while (!model->second.versions.empty()) {
        removed.push_back(RemoveVersion(model, model->second.versions.begin()->first));
      }
    }
    EraseIfEmpty(registry, model);
  }
  StopAll(std::move(removed));
  return absl::OkStatus();
}

void UnserveInProcess(const InProcessServable* servable) {
  std::vector<Removed> removed;
  {
    Registry& registry = ProcessRegistry();
    std::lock_guard<std::mutex> lock(registry.mu);
    for (auto model = registry.models.begin(); model != registry.models.end();) {
      std::vector<int64_t> versions;
      for (const auto& [version, served] : model->second.versions) {
        if (served.get() == servable) versions.push_back(version);
      }
      for (int64_t version : versions) removed.push_back(RemoveVersion(model, version));
      auto next = std::next(model);
      EraseIfEmpty(registry, model);
      model = next;
    }
  }
  StopAll(std::move(removed));
}

absl::StatusOr<ServedVersion> FindInProcessServable(const ModelSpec& spec) {
  Registry& registry = ProcessRegistry();
  std::lock_guard<std::mutex> lock(registry.mu);
  auto model = registry.models.find(spec.name);
  const ServedModel* served = model == registry.models.end() ? nullptr : &model->second;
  int64_t version = spec.version;
  if (!spec.version_label.empty()) {
    const auto label = served != nullptr ? served->labels.find(spec.version_label)
                                         : std::map<std::string, int64_t>::const_iterator();
    if (served == nullptr || label == served->labels.end()) {
      return absl::NotFoundError(
          absl::StrCat("Unrecognized servable version label: ", spec.version_label));
    }
    version = label->second;
  }
  const std::string request = version >= 0
                                  ? absl::StrCat("Specific(", spec.name, ", ", version, ")")
                                  : absl::StrCat("Latest(", spec.name, ")");
  if (served != nullptr) {
    const auto& versions = served->versions;
    auto found = version >= 0 ? versions.find(version) : std::prev(versions.end());
    if (found != versions.end()) return ServedVersion{found->second, found->first};
  }
  return absl::NotFoundError(absl::StrCat("Servable not found for request: ", request));
}

}  // namespace tfsrp
