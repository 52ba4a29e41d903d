// Points the TfServingRemotePredict nodes of a graph (its main graph and every
// function body) at other addresses, since target_address is fixed at export.
#ifndef TFSRP_SAVEDMODEL_REMOTE_PREDICT_TARGET_REWRITE_H_
#define TFSRP_SAVEDMODEL_REMOTE_PREDICT_TARGET_REWRITE_H_

#include <map>
#include <string>

#include "tensorflow/core/framework/graph.pb.h"

namespace tfsrp {

// Replaces each target_address found in `to_by_from`; returns the number of
// nodes changed.
int RewriteRemotePredictTargets(const std::map<std::string, std::string>& to_by_from,
                                tensorflow::GraphDef* graph);

}  // namespace tfsrp

#endif  // TFSRP_SAVEDMODEL_REMOTE_PREDICT_TARGET_REWRITE_H_
