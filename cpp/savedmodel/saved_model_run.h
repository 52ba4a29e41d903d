// One run of a SavedModel signature: its inputs, its cancellation (by the
// caller, or by its deadline on the shared timer) and its single completion.
#ifndef TFSRP_SAVEDMODEL_SAVED_MODEL_RUN_H_
#define TFSRP_SAVEDMODEL_SAVED_MODEL_RUN_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "cpp/savedmodel/deadline_timer.h"
#include "cpp/savedmodel/executor_cache.h"
#include "tensorflow/core/framework/cancellation.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/platform/threadpool.h"

namespace tfsrp {

struct SavedModelRunRequest {
  std::vector<std::pair<std::string, tensorflow::Tensor>> feeds;  // by tensor name
  std::vector<std::string> fetches;                               // tensor names
  int64_t timeout_millis = 0;                                     // 0: none
};

// Called once, on any thread, with the fetches in request order.
using SavedModelRunDone = std::function<void(absl::StatusOr<std::vector<tensorflow::Tensor>>)>;

class SavedModelRun : public std::enable_shared_from_this<SavedModelRun> {
 public:
  explicit SavedModelRun(SavedModelRunRequest request);
  ~SavedModelRun();
  SavedModelRun(const SavedModelRun&) = delete;
  SavedModelRun& operator=(const SavedModelRun&) = delete;

  const std::vector<std::string>& feed_names() const { return feed_names_; }
  const std::vector<std::string>& fetches() const { return request_.fetches; }

  // Any thread, any time: a run that has not ended ends CANCELLED, and the
  // remote calls it has in flight are cancelled.
  void Cancel();

  // Arms the deadline. `done` runs once, when the run ends.
  void Begin(SavedModelRunDone done);
  // Runs `plan` on the request's feeds, its ops on `pool`; returns once they
  // are scheduled (or the run has ended).
  void Execute(std::shared_ptr<const ExecutionPlan> plan, tensorflow::thread::ThreadPool* pool);
  // Ends the run (`done`), unless it has ended already.
  void Finish(absl::StatusOr<std::vector<tensorflow::Tensor>> outputs);

 private:
  void Expire();

  SavedModelRunRequest request_;
  std::vector<std::string> feed_names_;
  tensorflow::CancellationManager cancellation_;  // outlives the graph's run
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> expired_{false};
  std::atomic<bool> started_{false};
  std::atomic<bool> finished_{false};
  DeadlineTimer::Id deadline_ = 0;
  SavedModelRunDone done_;
};

}  // namespace tfsrp

#endif  // TFSRP_SAVEDMODEL_SAVED_MODEL_RUN_H_
