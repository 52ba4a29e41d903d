// Completions of native work, delivered on the JS thread. Any thread posts;
// one ThreadSafeFunction call wakes the JS thread for a whole queue, which is
// then delivered in bounded slices (each followed by its promise
// continuations), yielding to the event loop through setImmediate between
// slices: a burst of completions cannot hold the loop. It keeps the event loop
// alive only while work is pending.
#ifndef TFSRP_ADDON_JS_COMPLETIONS_H_
#define TFSRP_ADDON_JS_COMPLETIONS_H_

#include <napi.h>

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <shared_mutex>

namespace tfsrp {

class JsCompletions {
 public:
  using Delivery = std::function<void(Napi::Env)>;

  // Deliveries per slice: each runs one completion callback, and the slice's
  // promise continuations (often the next call, whose cost grows with its
  // inputs) run after it. The size adapts to what a slice costs: from one
  // slice to the next, the event loop goes round once (the slice, its
  // continuations, timers, I/O), and that round is kept near kSliceBudget.
  static constexpr size_t kMinSliceDeliveries = 1;
  static constexpr size_t kInitialSliceDeliveries = 16;
  static constexpr size_t kMaxSliceDeliveries = 64;
  static constexpr std::chrono::microseconds kSliceBudget{1000};

  static void Init(Napi::Env env);
  static JsCompletions& Of(Napi::Env env);

  // JS thread, once per piece of work, before it can complete.
  void Begin(Napi::Env env);
  // JS thread: the pieces of work begun and not yet delivered, plus those
  // delivered by the last slice, whose continuations (often the next calls)
  // may be running now: a burst of completions delivered at once leaves few
  // pending while as many calls are about to start.
  size_t Busy() const { return pending_ + last_slice_deliveries_; }
  // Any thread, once per Begin: runs `deliver` on the JS thread. Dropped
  // (destroyed without running, or leaked) once the environment is being
  // torn down, for example when its worker thread exits.
  void Post(Delivery deliver);
  // JS thread, once: runs `hook` after each slice's deliveries, before its
  // promise continuations (CallResults hands a slice's results to JS there).
  void OnSliceEnd(Delivery hook) { slice_end_ = std::move(hook); }

 private:
  static void Wake(Napi::Env env, Napi::Function, JsCompletions* self, std::nullptr_t*);
  using Queue = Napi::TypedThreadSafeFunction<JsCompletions, std::nullptr_t, Wake>;

  // JS thread: delivers one slice, then schedules the next one or goes idle.
  void DeliverSlice(Napi::Env env);
  void Deliver(Napi::Env env, Delivery& delivery);

  // JS thread: sizes the next slice from how long the last round took.
  void AdaptSliceSize(std::chrono::steady_clock::time_point now);

  Queue wake_;
  Napi::FunctionReference next_slice_;                 // calls DeliverSlice from setImmediate
  Delivery slice_end_;                                 // JS thread only
  size_t pending_ = 0;                                 // JS thread only
  size_t last_slice_deliveries_ = 0;                   // JS thread only
  size_t slice_deliveries_ = kInitialSliceDeliveries;  // JS thread only
  // When the last slice started, if it scheduled the next one (JS thread only).
  std::chrono::steady_clock::time_point last_slice_start_;
  bool next_slice_scheduled_ = false;

  std::mutex mu_;
  std::deque<Delivery> queue_;  // guarded by mu_
  bool awake_ = false;          // a wake is posted or slices are running; guarded by mu_
  // Set by the environment's cleanup hook: the wake queue is gone after that.
  bool closed_ = false;  // guarded by mu_
  // Held (shared) by every wake, and by the cleanup hook before the wake queue goes.
  std::shared_mutex wake_mu_;
  bool wake_closed_ = false;  // guarded by wake_mu_
};

}  // namespace tfsrp

#endif  // TFSRP_ADDON_JS_COMPLETIONS_H_
