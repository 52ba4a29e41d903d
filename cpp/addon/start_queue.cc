#include "cpp/addon/start_queue.h"

#include <pthread.h>

#include <thread>
#include <utility>

namespace tfsrp {

StartQueue& StartQueue::Get() {
  static auto* queue = new StartQueue(2);
  return *queue;
}

StartQueue::StartQueue(int threads) {
  for (int i = 0; i < threads; ++i) {
    std::thread thread([this] { Work(); });
    pthread_setname_np(thread.native_handle(), "tfsrp_start");
    thread.detach();
  }
}

void StartQueue::Post(std::function<void()> task) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
    if (idle_ > 0 && !waking_) wake = waking_ = true;
  }
  if (wake) ready_.notify_one();
}

void StartQueue::Work() {
  for (;;) {
    std::function<void()> task;
    bool wake_another = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      while (tasks_.empty()) {
        ++idle_;
        ready_.wait(lock);
        --idle_;
        waking_ = false;
      }
      task = std::move(tasks_.front());
      tasks_.pop_front();
      // More than this thread can take at once: another one helps.
      if (!tasks_.empty() && idle_ > 0 && !waking_) wake_another = waking_ = true;
    }
    if (wake_another) ready_.notify_one();
    task();
  }
}

}  // namespace tfsrp
