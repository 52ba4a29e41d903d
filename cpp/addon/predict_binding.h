#ifndef TFSRP_ADDON_PREDICT_BINDING_H_
#define TFSRP_ADDON_PREDICT_BINDING_H_

#include <napi.h>

#include "cpp/stubs/call_options.h"

namespace tfsrp {

// prepare(spec) -> prepared (the kernel for an option set, with its alias
// tensors); call(prepared, inputTensors, id, cancellable) -> handle when
// cancellable; cancel(handle); setCallResultHandler(handler). Each call runs
// the registered TfServingRemotePredict kernel directly (ComputeAsync, no
// thread per call) and completes on the JS thread through JsCompletions, which
// keeps the event loop alive only while calls are in flight; results reach
// the handler a slice at a time (CallResults).
void InitPredictBinding(Napi::Env env, Napi::Object exports);

// [key, value, key, value, ...] with string or Uint8Array values (checked by
// lib/) -> Metadata.
Metadata MetadataFromJs(const Napi::Array& flat);

}  // namespace tfsrp

#endif  // TFSRP_ADDON_PREDICT_BINDING_H_
