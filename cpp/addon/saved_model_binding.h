#ifndef TFSRP_ADDON_SAVED_MODEL_BINDING_H_
#define TFSRP_ADDON_SAVED_MODEL_BINDING_H_

#include <napi.h>

namespace tfsrp {

// loadSavedModel(request, onDone); runSavedModel(model, request, onDone) ->
// handle; cancelSavedModelRun(handle); disposeSavedModel(model);
// liveSavedModelSessions() (live model runtimes). Loads and compiles run on
// the SavedModel compute pool (never the event loop nor libuv's pool); a run
// holds no thread while it waits on remote calls. Everything completes
// through JsCompletions.
void InitSavedModelBinding(Napi::Env env, Napi::Object exports);

}  // namespace tfsrp

#endif  // TFSRP_ADDON_SAVED_MODEL_BINDING_H_
