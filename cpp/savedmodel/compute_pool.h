// The threads that run SavedModel graphs' ops, compile graphs and load
// models: `tfsrp_saved_model`, as many as the machine has cores (at least 2)
// or TFSRP_SAVED_MODEL_THREADS. A run waiting on remote calls holds none.
#ifndef TFSRP_SAVEDMODEL_COMPUTE_POOL_H_
#define TFSRP_SAVEDMODEL_COMPUTE_POOL_H_

#include "tensorflow/core/platform/threadpool.h"

namespace tfsrp {

// Created on first use, never destroyed.
tensorflow::thread::ThreadPool& SavedModelComputePool();

}  // namespace tfsrp

#endif  // TFSRP_SAVEDMODEL_COMPUTE_POOL_H_
