// C entry points of the op library for the in-process server (see
// cpp/stubs/in_process_registry.h), for Python (ctypes) and C. Each returns 0,
// or the TensorFlow status code with its message in `error` (NUL terminated,
// truncated to error_size; error may be NULL).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "cpp/savedmodel/saved_model.h"
#include "cpp/savedmodel/saved_model_servable.h"
#include "cpp/stubs/in_process_registry.h"

namespace {

int ReportStatus(const absl::Status& status, char* error, size_t error_size) {
  if (!status.ok() && error != nullptr && error_size > 0) {
    std::snprintf(error, error_size, "%s", std::string(status.message()).c_str());
  }
  return static_cast<int>(status.code());
}

std::vector<std::string> CommaSeparated(const char* text) {
  if (text == nullptr) return {};
  return absl::StrSplit(text, ',', absl::SkipEmpty());
}

absl::Status Serve(const char* name, int64_t version, const char* export_dir, const char* tags,
                   const char* version_labels) {
  if (name == nullptr || *name == '\0') return absl::InvalidArgumentError("name must not be empty");
  if (export_dir == nullptr || *export_dir == '\0') {
    return absl::InvalidArgumentError("export_dir must not be empty");
  }
  tfsrp::SavedModelLoadOptions options;
  options.export_dir = export_dir;
  options.tags = CommaSeparated(tags);
  if (options.tags.empty()) options.tags = {"serve"};
  absl::StatusOr<std::shared_ptr<tfsrp::SavedModel>> model = tfsrp::SavedModel::Load(options);
  if (!model.ok()) return model.status();
  return tfsrp::ServeInProcess(name, version,
                               std::make_shared<tfsrp::SavedModelServable>(*std::move(model)),
                               CommaSeparated(version_labels));
}

}  // namespace

extern "C" {

// Loads the SavedModel in `export_dir` (blocking; `tags` comma-separated, NULL
// or "" for "serve") and serves it in this process as model `name` version
// `version` (>= 0), with the comma-separated `version_labels` (may be NULL)
// pointing at it. Graphs reach it through the target "inprocess:".
__attribute__((visibility("default"))) int TfsrpServeInProcess(const char* name, int64_t version,
                                                               const char* export_dir,
                                                               const char* tags,
                                                               const char* version_labels,
                                                               char* error, size_t error_size) {
  return ReportStatus(Serve(name, version, export_dir, tags, version_labels), error, error_size);
}

// Stops serving `name` version `version` (< 0: every version); its calls in
// flight end UNAVAILABLE. NOT_FOUND (5) when it was not served.
__attribute__((visibility("default"))) int TfsrpUnserveInProcess(const char* name, int64_t version,
                                                                 char* error, size_t error_size) {
  return ReportStatus(tfsrp::UnserveInProcess(name != nullptr ? name : "", version), error,
                      error_size);
}
}
