// DeadlineTimer: one thread fires every run's deadline, in deadline order;
// cancelled deadlines never fire; a deadline may cancel from inside its fire.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "cpp/savedmodel/deadline_timer.h"

namespace tfsrp {
namespace {

class Fired {
 public:
  void Add(int id) {
    std::lock_guard<std::mutex> lock(mu_);
    ids_.push_back(id);
    changed_.notify_all();
  }
  std::vector<int> WaitFor(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_for(lock, std::chrono::seconds(5), [&] { return ids_.size() >= count; });
    return ids_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<int> ids_;
};

TEST(DeadlineTimerTest, FiresInDeadlineOrderAndSkipsCancelled) {
  DeadlineTimer& timer = DeadlineTimer::Shared();
  Fired fired;
  timer.Schedule(120, [&] { fired.Add(3); });
  const DeadlineTimer::Id cancelled = timer.Schedule(60, [&] { fired.Add(99); });
  timer.Schedule(30, [&] { fired.Add(1); });
  timer.Schedule(90, [&] { fired.Add(2); });
  timer.Cancel(cancelled);
  timer.Cancel(cancelled);  // twice: a no-op
  EXPECT_EQ(fired.WaitFor(3), (std::vector<int>{1, 2, 3}));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(fired.WaitFor(3).size(), 3u);
}

TEST(DeadlineTimerTest, AFireMayCancelAndSchedule) {
  DeadlineTimer& timer = DeadlineTimer::Shared();
  Fired fired;
  DeadlineTimer::Id self = 0;
  self = timer.Schedule(10, [&] {
    timer.Cancel(self);  // already fired: must not deadlock
    timer.Schedule(10, [&] { fired.Add(2); });
    fired.Add(1);
  });
  EXPECT_EQ(fired.WaitFor(2), (std::vector<int>{1, 2}));
}

TEST(DeadlineTimerTest, ManyDeadlinesOneThread) {
  DeadlineTimer& timer = DeadlineTimer::Shared();
  Fired fired;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) timer.Schedule(50, [&, i] { fired.Add(i); });
  EXPECT_EQ(fired.WaitFor(1000).size(), 1000u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

}  // namespace
}  // namespace tfsrp
