#include "cpp/savedmodel/compute_pool.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "tensorflow/core/platform/env.h"

namespace tfsrp {

tensorflow::thread::ThreadPool& SavedModelComputePool() {
  static auto* pool = [] {
    int threads = std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
    if (const char* env = std::getenv("TFSRP_SAVED_MODEL_THREADS")) {
      threads = std::max(1, std::atoi(env));
    }
    return new tensorflow::thread::ThreadPool(tensorflow::Env::Default(), "tfsrp_saved_model",
                                              threads);
  }();
  return *pool;
}

}  // namespace tfsrp
