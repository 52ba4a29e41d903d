#include "cpp/stubs/call_options.h"

namespace tfsrp {
namespace {

thread_local const CallOptions* current_call_options = nullptr;

}  // namespace

const CallOptions* CurrentCallOptions() {
  return current_call_options;
}

CallOptionsScope::CallOptionsScope(const CallOptions* options) : previous_(current_call_options) {
  current_call_options = options;
}

CallOptionsScope::~CallOptionsScope() {
  current_call_options = previous_;
}

}  // namespace tfsrp

extern "C" __attribute__((visibility("default"))) const void* TfsrpExchangeCallOptions(
    const void* options) {
  const void* previous = tfsrp::current_call_options;
  tfsrp::current_call_options = static_cast<const tfsrp::CallOptions*>(options);
  return previous;
}
