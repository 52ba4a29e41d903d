#include "cpp/addon/saved_model_binding.h"

#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "cpp/addon/js_completions.h"
#include "cpp/addon/js_tensors.h"
#include "cpp/addon/tagged_external.h"
#include "cpp/savedmodel/compute_pool.h"
#include "cpp/savedmodel/model_runtime.h"
#include "cpp/savedmodel/saved_model.h"
#include "cpp/savedmodel/saved_model_servable.h"
#include "cpp/stubs/in_process_registry.h"

namespace tfsrp {
namespace {

using tensorflow::Tensor;

struct LoadedModel {
  std::mutex mu;
  std::shared_ptr<SavedModel> model;  // null once disposed
  std::set<SavedModelRun*> running;   // removed before they complete
  // Served in process from JS (serveInProcess); unserved by dispose.
  std::vector<std::shared_ptr<SavedModelServable>> served;
};
using ModelRef = std::shared_ptr<LoadedModel>;
using ModelHandle = TaggedExternal<ModelRef, 0x5d3e8b1f7a2c4e03, 0xa1c3e5f7092b4d24>;

struct PendingRun {
  Napi::FunctionReference on_done;
  std::shared_ptr<SavedModelRun> run;  // until delivered
  absl::StatusOr<std::vector<Tensor>> outputs;
  bool finished = false;  // JS thread only
};
using RunRef = std::shared_ptr<PendingRun>;
using RunHandle = TaggedExternal<RunRef, 0x3f6a9c2e5b8d1f04, 0xc2e4a6b8d0f21335>;

Napi::Object StatusToJs(Napi::Env env, const absl::Status& status) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("code", static_cast<int>(status.code()));
  result.Set("message", std::string(status.message()));
  return result;
}

Napi::Array SpecsToJs(Napi::Env env, const std::vector<TensorSpecInfo>& specs) {
  Napi::Array array = Napi::Array::New(env, specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    const TensorSpecInfo& spec = specs[i];
    Napi::Object js = Napi::Object::New(env);
    js.Set("name", spec.name);
    js.Set("tensorName", spec.tensor_name);
    js.Set("dtype", static_cast<int>(spec.dtype));
    if (spec.unknown_rank) {
      js.Set("shape", env.Null());
    } else {
      Napi::Array shape = Napi::Array::New(env, spec.dims.size());
      for (size_t d = 0; d < spec.dims.size(); ++d) {
        shape.Set(d, Napi::Number::New(env, static_cast<double>(spec.dims[d])));
      }
      js.Set("shape", shape);
    }
    array.Set(i, js);
  }
  return array;
}

Napi::Array SignaturesToJs(Napi::Env env, const std::vector<SignatureInfo>& signatures) {
  Napi::Array array = Napi::Array::New(env, signatures.size());
  for (size_t i = 0; i < signatures.size(); ++i) {
    Napi::Object js = Napi::Object::New(env);
    js.Set("name", signatures[i].name);
    js.Set("methodName", signatures[i].method_name);
    js.Set("inputs", SpecsToJs(env, signatures[i].inputs));
    js.Set("outputs", SpecsToJs(env, signatures[i].outputs));
    array.Set(i, js);
  }
  return array;
}

// loadSavedModel({exportDir, tags, targetOverrides: [[from, to]]}, onDone)
Napi::Value Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object request = info[0].As<Napi::Object>();
  SavedModelLoadOptions options;
  options.export_dir = request.Get("exportDir").As<Napi::String>().Utf8Value();
  options.tags = StringsFromJs(request, "tags");
  Napi::Array overrides = request.Get("targetOverrides").As<Napi::Array>();
  for (uint32_t i = 0; i < overrides.Length(); ++i) {
    Napi::Array pair = overrides.Get(i).As<Napi::Array>();
    options.target_overrides[pair.Get(0u).As<Napi::String>().Utf8Value()] =
        pair.Get(1u).As<Napi::String>().Utf8Value();
  }

  auto on_done =
      std::make_shared<Napi::FunctionReference>(Napi::Persistent(info[1].As<Napi::Function>()));
  JsCompletions& completions = JsCompletions::Of(env);
  completions.Begin(env);
  SavedModelComputePool().Schedule([options = std::move(options), on_done, &completions] {
    auto loaded =
        std::make_shared<absl::StatusOr<std::shared_ptr<SavedModel>>>(SavedModel::Load(options));
    completions.Post([loaded, on_done](Napi::Env env) {
      Napi::Object result = StatusToJs(env, loaded->status());
      if (loaded->ok()) {
        auto model = std::make_shared<LoadedModel>();
        model->model = **loaded;
        result.Set("signatures", SignaturesToJs(env, (**loaded)->signatures()));
        result.Set("model", ModelHandle::Wrap(env, new ModelRef(std::move(model))));
      }
      on_done->Call({result});
      on_done->Reset();
    });
  });
  return env.Undefined();
}

void DeliverRun(Napi::Env env, PendingRun& run) {
  run.finished = true;
  Napi::Object result = StatusToJs(env, run.outputs.status());
  if (run.outputs.ok()) {
    Napi::Array outputs = Napi::Array::New(env, run.outputs->size());
    for (size_t i = 0; i < run.outputs->size(); ++i) {
      outputs.Set(i, TensorToJs(env, (*run.outputs)[i]));
    }
    result.Set("outputs", outputs);
  }
  run.outputs = std::vector<Tensor>();
  run.run.reset();
  Napi::FunctionReference on_done = std::move(run.on_done);
  on_done.Call({result});
}

