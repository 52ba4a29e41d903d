#include "cpp/savedmodel/saved_model_servable.h"

#include <utility>
#include <vector>

#include "cpp/savedmodel/predict_signature.h"

namespace tfsrp {
namespace {

class RunHandle : public RpcHandle {
 public:
  explicit RunHandle(std::weak_ptr<SavedModelRun> run) : run_(std::move(run)) {}
  void Cancel() override {
    if (std::shared_ptr<SavedModelRun> run = run_.lock()) run->Cancel();
  }

 private:
  std::weak_ptr<SavedModelRun> run_;
};

PredictResponse ResponseOf(const std::vector<std::string>& aliases,
                           std::vector<tensorflow::Tensor> outputs) {
  PredictResponse response;
  response.outputs.reserve(aliases.size());
  for (size_t i = 0; i < aliases.size(); ++i) {
    response.outputs.push_back({aliases[i], std::move(outputs[i])});
  }
  return response;
}

}  // namespace

std::unique_ptr<RpcHandle> SavedModelServable::Predict(PredictRequest request,
                                                       int64_t deadline_millis,
                                                       PredictDoneCallback done) {
  std::shared_ptr<SavedModel> model;
  absl::Status stopped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    model = model_;
    stopped = stopped_;
  }
  absl::StatusOr<SignatureRunPlan> plan =
      model != nullptr ? PlanSignatureRun(model->signatures(), std::move(request)) : stopped;
  if (!plan.ok()) {
    done(plan.status(), PredictResponse());
    return std::make_unique<CompletedRpcHandle>();
  }
  SavedModelRunRequest run_request;
  run_request.feeds = std::move(plan->feeds);
  run_request.fetches = std::move(plan->fetches);
  run_request.timeout_millis = deadline_millis > 0 ? deadline_millis : 0;
  auto run = std::make_shared<SavedModelRun>(std::move(run_request));
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_.insert(run.get());
  }
  auto on_done = [self = shared_from_this(), raw = run.get(),
                  aliases = std::move(plan->output_aliases),
                  done = std::move(done)](absl::StatusOr<std::vector<tensorflow::Tensor>> outputs) {
    self->Finished(raw);
    absl::Status stopped;
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      stopped = self->stopped_;
    }
    if (!outputs.ok()) {
      // A run cancelled because the model was unserved says so.
      done(!stopped.ok() && absl::IsCancelled(outputs.status()) ? stopped : outputs.status(),
           PredictResponse());
    } else {
      done(absl::OkStatus(), ResponseOf(aliases, *std::move(outputs)));
    }
  };
  std::weak_ptr<SavedModelRun> weak = run;
  model->Start(run, std::move(on_done));
  // Stopped between the lookup and the registration: Stop() did not see it.
  bool stopped_meanwhile;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_meanwhile = model_ == nullptr;
  }
  if (stopped_meanwhile) run->Cancel();
  return std::make_unique<RunHandle>(std::move(weak));
}

void SavedModelServable::Finished(SavedModelRun* run) {
  std::lock_guard<std::mutex> lock(mu_);
  running_.erase(run);
}

void SavedModelServable::Stop(absl::Status reason) {
  std::vector<std::shared_ptr<SavedModelRun>> running;
  std::shared_ptr<SavedModel> model;
  {
    std::lock_guard<std::mutex> lock(mu_);
    model = std::move(model_);
    stopped_ = std::move(reason);
    for (SavedModelRun* run : running_) running.push_back(run->shared_from_this());
  }
  // Outside the lock: a run may complete inside Cancel().
  for (const std::shared_ptr<SavedModelRun>& run : running) run->Cancel();
}

}  // namespace tfsrp
