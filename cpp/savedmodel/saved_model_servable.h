// A SavedModel served in process (cpp/stubs/in_process_servable.h): each
// Predict is one asynchronous SavedModelRun of the asked signature, with the
// call's deadline and cancellation.
#ifndef TFSRP_SAVEDMODEL_SAVED_MODEL_SERVABLE_H_
#define TFSRP_SAVEDMODEL_SAVED_MODEL_SERVABLE_H_

#include <memory>
#include <mutex>
#include <set>

#include "cpp/savedmodel/saved_model.h"
#include "cpp/stubs/in_process_servable.h"

namespace tfsrp {

class SavedModelServable : public InProcessServable,
                           public std::enable_shared_from_this<SavedModelServable> {
 public:
  explicit SavedModelServable(std::shared_ptr<SavedModel> model) : model_(std::move(model)) {}

  std::unique_ptr<RpcHandle> Predict(PredictRequest request, int64_t deadline_millis,
                                     PredictDoneCallback done) override;
  // Cancels the runs in flight (they end with `reason`) and lets the model go
  // once the last has ended.
  void Stop(absl::Status reason) override;

 private:
  void Finished(SavedModelRun* run);

  std::mutex mu_;
  std::shared_ptr<SavedModel> model_;  // null once stopped
  absl::Status stopped_;
  std::set<SavedModelRun*> running_;  // removed before they complete
};

}  // namespace tfsrp

#endif  // TFSRP_SAVEDMODEL_SAVED_MODEL_SERVABLE_H_
