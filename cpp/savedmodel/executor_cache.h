// The compiled graphs of one SavedModel, by (feeds, fetches) in request order.
// A fetch that is also fed is answered with the fed tensor (the executor
// cannot both feed and fetch one tensor).
#ifndef TFSRP_SAVEDMODEL_EXECUTOR_CACHE_H_
#define TFSRP_SAVEDMODEL_EXECUTOR_CACHE_H_

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cpp/savedmodel/compiled_graph.h"
#include "cpp/savedmodel/model_runtime.h"
#include "tensorflow/core/framework/graph.pb.h"
#include "tensorflow/core/framework/tensor.h"

namespace tfsrp {

struct ExecutionPlan {
  std::shared_ptr<CompiledGraph> graph;  // null when every fetch is fed
  // Per requested fetch: >= 0, that output of `graph`; < 0, feed -1 - n.
  std::vector<int> sources;

  // The requested fetches, in request order.
  std::vector<tensorflow::Tensor> Outputs(std::vector<tensorflow::Tensor> graph_outputs,
                                          const std::vector<tensorflow::Tensor>& feeds) const;
};

class ExecutorCache {
 public:
  // `graph` must outlive the cache.
  ExecutorCache(std::shared_ptr<ModelRuntime> runtime, const tensorflow::GraphDef* graph);

  // Null until compiled. Cheap: a lock and a map lookup.
  std::shared_ptr<const ExecutionPlan> Find(const std::vector<std::string>& feeds,
                                            const std::vector<std::string>& fetches) const;

  // Compiles on the calling thread when missing (CPU work: not the JS thread).
  absl::StatusOr<std::shared_ptr<const ExecutionPlan>> GetOrCompile(
      const std::vector<std::string>& feeds, const std::vector<std::string>& fetches);

 private:
  static std::string KeyOf(const std::vector<std::string>& feeds,
                           const std::vector<std::string>& fetches);

  const std::shared_ptr<ModelRuntime> runtime_;
  const tensorflow::GraphDef* const graph_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const ExecutionPlan>> plans_;
  std::deque<std::string> insertion_order_;  // the oldest is evicted past the limit
};

}  // namespace tfsrp

#endif  // TFSRP_SAVEDMODEL_EXECUTOR_CACHE_H_
