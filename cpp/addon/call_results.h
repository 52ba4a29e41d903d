// Results of direct calls, handed to JS a slice at a time: every result
// delivered in one JsCompletions slice goes to JS in a single call of the
// handler lib/ registers, instead of one call (and one function reference)
// per result (docs/ARCHITECTURE.md#results-a-slice-at-a-time).
#ifndef TFSRP_ADDON_CALL_RESULTS_H_
#define TFSRP_ADDON_CALL_RESULTS_H_

#include <napi.h>

#include <vector>

#include "cpp/addon/js_completions.h"
#include "cpp/direct/remote_predict_call.h"

namespace tfsrp {

class CallResults {
 public:
  // Numeric outputs up to this size travel in the slice's shared bytes and
  // are copied out in JS; larger ones (and strings) as their own values.
  static constexpr size_t kSharedOutputBytes = 4096;

  // Per environment; never deleted (results may still be posted after it is
  // gone, and are dropped with the completions queue then).
  static CallResults* New(Napi::Env env, JsCompletions& completions);

  // handler(results, bytes, values, messages), once per slice with results:
  //   results: Float64Array; per result
  //     id, code, message, statusCode, statusErrorMessage, outputCount,
  //   then per output
  //     DataType, rank, dims..., value, byteOffset, byteLength,
  //   where a message is an index into `messages` (-1: empty) and an output's
  //   data is values[value] (an ArrayBuffer, or for strings an array of
  //   Uint8Array) or, when value is -1, bytes [byteOffset, +byteLength)
  //   (byteOffset a multiple of 8).
  //   bytes: ArrayBuffer; values, messages: arrays.
  void SetHandler(Napi::Function handler);

  // JS thread, from a delivery: the result of call `id`.
  void Add(double id, RemotePredictCallResult result);

 private:
  struct Entry {
    double id;
    RemotePredictCallResult result;
  };

  // JS thread, at the end of each slice.
  void Flush(Napi::Env env);

  Napi::FunctionReference handler_;
  std::vector<Entry> entries_;
};

}  // namespace tfsrp

#endif  // TFSRP_ADDON_CALL_RESULTS_H_
