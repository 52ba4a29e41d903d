// StartQueue: every task runs once, whichever thread posts it; a task that
// blocks does not hold up the others; tasks run on the queue's named threads.
#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cpp/addon/start_queue.h"

namespace tfsrp {
namespace {

class Counter {
 public:
  void Add() {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
    changed_.notify_all();
  }
  int WaitFor(int count) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_for(lock, std::chrono::seconds(10), [&] { return count_ >= count; });
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int count_ = 0;
};

TEST(StartQueueTest, RunsEveryTaskOnceFromManyPostingThreads) {
  constexpr int kThreads = 4;
  constexpr int kTasksEach = 20000;
  Counter done;
  std::vector<std::atomic<int>> runs(kThreads * kTasksEach);
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&, t] {
      for (int i = 0; i < kTasksEach; ++i) {
        StartQueue::Get().Post([&, id = t * kTasksEach + i] {
          runs[id].fetch_add(1);
          done.Add();
        });
      }
    });
  }
  for (std::thread& poster : posters) poster.join();
  ASSERT_EQ(done.WaitFor(kThreads * kTasksEach), kThreads * kTasksEach);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (const std::atomic<int>& count : runs) ASSERT_EQ(count.load(), 1);
}

TEST(StartQueueTest, ABlockedTaskDoesNotHoldUpTheOthers) {
  std::mutex mu;
  std::condition_variable released_cv;
  bool released = false;
  Counter started;
  StartQueue::Get().Post([&] {
    started.Add();
    std::unique_lock<std::mutex> lock(mu);
    released_cv.wait(lock, [&] { return released; });
  });
  ASSERT_EQ(started.WaitFor(1), 1);
  Counter done;
  for (int i = 0; i < 100; ++i) StartQueue::Get().Post([&] { done.Add(); });
  EXPECT_EQ(done.WaitFor(100), 100);
  {
    std::lock_guard<std::mutex> lock(mu);
    released = true;
  }
  released_cv.notify_all();
}

TEST(StartQueueTest, TasksRunOnTheQueuesNamedThreads) {
  std::mutex mu;
  std::vector<std::string> names;
  Counter done;
  for (int i = 0; i < 50; ++i) {
    StartQueue::Get().Post([&] {
      char name[16] = {};
      pthread_getname_np(pthread_self(), name, sizeof(name));
      {
        std::lock_guard<std::mutex> lock(mu);
        names.emplace_back(name);
      }
      done.Add();
    });
  }
  ASSERT_EQ(done.WaitFor(50), 50);
  std::lock_guard<std::mutex> lock(mu);
  for (const std::string& name : names) EXPECT_EQ(name, "tfsrp_start");
}

}  // namespace
}  // namespace tfsrp
