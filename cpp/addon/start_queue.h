// Where calls are started off the JS thread: a few threads taking tasks from
// one queue. An awake thread takes the next task without sleeping, and a
// sleeping one is woken only when none is awake already, so a stream of
// starts costs few wake-ups; the threads never spin.
#ifndef TFSRP_ADDON_START_QUEUE_H_
#define TFSRP_ADDON_START_QUEUE_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace tfsrp {

class StartQueue {
 public:
  // The process's queue (2 threads, named tfsrp_start), never destroyed:
  // tasks may still be queued when an environment or the process ends.
  static StartQueue& Get();

  // Any thread.
  void Post(std::function<void()> task);

 private:
  explicit StartQueue(int threads);
  void Work();

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  int idle_ = 0;                             // threads waiting on ready_; guarded by mu_
  bool waking_ = false;                      // a wake-up is on its way; guarded by mu_
};

}  // namespace tfsrp

#endif  // TFSRP_ADDON_START_QUEUE_H_
