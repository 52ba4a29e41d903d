// The SavedModel half of the addon (tfsrp_saved_model.node), loaded on the
// first loadSavedModel(): it links libtensorflow_cc for the session API, which
// a process that only makes direct calls never maps.
#include <napi.h>

#include "cpp/addon/js_completions.h"
#include "cpp/addon/saved_model_binding.h"

namespace tfsrp {
namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  JsCompletions::Init(env);
  InitSavedModelBinding(env, exports);
  return exports;
}

}  // namespace
}  // namespace tfsrp

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return tfsrp::Init(env, exports);
}

NODE_API_MODULE(tfsrp_saved_model, InitModule)
