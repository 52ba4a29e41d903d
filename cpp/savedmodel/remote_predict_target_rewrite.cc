#include "cpp/savedmodel/remote_predict_target_rewrite.h"

#include "tensorflow/core/framework/function.pb.h"
#include "tensorflow/core/framework/node_def.pb.h"

namespace tfsrp {
namespace {

constexpr char kOpName[] = "TfServingRemotePredict";
constexpr char kTargetAttr[] = "target_address";

int RewriteNode(const std::map<std::string, std::string>& to_by_from, tensorflow::NodeDef* node) {
  if (node->op() != kOpName) return 0;
  auto attr = node->mutable_attr()->find(kTargetAttr);
  if (attr == node->mutable_attr()->end()) return 0;
  auto to = to_by_from.find(attr->second.s());
  if (to == to_by_from.end()) return 0;
  attr->second.set_s(to->second);
  return 1;
}

}  // namespace

int RewriteRemotePredictTargets(const std::map<std::string, std::string>& to_by_from,
                                tensorflow::GraphDef* graph) {
  if (to_by_from.empty()) return 0;
  int changed = 0;
  for (tensorflow::NodeDef& node : *graph->mutable_node()) {
    changed += RewriteNode(to_by_from, &node);
  }
  for (tensorflow::FunctionDef& function : *graph->mutable_library()->mutable_function()) {
    for (tensorflow::NodeDef& node : *function.mutable_node_def()) {
      changed += RewriteNode(to_by_from, &node);
    }
  }
  return changed;
}

}  // namespace tfsrp