// runSavedModel(model, {inputs: [{tensorName, tensor}], outputs: [tensorName],
// timeoutMillis}, onDone) -> handle
Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ModelRef model = ModelHandle::Unwrap(info[0], "model");
  Napi::Object request = info[1].As<Napi::Object>();

  SavedModelRunRequest run_request;
  Napi::Array inputs = request.Get("inputs").As<Napi::Array>();
  for (uint32_t i = 0; i < inputs.Length(); ++i) {
    Napi::Object input = inputs.Get(i).As<Napi::Object>();
    const std::string name = input.Get("tensorName").As<Napi::String>().Utf8Value();
    run_request.feeds.emplace_back(
        name, TensorFromJs(input.Get("tensor").As<Napi::Object>(), "inputs." + name));
  }
  run_request.fetches = StringsFromJs(request, "outputs");
  run_request.timeout_millis = request.Get("timeoutMillis").As<Napi::Number>().Int64Value();

  auto pending = std::make_shared<PendingRun>();
  pending->on_done = Napi::Persistent(info[2].As<Napi::Function>());
  pending->run = std::make_shared<SavedModelRun>(std::move(run_request));
  SavedModelRun* run = pending->run.get();
  std::shared_ptr<SavedModel> saved;
  {
    std::lock_guard<std::mutex> lock(model->mu);
    saved = model->model;
    if (saved == nullptr) {
      throw Napi::Error::New(env, "the SavedModel has been disposed");
    }
    model->running.insert(run);
  }

  JsCompletions& completions = JsCompletions::Of(env);
  completions.Begin(env);
  // Returns once the graph's first ops are scheduled (or its compile is).
  saved->Start(pending->run,
               [model, pending, run, &completions](absl::StatusOr<std::vector<Tensor>> outputs) {
                 pending->outputs = std::move(outputs);
                 {
                   std::lock_guard<std::mutex> lock(model->mu);
                   model->running.erase(run);
                 }
                 completions.Post([pending](Napi::Env env) { DeliverRun(env, *pending); });
               });
  return RunHandle::Wrap(env, new RunRef(std::move(pending)));
}

Napi::Value CancelRun(const Napi::CallbackInfo& info) {
  PendingRun& pending = *RunHandle::Unwrap(info[0], "handle");
  if (!pending.finished) pending.run->Cancel();
  return info.Env().Undefined();
}

// Cancels the runs in flight and unserves what was served from this handle;
// the model's runtime goes when the last run ends. Cancelled outside the
// lock: a run may complete inside Cancel().
Napi::Value Dispose(const Napi::CallbackInfo& info) {
  ModelRef& model = ModelHandle::Unwrap(info[0], "model");
  std::vector<std::shared_ptr<SavedModelRun>> running;
  std::vector<std::shared_ptr<SavedModelServable>> served;
  std::shared_ptr<SavedModel> disposed;
  {
    std::lock_guard<std::mutex> lock(model->mu);
    disposed = std::move(model->model);
    served = std::move(model->served);
    for (SavedModelRun* run : model->running) running.push_back(run->shared_from_this());
  }
  for (const std::shared_ptr<SavedModelServable>& servable : served)
    UnserveInProcess(servable.get());
  for (const std::shared_ptr<SavedModelRun>& run : running) run->Cancel();
  return info.Env().Undefined();
}

Napi::Error StatusError(Napi::Env env, const absl::Status& status) {
  Napi::Error error = Napi::Error::New(env, std::string(status.message()));
  error.Set("code", Napi::Number::New(env, static_cast<int>(status.code())));
  return error;
}

// serveInProcess(model, name, version, labels): throws an Error with the
// status code when the registry refuses (checked in lib/ first).
Napi::Value ServeInProcessBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ModelRef& model = ModelHandle::Unwrap(info[0], "model");
  const std::string name = info[1].As<Napi::String>().Utf8Value();
  const int64_t version = info[2].As<Napi::Number>().Int64Value();
  std::vector<std::string> labels;
  Napi::Array js_labels = info[3].As<Napi::Array>();
  for (uint32_t i = 0; i < js_labels.Length(); ++i) {
    labels.push_back(js_labels.Get(i).As<Napi::String>().Utf8Value());
  }
  std::lock_guard<std::mutex> lock(model->mu);
  if (model->model == nullptr) throw Napi::Error::New(env, "the SavedModel has been disposed");
  auto servable = std::make_shared<SavedModelServable>(model->model);
  const absl::Status status = ServeInProcess(name, version, servable, labels);
  if (!status.ok()) throw StatusError(env, status);
  model->served.push_back(std::move(servable));
  return env.Undefined();
}

// unserveInProcess(name, version): version < 0 for every version.
Napi::Value UnserveInProcessBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const absl::Status status = UnserveInProcess(info[0].As<Napi::String>().Utf8Value(),
                                               info[1].As<Napi::Number>().Int64Value());
  if (!status.ok()) throw StatusError(env, status);
  return env.Undefined();
}

Napi::Value LiveSessions(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ModelRuntime::LiveCount()));
}

}  // namespace

void InitSavedModelBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("loadSavedModel", Napi::Function::New(env, Load));
  exports.Set("runSavedModel", Napi::Function::New(env, Run));
  exports.Set("cancelSavedModelRun", Napi::Function::New(env, CancelRun));
  exports.Set("disposeSavedModel", Napi::Function::New(env, Dispose));
  exports.Set("liveSavedModelSessions", Napi::Function::New(env, LiveSessions));
  exports.Set("serveInProcess", Napi::Function::New(env, ServeInProcessBinding));
  exports.Set("unserveInProcess", Napi::Function::New(env, UnserveInProcessBinding));
}

}  // namespace tfsrp
