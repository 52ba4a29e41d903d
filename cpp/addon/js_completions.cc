#include "cpp/addon/js_completions.h"

#include <algorithm>
#include <vector>

namespace tfsrp {
namespace {

void KeepAlive(Napi::Env, JsCompletions*) {}

}  // namespace

void JsCompletions::Init(Napi::Env env) {
  auto* completions = new JsCompletions;
  completions->wake_ = Queue::New(env, "tfserving-remote-predict", 0, 1, completions);
  completions->wake_.Unref(env);
  completions->next_slice_ = Napi::Persistent(Napi::Function::New(
      env, [](const Napi::CallbackInfo& info) { Of(info.Env()).DeliverSlice(info.Env()); },
      "tfserving-remote-predict:completions"));
  // Never deleted: work completing on other threads may still post after the
  // environment is gone (the queue then refuses the call).
  env.SetInstanceData<JsCompletions, KeepAlive>(completions);
  napi_add_env_cleanup_hook(
      env,
      [](void* data) {
        auto* self = static_cast<JsCompletions*>(data);
        {
          std::unique_lock<std::shared_mutex> wake_lock(self->wake_mu_);
          self->wake_closed_ = true;
        }
        std::lock_guard<std::mutex> lock(self->mu_);
        self->closed_ = true;
        // What the deliveries hold belongs to a dead environment: leak them
        // rather than destroy JS references off their thread.
        new std::deque<Delivery>(std::move(self->queue_));
      },
      completions);
}

JsCompletions& JsCompletions::Of(Napi::Env env) {
  return *env.GetInstanceData<JsCompletions>();
}

void JsCompletions::Begin(Napi::Env env) {
  if (pending_++ == 0) wake_.Ref(env);
}

void JsCompletions::Post(Delivery deliver) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) {
      new Delivery(std::move(deliver));  // leaked, as above
      return;
    }
    queue_.push_back(std::move(deliver));
    if (awake_) return;  // the running slices will take it
    awake_ = true;
  }
  // Not under mu_: the wake-up can run the JS thread at once, on this core,
  // and DeliverSlice() then needs mu_ (with it held here, the JS thread slept
  // until this thread ran again). The wake queue lives until the environment's
  // cleanup hook, which waits for wakes in progress.
  std::shared_lock<std::shared_mutex> lock(wake_mu_);
  // Fails only while the environment shuts down; the queue is leaked then.
  if (!wake_closed_) wake_.NonBlockingCall(nullptr);
}

void JsCompletions::Wake(Napi::Env env, Napi::Function, JsCompletions* self, std::nullptr_t*) {
  if (env == nullptr) return;  // the environment is being torn down
  self->DeliverSlice(env);
}

void JsCompletions::AdaptSliceSize(std::chrono::steady_clock::time_point now) {
  if (!next_slice_scheduled_) return;  // woken from idle: nothing to measure
  const auto round = now - last_slice_start_;
  if (round > kSliceBudget) {
    slice_deliveries_ = std::max(kMinSliceDeliveries, slice_deliveries_ / 2);
  } else if (round < kSliceBudget / 2) {
    slice_deliveries_ = std::min(kMaxSliceDeliveries, slice_deliveries_ * 2);
  }
}

void JsCompletions::DeliverSlice(Napi::Env env) {
  const auto now = std::chrono::steady_clock::now();
  AdaptSliceSize(now);
  last_slice_start_ = now;
  std::vector<Delivery> slice;
  bool more;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    while (!queue_.empty() && slice.size() < slice_deliveries_) {
      slice.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    more = !queue_.empty();
    if (!more) awake_ = false;
  }
  Napi::HandleScope scope(env);
  last_slice_deliveries_ = slice.size();
  next_slice_scheduled_ = more;
  if (more) {
    // Before delivering: setImmediate runs after this callback's microtasks,
    // timers and I/O get their turn in between.
    try {
      env.Global().Get("setImmediate").As<Napi::Function>().Call({next_slice_.Value()});
    } catch (const Napi::Error&) {
      // A terminating environment runs no more JS; nothing is left to deliver to.
    }
  }
  for (Delivery& delivery : slice) Deliver(env, delivery);
  if (slice_end_) slice_end_(env);
}

void JsCompletions::Deliver(Napi::Env env, Delivery& delivery) {
  if (--pending_ == 0) wake_.Unref(env);
  Napi::HandleScope scope(env);
  try {
    delivery(env);
  } catch (const Napi::Error& error) {
    // A callback threw: report it as uncaught, as an exception from a
    // callback of Node's own would be, and go on with the others. A worker
    // being terminated no longer runs JS: there is no one left to tell.
    napi_fatal_exception(env, error.Value());
  }
  delivery = nullptr;
}

}  // namespace tfsrp
