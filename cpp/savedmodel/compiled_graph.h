// One (feeds, fetches, targets) of a SavedModel's graph, pruned and turned
// into an executor on the model's device: feeds become _Arg nodes, fetches
// _Retval nodes. A run only schedules the graph's ready ops and returns; no
// thread waits for it, whatever its remote calls take.
#ifndef TFSRP_SAVEDMODEL_COMPILED_GRAPH_H_
#define TFSRP_SAVEDMODEL_COMPILED_GRAPH_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cpp/savedmodel/model_runtime.h"
#include "tensorflow/core/common_runtime/executor.h"
#include "tensorflow/core/framework/cancellation.h"
#include "tensorflow/core/framework/graph.pb.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/graph/graph.h"
#include "tensorflow/core/platform/threadpool.h"

namespace tfsrp {

class CompiledGraph {
 public:
  using Done = std::function<void(absl::Status, std::vector<tensorflow::Tensor>)>;

  // A feed must not also be a fetch.
  static absl::StatusOr<std::unique_ptr<CompiledGraph>> Compile(
      std::shared_ptr<ModelRuntime> runtime, const tensorflow::GraphDef& graph,
      const std::vector<std::string>& feeds, const std::vector<std::string>& fetches,
      const std::vector<std::string>& targets);
  ~CompiledGraph();
  CompiledGraph(const CompiledGraph&) = delete;
  CompiledGraph& operator=(const CompiledGraph&) = delete;

  // Never blocks: schedules the ready ops on `pool` and returns. `done` runs
  // once, on any thread (a pool thread, the thread completing the last
  // asynchronous op, or this one when the run fails at once). `cancellation`
  // (may be null) must outlive the run. The graph may be destroyed from `done`.
  void RunAsync(std::vector<tensorflow::Tensor> inputs,
                tensorflow::CancellationManager* cancellation, tensorflow::thread::ThreadPool* pool,
                Done done);

  // For load-time work (restore, init op): every op on the calling thread,
  // which then waits, so a load running on a pool thread needs no other.
  absl::Status RunInline(std::vector<tensorflow::Tensor> inputs);

 private:
  struct Step;
  CompiledGraph() = default;
  void Start(std::vector<tensorflow::Tensor> inputs, tensorflow::CancellationManager* cancellation,
             std::function<void(std::function<void()>)> runner, bool inline_kernels, Done done);

  std::shared_ptr<ModelRuntime> runtime_;  // outlives the executor's kernels
  std::unique_ptr<tensorflow::Graph> graph_;
  std::unique_ptr<tensorflow::Executor> executor_;
  tensorflow::DataTypeVector arg_types_;
  tensorflow::DataTypeVector ret_types_;
};

}  // namespace tfsrp

#endif  // TFSRP_SAVEDMODEL_COMPILED_GRAPH_H_
