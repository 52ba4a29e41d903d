#ifndef TFSRP_ADDON_RUN_GRAPH_WORKER_H_
#define TFSRP_ADDON_RUN_GRAPH_WORKER_H_

#include <napi.h>

namespace tfsrp {

// runRemotePredictGraph(call): Promise<result>; the session runs on a worker
// thread, never on the event loop.
Napi::Value RunRemotePredictGraphJs(const Napi::CallbackInfo& info);

}  // namespace tfsrp

#endif  // TFSRP_ADDON_RUN_GRAPH_WORKER_H_
