// A loaded SavedModel's state, as tensorflow::LoadSavedModel sets it up but
// through the model's own executors: variables restored from the checkpoint,
// then the init op run (tables, assets), both on the calling thread.
#ifndef TFSRP_SAVEDMODEL_MODEL_RESTORE_H_
#define TFSRP_SAVEDMODEL_MODEL_RESTORE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "cpp/savedmodel/model_runtime.h"
#include "tensorflow/core/protobuf/meta_graph.pb.h"

namespace tfsrp {

absl::Status RestoreAndInitialize(const std::shared_ptr<ModelRuntime>& runtime,
                                  const tensorflow::MetaGraphDef& meta_graph,
                                  const std::string& export_dir);

}  // namespace tfsrp

#endif  // TFSRP_SAVEDMODEL_MODEL_RESTORE_H_
