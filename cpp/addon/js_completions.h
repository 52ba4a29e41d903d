// Completions of native work, delivered on the JS thread through one
// ThreadSafeFunction per environment. It keeps the event loop alive only
// while work is pending.
#ifndef TFSRP_ADDON_JS_COMPLETIONS_H_
#define TFSRP_ADDON_JS_COMPLETIONS_H_

#include <napi.h>

#include <functional>
#include <mutex>

namespace tfsrp {

class JsCompletions {
 public:
  using Delivery = std::function<void(Napi::Env)>;

  static void Init(Napi::Env env);
  static JsCompletions& Of(Napi::Env env);

  // JS thread, once per piece of work, before it can complete.
  void Begin(Napi::Env env);
  // Any thread, once per Begin: runs `deliver` on the JS thread. Dropped
  // (destroyed without running, or leaked) once the environment is being
  // torn down, for example when its worker thread exits.
  void Post(Delivery deliver);

 private:
  static void Deliver(Napi::Env env, Napi::Function, JsCompletions* self, Delivery* delivery);
  using Queue = Napi::TypedThreadSafeFunction<JsCompletions, Delivery, Deliver>;

  Queue queue_;
  size_t pending_ = 0;  // JS thread only
  // Set by the environment's cleanup hook: the queue is gone after that.
  std::mutex mu_;
  bool closed_ = false;
};

}  // namespace tfsrp

#endif  // TFSRP_ADDON_JS_COMPLETIONS_H_
