// A SavedModel loaded for asynchronous runs: its MetaGraph (targets
// rewritten), its runtime (device, function library, restored variables, init
// op run) and its compiled graphs. No Session, and no thread waits on a run.
#ifndef TFSRP_SAVEDMODEL_SAVED_MODEL_H_
#define TFSRP_SAVEDMODEL_SAVED_MODEL_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "cpp/savedmodel/executor_cache.h"
#include "cpp/savedmodel/model_runtime.h"
#include "cpp/savedmodel/saved_model_reader.h"
#include "cpp/savedmodel/saved_model_run.h"
#include "cpp/savedmodel/signatures.h"
#include "tensorflow/core/protobuf/meta_graph.pb.h"

namespace tfsrp {

class SavedModel : public std::enable_shared_from_this<SavedModel> {
 public:
  // Blocking (files, restore, init op, compiling each signature): call it off
  // the JS thread.
  static absl::StatusOr<std::shared_ptr<SavedModel>> Load(const SavedModelLoadOptions& options);
  SavedModel(const SavedModel&) = delete;
  SavedModel& operator=(const SavedModel&) = delete;

  const std::vector<SignatureInfo>& signatures() const { return signatures_; }

  // Starts `run` (done: see SavedModelRun::Begin); never waits for it. With
  // its graph compiled already, the ready ops are scheduled from this thread;
  // otherwise the compile and the start happen on the compute pool. The run
  // keeps what it needs of the model alive, not the model itself.
  void Start(const std::shared_ptr<SavedModelRun>& run, SavedModelRunDone done);

 private:
  explicit SavedModel(tensorflow::MetaGraphDef meta_graph);

  const tensorflow::MetaGraphDef meta_graph_;
  std::shared_ptr<ModelRuntime> runtime_;
  std::unique_ptr<ExecutorCache> executors_;
  std::vector<SignatureInfo> signatures_;
};

}  // namespace tfsrp

#endif  // TFSRP_SAVEDMODEL_SAVED_MODEL_H_
