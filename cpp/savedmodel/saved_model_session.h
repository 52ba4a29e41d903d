// A SavedModel loaded into a TensorFlow session, with its target addresses
// rewritten at load, and runs that a deadline or a cancellation can stop
// including the remote predict RPCs they have in flight.
#ifndef TFSRP_SAVEDMODEL_SAVED_MODEL_SESSION_H_
#define TFSRP_SAVEDMODEL_SAVED_MODEL_SESSION_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "tensorflow/core/framework/cancellation.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/public/session.h"

namespace tfsrp {

struct TensorSpecInfo {
  std::string name;         // the signature's key
  std::string tensor_name;  // the graph tensor, e.g. "serving_default_x:0"
  tensorflow::DataType dtype = tensorflow::DT_INVALID;
  bool unknown_rank = true;
  std::vector<int64_t> dims;  // -1 for an unknown dimension
};

struct SignatureInfo {
  std::string name;
  std::string method_name;
  std::vector<TensorSpecInfo> inputs;   // sorted by name
  std::vector<TensorSpecInfo> outputs;  // sorted by name
};

// Installs a CancellationManager* as the current thread's call cancellation
// and returns the previous one (the op library's TfsrpExchangeCallCancellation).
using ExchangeCallCancellationFn = void* (*)(void*);

struct SavedModelLoadOptions {
  std::string export_dir;
  std::vector<std::string> tags;
  std::map<std::string, std::string> target_overrides;
  ExchangeCallCancellationFn exchange_call_cancellation = nullptr;
};

struct SavedModelRunRequest {
  std::vector<std::pair<std::string, tensorflow::Tensor>> feeds;  // by tensor name
  std::vector<std::string> fetches;                              // tensor names
  int64_t timeout_millis = 0;                                     // 0: none
  tensorflow::CancellationManager* cancellation = nullptr;        // optional
};

class SavedModelSession {
 public:
  // Blocking: reads, rewrites, creates the session and restores variables.
  static absl::StatusOr<std::shared_ptr<SavedModelSession>> Load(
      const SavedModelLoadOptions& options);
  ~SavedModelSession();

  const std::vector<SignatureInfo>& signatures() const { return signatures_; }

  // Sessions alive in the process (for leak tests).
  static int64_t LiveCount();

  // Blocking and thread-safe; ops run on the calling thread (and on the
  // threads that complete their asynchronous work).
  absl::StatusOr<std::vector<tensorflow::Tensor>> Run(SavedModelRunRequest request) const;

 private:
  SavedModelSession();

  std::unique_ptr<tensorflow::Session> session_;
  std::vector<SignatureInfo> signatures_;
  ExchangeCallCancellationFn exchange_call_cancellation_ = nullptr;
};

}  // namespace tfsrp

#endif  // TFSRP_SAVEDMODEL_SAVED_MODEL_SESSION_H_
