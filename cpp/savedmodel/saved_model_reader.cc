#include "cpp/savedmodel/saved_model_reader.h"

#include <set>
#include <unordered_set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cpp/savedmodel/remote_predict_target_rewrite.h"
#include "tensorflow/cc/saved_model/reader.h"
#include "tensorflow/core/framework/function.pb.h"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/protobuf/saved_model.pb.h"

namespace tfsrp {
namespace {

absl::Status CheckOpsRegistered(const tensorflow::GraphDef& graph) {
  std::set<std::string> functions;
  for (const tensorflow::FunctionDef& function : graph.library().function()) {
    functions.insert(function.signature().name());
  }
  auto check = [&](const tensorflow::NodeDef& node) -> absl::Status {
    const tensorflow::OpRegistrationData* registration = nullptr;
    if (functions.count(node.op()) != 0 ||
        tensorflow::OpRegistry::Global()->LookUp(node.op(), &registration).ok()) {
      return absl::OkStatus();
    }
    return absl::NotFoundError(absl::StrCat(
        "the SavedModel uses the op '", node.op(), "' (node '", node.name(),
        "'), which is not registered in this process; load the library that defines it first"));
  };
  for (const tensorflow::NodeDef& node : graph.node()) TF_RETURN_IF_ERROR(check(node));
  for (const tensorflow::FunctionDef& function : graph.library().function()) {
    for (const tensorflow::NodeDef& node : function.node_def()) TF_RETURN_IF_ERROR(check(node));
  }
  return absl::OkStatus();
}

// TensorFlow's message for an unknown tag set does not say which exist.
absl::Status ExplainTags(absl::Status status, const SavedModelLoadOptions& options) {
  tensorflow::SavedModel saved_model;
  if (status.code() != absl::StatusCode::kNotFound ||
      !tensorflow::ReadSavedModel(options.export_dir, &saved_model).ok()) {
    return status;
  }
  std::vector<std::string> tag_sets;
  for (const tensorflow::MetaGraphDef& meta_graph : saved_model.meta_graphs()) {
    tag_sets.push_back(
        absl::StrCat("[", absl::StrJoin(meta_graph.meta_info_def().tags(), ", "), "]"));
  }
  return absl::NotFoundError(absl::StrCat(options.export_dir, " has no MetaGraph with the tags [",
                                          absl::StrJoin(options.tags, ", "), "]; its tag sets are ",
                                          absl::StrJoin(tag_sets, ", ")));
}

}  // namespace

absl::StatusOr<tensorflow::MetaGraphDef> ReadSavedModelGraph(const SavedModelLoadOptions& options) {
  const std::unordered_set<std::string> tags(options.tags.begin(), options.tags.end());
  tensorflow::MetaGraphDef meta_graph;
  absl::Status read =
      tensorflow::ReadMetaGraphDefFromSavedModel(options.export_dir, tags, &meta_graph);
  if (!read.ok()) return ExplainTags(std::move(read), options);
  TF_RETURN_IF_ERROR(CheckOpsRegistered(meta_graph.graph_def()));
  RewriteRemotePredictTargets(options.target_overrides, meta_graph.mutable_graph_def());
  return meta_graph;
}

}  // namespace tfsrp
