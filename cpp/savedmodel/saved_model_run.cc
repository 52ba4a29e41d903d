#include "cpp/savedmodel/saved_model_run.h"

#include "absl/strings/str_cat.h"

namespace tfsrp {

SavedModelRun::SavedModelRun(SavedModelRunRequest request) : request_(std::move(request)) {
  feed_names_.reserve(request_.feeds.size());
  for (const auto& feed : request_.feeds) feed_names_.push_back(feed.first);
}

SavedModelRun::~SavedModelRun() = default;

void SavedModelRun::Cancel() {
  cancelled_ = true;
  cancellation_.StartCancel();
}

void SavedModelRun::Expire() {
  expired_ = true;
  cancellation_.StartCancel();
}

void SavedModelRun::Begin(SavedModelRunDone done) {
  done_ = std::move(done);
  if (request_.timeout_millis > 0) {
    std::weak_ptr<SavedModelRun> weak = weak_from_this();
    deadline_ = DeadlineTimer::Shared().Schedule(request_.timeout_millis, [weak] {
      if (std::shared_ptr<SavedModelRun> run = weak.lock()) run->Expire();
    });
  }
}

void SavedModelRun::Execute(std::shared_ptr<const ExecutionPlan> plan,
                            tensorflow::thread::ThreadPool* pool) {
  if (cancellation_.IsCancelled()) {
    plan.reset();
    Finish(absl::CancelledError("the run was cancelled before it started"));
    return;
  }
  started_ = true;
  std::vector<tensorflow::Tensor> inputs;
  inputs.reserve(request_.feeds.size());
  for (const auto& feed : request_.feeds) inputs.push_back(feed.second);
  if (plan->graph == nullptr) {  // every fetch is fed
    std::vector<tensorflow::Tensor> outputs = plan->Outputs({}, inputs);
    plan.reset();
    Finish(std::move(outputs));
    return;
  }
  CompiledGraph* graph = plan->graph.get();
  graph->RunAsync(inputs, &cancellation_, pool,
                  [run = shared_from_this(), plan = std::move(plan), inputs](
                      absl::Status status, std::vector<tensorflow::Tensor> graph_outputs) mutable {
                    absl::StatusOr<std::vector<tensorflow::Tensor>> outputs =
                        status.ok()
                            ? absl::StatusOr<std::vector<tensorflow::Tensor>>(
                                  plan->Outputs(std::move(graph_outputs), inputs))
                            : absl::StatusOr<std::vector<tensorflow::Tensor>>(std::move(status));
                    // The plan may hold the last reference to the model's executors and
                    // runtime: they go before `done` (whose caller may count them).
                    plan.reset();
                    inputs.clear();
                    run->Finish(std::move(outputs));
                  });
}

void SavedModelRun::Finish(absl::StatusOr<std::vector<tensorflow::Tensor>> outputs) {
  if (finished_.exchange(true)) return;
  if (deadline_ != 0) DeadlineTimer::Shared().Cancel(deadline_);
  // The graph reports a cancelled step as CANCELLED, or not at all (status
  // outputs): say which limit or request ended it.
  if (expired_) {
    outputs = absl::DeadlineExceededError(
        absl::StrCat("the run's deadline of ", request_.timeout_millis, " ms was exceeded"));
  } else if (cancelled_) {
    outputs = absl::CancelledError(started_ ? "the run was cancelled while in flight"
                                            : "the run was cancelled before it started");
  }
  request_.feeds.clear();
  SavedModelRunDone done = std::move(done_);
  done_ = nullptr;
  done(std::move(outputs));
}

}  // namespace tfsrp
