#include "cpp/kernel/call_cancellation.h"

namespace tfsrp {
namespace {

thread_local tensorflow::CancellationManager* current_call_cancellation = nullptr;

}  // namespace

tensorflow::CancellationManager* CurrentCallCancellation() {
  return current_call_cancellation;
}

CallCancellationScope::CallCancellationScope(tensorflow::CancellationManager* manager)
    : previous_(current_call_cancellation) {
  current_call_cancellation = manager;
}

CallCancellationScope::~CallCancellationScope() {
  current_call_cancellation = previous_;
}

}  // namespace tfsrp

extern "C" __attribute__((visibility("default"))) void* TfsrpExchangeCallCancellation(
    void* manager) {
  void* previous = tfsrp::current_call_cancellation;
  tfsrp::current_call_cancellation = static_cast<tensorflow::CancellationManager*>(manager);
  return previous;
}
