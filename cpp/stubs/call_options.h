// Per-call options of an RPC (metadata, wait-for-ready) and the metadata every
// call to a target carries. No TensorFlow headers: the addon shares these
// types with the op library.
//
// Kernels are cached per attribute set, so per-call options cannot be attrs:
// a runner installs them for the current thread around ComputeAsync (as
// call_cancellation.h does for cancellation) and the stub reads them when it
// starts the RPC, synchronously inside ComputeAsync.
#ifndef TFSRP_STUBS_CALL_OPTIONS_H_
#define TFSRP_STUBS_CALL_OPTIONS_H_

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace tfsrp {

// Lower-case keys; a key ending in "-bin" has a binary value.
using Metadata = std::vector<std::pair<std::string, std::string>>;

struct CallOptions {
  Metadata metadata;
  bool wait_for_ready = false;
};

// The options installed for this thread, or null.
const CallOptions* CurrentCallOptions();

// Installs `options` (may be null) for the current thread until destroyed.
class CallOptionsScope {
 public:
  explicit CallOptionsScope(const CallOptions* options);
  ~CallOptionsScope();
  CallOptionsScope(const CallOptionsScope&) = delete;
  CallOptionsScope& operator=(const CallOptionsScope&) = delete;

 private:
  const CallOptions* previous_;
};

// Metadata that a target's calls carry, replaceable at any time: kernels hold
// the target's SharedMetadata and read it per call, so a new token reaches
// kernels (and loaded SavedModels) that already exist.
class SharedMetadata {
 public:
  std::shared_ptr<const Metadata> Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return value_;
  }
  void Set(std::shared_ptr<const Metadata> value) {
    std::lock_guard<std::mutex> lock(mu_);
    value_ = std::move(value);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Metadata> value_;  // null or empty: none
};

}  // namespace tfsrp

// Exported by the op library for runners in other modules (the Node addon):
// installs `options` (a const tfsrp::CallOptions*, or NULL) for the current
// thread and returns the previous one.
extern "C" const void* TfsrpExchangeCallOptions(const void* options);

#endif  // TFSRP_STUBS_CALL_OPTIONS_H_
