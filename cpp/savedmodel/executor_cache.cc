#include "cpp/savedmodel/executor_cache.h"

#include <algorithm>
#include <utility>

namespace tfsrp {
namespace {

// Distinct (feeds, fetches) kept per model; a client choosing output subsets
// in every order cannot grow it without bound.
constexpr size_t kMaxPlans = 64;

}  // namespace

std::vector<tensorflow::Tensor> ExecutionPlan::Outputs(
    std::vector<tensorflow::Tensor> graph_outputs,
    const std::vector<tensorflow::Tensor>& feeds) const {
  std::vector<tensorflow::Tensor> outputs;
  outputs.reserve(sources.size());
  for (int source : sources) {
    outputs.push_back(source >= 0 ? graph_outputs[source] : feeds[-1 - source]);
  }
  return outputs;
}

ExecutorCache::ExecutorCache(std::shared_ptr<ModelRuntime> runtime,
                             const tensorflow::GraphDef* graph)
    : runtime_(std::move(runtime)), graph_(graph) {}

std::string ExecutorCache::KeyOf(const std::vector<std::string>& feeds,
                                 const std::vector<std::string>& fetches) {
  // Tensor names never contain ',' or ';'.
  std::string key;
  for (const std::string& feed : feeds) key.append(feed).push_back(',');
  key.push_back(';');
  for (const std::string& fetch : fetches) key.append(fetch).push_back(',');
  return key;
}

std::shared_ptr<const ExecutionPlan> ExecutorCache::Find(
    const std::vector<std::string>& feeds, const std::vector<std::string>& fetches) const {
  const std::string key = KeyOf(feeds, fetches);
  std::lock_guard<std::mutex> lock(mu_);
  auto found = plans_.find(key);
  return found == plans_.end() ? nullptr : found->second;
}

absl::StatusOr<std::shared_ptr<const ExecutionPlan>> ExecutorCache::GetOrCompile(
    const std::vector<std::string>& feeds, const std::vector<std::string>& fetches) {
  if (auto plan = Find(feeds, fetches)) return plan;

  // Outside the lock: concurrent first runs of one key may compile it twice
  // (the kernels they share come from the OpSegment either way).
  auto plan = std::make_shared<ExecutionPlan>();
  std::vector<std::string> graph_fetches;
  for (const std::string& fetch : fetches) {
    auto fed = std::find(feeds.begin(), feeds.end(), fetch);
    if (fed != feeds.end()) {
      plan->sources.push_back(-1 - static_cast<int>(fed - feeds.begin()));
    } else {
      plan->sources.push_back(static_cast<int>(graph_fetches.size()));
      graph_fetches.push_back(fetch);
    }
  }
  if (!graph_fetches.empty()) {
    auto compiled = CompiledGraph::Compile(runtime_, *graph_, feeds, graph_fetches, {});
    if (!compiled.ok()) return compiled.status();
    plan->graph = std::move(*compiled);
  }

  const std::string key = KeyOf(feeds, fetches);
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = plans_.emplace(key, std::move(plan));
  std::shared_ptr<const ExecutionPlan> result = it->second;
  if (inserted) {
    insertion_order_.push_back(key);
    if (insertion_order_.size() > kMaxPlans) {
      plans_.erase(insertion_order_.front());
      insertion_order_.pop_front();
    }
  }
  return result;
}

}  // namespace tfsrp
