#include "cpp/savedmodel/saved_model.h"

#include <string>
#include <utility>

#include "cpp/savedmodel/compute_pool.h"
#include "cpp/savedmodel/model_restore.h"

namespace tfsrp {

SavedModel::SavedModel(tensorflow::MetaGraphDef meta_graph) : meta_graph_(std::move(meta_graph)) {}

absl::StatusOr<std::shared_ptr<SavedModel>> SavedModel::Load(const SavedModelLoadOptions& options) {
  absl::StatusOr<tensorflow::MetaGraphDef> meta_graph = ReadSavedModelGraph(options);
  if (!meta_graph.ok()) return meta_graph.status();
  std::shared_ptr<SavedModel> model(new SavedModel(std::move(*meta_graph)));
  const tensorflow::GraphDef& graph = model->meta_graph_.graph_def();
  absl::StatusOr<std::shared_ptr<ModelRuntime>> runtime =
      ModelRuntime::Create(graph, &SavedModelComputePool());
  if (!runtime.ok()) return runtime.status();
  model->runtime_ = std::move(*runtime);
  TF_RETURN_IF_ERROR(RestoreAndInitialize(model->runtime_, model->meta_graph_, options.export_dir));
  model->executors_ = std::make_unique<ExecutorCache>(model->runtime_, &graph);
  model->signatures_ = SignaturesOf(model->meta_graph_);

  // Each whole signature, as predict() asks for it by default, is compiled
  // now. One that fails to compile fails its runs instead, with the reason.
  for (const SignatureInfo& signature : model->signatures_) {
    std::vector<std::string> feeds, fetches;
    for (const TensorSpecInfo& input : signature.inputs) feeds.push_back(input.tensor_name);
    for (const TensorSpecInfo& output : signature.outputs) fetches.push_back(output.tensor_name);
    model->executors_->GetOrCompile(feeds, fetches).status().IgnoreError();
  }
  return model;
}

void SavedModel::Start(const std::shared_ptr<SavedModelRun>& run, SavedModelRunDone done) {
  run->Begin(std::move(done));
  tensorflow::thread::ThreadPool* pool = &SavedModelComputePool();
  if (std::shared_ptr<const ExecutionPlan> plan =
          executors_->Find(run->feed_names(), run->fetches())) {
    run->Execute(std::move(plan), pool);
    return;
  }
  pool->Schedule([model = shared_from_this(), run, pool]() mutable {
    auto plan = model->executors_->GetOrCompile(run->feed_names(), run->fetches());
    model.reset();
    if (!plan.ok()) {
      run->Finish(plan.status());
    } else {
      run->Execute(std::move(*plan), pool);
    }
  });
}

}  // namespace tfsrp
