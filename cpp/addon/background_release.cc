#include "cpp/addon/background_release.h"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace tfsrp {
namespace {

// One thread for the process, started on first use and never stopped (it may
// still be releasing when a worker's environment, or the process, ends).
class Releaser {
 public:
  Releaser() {
    std::thread([this] { Run(); }).detach();
  }

  void Add(std::unique_ptr<tensorflow::Tensor> tensor) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back(std::move(tensor));
    if (pending_.size() == 1) wake_.notify_one();
  }

 private:
  void Run() {
    std::vector<std::unique_ptr<tensorflow::Tensor>> batch;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [this] { return !pending_.empty(); });
        batch.swap(pending_);
      }
      batch.clear();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<std::unique_ptr<tensorflow::Tensor>> pending_;
};

}  // namespace

void ReleaseInBackground(std::unique_ptr<tensorflow::Tensor> tensor) {
  if (tensor->TotalBytes() < kBackgroundReleaseBytes) return;  // freed here
  static Releaser* releaser = new Releaser;
  releaser->Add(std::move(tensor));
}

}  // namespace tfsrp
