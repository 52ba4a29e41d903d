#include "cpp/addon/call_results.h"

#include <cstring>
#include <iterator>
#include <string_view>

#include "cpp/addon/js_tensors.h"

namespace tfsrp {
namespace {

// Shared outputs start at multiples of 8 bytes, so that JS can view them as
// typed arrays of their dtype.
size_t SharedSpan(size_t bytes) {
  return (bytes + 7) & ~size_t{7};
}

bool Shared(const tensorflow::Tensor& tensor) {
  return tensor.dtype() != tensorflow::DT_STRING &&
         tensor.TotalBytes() <= CallResults::kSharedOutputBytes;
}

// Where the strings of a slice go: an index into `messages`, -1 for none.
class Messages {
 public:
  explicit Messages(Napi::Env env) : array_(Napi::Array::New(env)) {}
  double Add(std::string_view message) {
    if (message.empty()) return -1;
    array_.Set(count_, Napi::String::New(array_.Env(), message.data(), message.size()));
    return count_++;
  }
  Napi::Array array() const { return array_; }

 private:
  Napi::Array array_;
  uint32_t count_ = 0;
};

}  // namespace

CallResults* CallResults::New(Napi::Env, JsCompletions& completions) {
  auto* results = new CallResults;
  completions.OnSliceEnd([results](Napi::Env env) { results->Flush(env); });
  return results;
}

void CallResults::SetHandler(Napi::Function handler) {
  handler_ = Napi::Persistent(handler);
}

void CallResults::Add(double id, RemotePredictCallResult result) {
  entries_.push_back(Entry{id, std::move(result)});
}

void CallResults::Flush(Napi::Env env) {
  if (entries_.empty()) return;
  std::vector<Entry> entries;
  entries.swap(entries_);
  if (handler_.IsEmpty()) return;  // lib/ never loaded: nobody waits for them

  size_t doubles = 0;
  size_t shared_bytes = 0;
  for (const Entry& entry : entries) {
    doubles += 6;
    for (const tensorflow::Tensor& output : entry.result.outputs) {
      doubles += 5 + output.dims();
      if (Shared(output)) shared_bytes += SharedSpan(output.TotalBytes());
    }
  }
  Napi::ArrayBuffer layout_buffer = Napi::ArrayBuffer::New(env, doubles * sizeof(double));
  Napi::ArrayBuffer bytes = Napi::ArrayBuffer::New(env, shared_bytes);
  Napi::Array values = Napi::Array::New(env);
  Messages messages(env);
  double* at = static_cast<double*>(layout_buffer.Data());
  char* bytes_at = static_cast<char*>(bytes.Data());
  uint32_t value_count = 0;
  for (Entry& entry : entries) {
    RemotePredictCallResult& r = entry.result;
    *at++ = entry.id;
    *at++ = static_cast<int>(r.status.code());
    *at++ = messages.Add(r.status.message());
    *at++ = r.status_code;
    *at++ = messages.Add(r.status_error_message);
    *at++ = static_cast<double>(r.outputs.size());
    for (const tensorflow::Tensor& output : r.outputs) {
      *at++ = output.dtype();
      *at++ = output.dims();
      for (int i = 0; i < output.dims(); ++i) *at++ = static_cast<double>(output.dim_size(i));
      if (Shared(output)) {
        const absl::string_view data = output.tensor_data();
        *at++ = -1;
        *at++ = static_cast<double>(bytes_at - static_cast<char*>(bytes.Data()));
        *at++ = static_cast<double>(data.size());
        if (!data.empty()) std::memcpy(bytes_at, data.data(), data.size());
        bytes_at += SharedSpan(data.size());
      } else {
        values.Set(value_count, TensorDataToJs(env, output));
        *at++ = value_count++;
        *at++ = 0;
        *at++ = 0;
      }
    }
    r = RemotePredictCallResult();  // the outputs' memory, before JS runs
  }
  entries.clear();
  const napi_value args[] = {
      Napi::Float64Array::New(env, doubles, layout_buffer, 0),
      bytes,
      values,
      messages.array(),
  };
  try {
    handler_.Call(env.Undefined(), std::size(args), args);
  } catch (const Napi::Error& error) {
    // The handler settles each call on its own; it throws only if lib/ is
    // broken, or in a worker being terminated (no JS runs there any more).
    napi_fatal_exception(env, error.Value());
  }
}

}  // namespace tfsrp
