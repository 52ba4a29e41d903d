#include "cpp/savedmodel/deadline_timer.h"

#include <pthread.h>

#include <thread>
#include <vector>

namespace tfsrp {

DeadlineTimer& DeadlineTimer::Shared() {
  static auto* timer = new DeadlineTimer;
  return *timer;
}

DeadlineTimer::Id DeadlineTimer::Schedule(int64_t delay_millis, std::function<void()> fire) {
  const Clock::time_point when = Clock::now() + std::chrono::milliseconds(delay_millis);
  std::lock_guard<std::mutex> lock(mu_);
  if (!started_) {
    started_ = true;
    std::thread([this] {
      pthread_setname_np(pthread_self(), "tfsrp_deadline");
      Loop();
    }).detach();
  }
  const Id id = next_id_++;
  const bool earliest = due_.empty() || when < due_.begin()->first;
  due_.emplace(when, id);
  timers_.emplace(id, std::make_pair(when, std::move(fire)));
  if (earliest) wake_.notify_one();
  return id;
}

void DeadlineTimer::Cancel(Id id) {
  std::function<void()> dropped;  // destroyed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto found = timers_.find(id);
  if (found == timers_.end()) return;
  due_.erase(std::make_pair(found->second.first, id));
  dropped = std::move(found->second.second);
  timers_.erase(found);
}

void DeadlineTimer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (due_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const Clock::time_point next = due_.begin()->first;
    if (Clock::now() < next) {
      wake_.wait_until(lock, next);
      continue;
    }
    std::vector<std::function<void()>> expired;
    while (!due_.empty() && due_.begin()->first <= Clock::now()) {
      auto timer = timers_.find(due_.begin()->second);
      expired.push_back(std::move(timer->second.second));
      timers_.erase(timer);
      due_.erase(due_.begin());
    }
    lock.unlock();
    for (std::function<void()>& fire : expired) fire();
    expired.clear();
    lock.lock();
  }
}

}  // namespace tfsrp
