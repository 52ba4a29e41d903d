#ifndef TFSRP_ADDON_SAVED_MODEL_BINDING_H_
#define TFSRP_ADDON_SAVED_MODEL_BINDING_H_

#include <napi.h>

namespace tfsrp {

// loadSavedModel(request, onDone); runSavedModel(model, request, onDone) ->
// handle; cancelSavedModelRun(handle); disposeSavedModel(model);
// liveSavedModelSessions(). Loads and runs block a thread of a dedicated
// pool (never the event loop nor libuv's pool) and complete through
// JsCompletions.
void InitSavedModelBinding(Napi::Env env, Napi::Object exports);

}  // namespace tfsrp

#endif  // TFSRP_ADDON_SAVED_MODEL_BINDING_H_
