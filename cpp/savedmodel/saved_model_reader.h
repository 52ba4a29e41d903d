// Reading a SavedModel's MetaGraph for this process: the tag set chosen, every
// op checked to be registered here, the remote predict targets rewritten.
#ifndef TFSRP_SAVEDMODEL_SAVED_MODEL_READER_H_
#define TFSRP_SAVEDMODEL_SAVED_MODEL_READER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tensorflow/core/protobuf/meta_graph.pb.h"

namespace tfsrp {

struct SavedModelLoadOptions {
  std::string export_dir;
  std::vector<std::string> tags;
  std::map<std::string, std::string> target_overrides;
};

// NOT_FOUND for an unknown tag set (naming those there are) and for an op this
// process does not have (naming the op and its node), at load rather than at
// the first run: an op inside a function body would otherwise fail only then.
absl::StatusOr<tensorflow::MetaGraphDef> ReadSavedModelGraph(const SavedModelLoadOptions& options);

}  // namespace tfsrp

#endif  // TFSRP_SAVEDMODEL_SAVED_MODEL_READER_H_
