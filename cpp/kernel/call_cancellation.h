// The cancellation of the caller-level call (for example one Session::Run of a
// SavedModel) on whose behalf this thread is running graph ops, if any.
//
// A session run can only be cancelled by its timeout, so a runner that wants
// to abort a run installs its CancellationManager here on the thread that
// calls Session::Run (with inline execution), and RemotePredictOp carries it
// across its asynchronous completion. Every remote predict started within the
// run then cancels its RPC when the manager is cancelled.
#ifndef TFSRP_KERNEL_CALL_CANCELLATION_H_
#define TFSRP_KERNEL_CALL_CANCELLATION_H_

#include "tensorflow/core/framework/cancellation.h"

namespace tfsrp {

tensorflow::CancellationManager* CurrentCallCancellation();

// Installs `manager` for the current thread until destroyed.
class CallCancellationScope {
 public:
  explicit CallCancellationScope(tensorflow::CancellationManager* manager);
  ~CallCancellationScope();
  CallCancellationScope(const CallCancellationScope&) = delete;
  CallCancellationScope& operator=(const CallCancellationScope&) = delete;

 private:
  tensorflow::CancellationManager* previous_;
};

}  // namespace tfsrp

// Exported by the op library for runners in other modules (the Node addon):
// installs `manager` (a tensorflow::CancellationManager*, or NULL) for the
// current thread and returns the previous one.
extern "C" void* TfsrpExchangeCallCancellation(void* manager);

#endif  // TFSRP_KERNEL_CALL_CANCELLATION_H_
