// Deadlines of SavedModel runs: one thread for the whole process, started on
// first use, sleeping until the earliest deadline. No thread per run.
#ifndef TFSRP_SAVEDMODEL_DEADLINE_TIMER_H_
#define TFSRP_SAVEDMODEL_DEADLINE_TIMER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <utility>

namespace tfsrp {

class DeadlineTimer {
 public:
  using Id = uint64_t;

  // Never destroyed (runs may still arm deadlines while the process exits).
  static DeadlineTimer& Shared();

  // `fire` runs once on the timer's thread after `delay_millis`, unless
  // cancelled first. It must not block; it may call Cancel().
  Id Schedule(int64_t delay_millis, std::function<void()> fire);

  // Any thread. Does not wait for a `fire` already running.
  void Cancel(Id id);

 private:
  using Clock = std::chrono::steady_clock;
  DeadlineTimer() = default;
  void Loop();

  std::mutex mu_;
  std::condition_variable wake_;
  bool started_ = false;
  Id next_id_ = 1;
  std::set<std::pair<Clock::time_point, Id>> due_;
  std::map<Id, std::pair<Clock::time_point, std::function<void()>>> timers_;
};

}  // namespace tfsrp

#endif  // TFSRP_SAVEDMODEL_DEADLINE_TIMER_H_
