#include "cpp/addon/js_completions.h"

#include <memory>

namespace tfsrp {
namespace {

void KeepAlive(Napi::Env, JsCompletions*) {}

}  // namespace

void JsCompletions::Init(Napi::Env env) {
  auto* completions = new JsCompletions;
  completions->queue_ = Queue::New(env, "tfserving-remote-predict", 0, 1, completions);
  completions->queue_.Unref(env);
  // Never deleted: work completing on other threads may still post after the
  // environment is gone (the queue then refuses the call).
  env.SetInstanceData<JsCompletions, KeepAlive>(completions);
  napi_add_env_cleanup_hook(
      env,
      [](void* data) {
        auto* self = static_cast<JsCompletions*>(data);
        std::lock_guard<std::mutex> lock(self->mu_);
        self->closed_ = true;
      },
      completions);
}

JsCompletions& JsCompletions::Of(Napi::Env env) { return *env.GetInstanceData<JsCompletions>(); }

void JsCompletions::Begin(Napi::Env env) {
  if (pending_++ == 0) queue_.Ref(env);
}

void JsCompletions::Post(Delivery deliver) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) {
    // What it holds belongs to a dead environment: leak it rather than
    // destroy JS references off their thread.
    new Delivery(std::move(deliver));
    return;
  }
  auto* delivery = new Delivery(std::move(deliver));
  // Fails only while the environment shuts down; the delivery is then leaked.
  queue_.NonBlockingCall(delivery);
}

void JsCompletions::Deliver(Napi::Env env, Napi::Function, JsCompletions* self,
                            Delivery* delivery) {
  std::unique_ptr<Delivery> owned(delivery);
  if (env == nullptr) return;  // the environment is being torn down
  if (--self->pending_ == 0) self->queue_.Unref(env);
  Napi::HandleScope scope(env);
  try {
    (*owned)(env);
  } catch (const Napi::Error& error) {
    // Back into JS, as node-addon-api's wrapper would do. A worker being
    // terminated no longer runs JS: its napi calls fail (the delivery throws)
    // and so does throwing, which must not escape this C callback
    // (std::terminate); there is no one left to tell.
    try {
      error.ThrowAsJavaScriptException();
    } catch (const Napi::Error&) {
    }
  }
}

}  // namespace tfsrp
