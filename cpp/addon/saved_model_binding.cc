#include "cpp/addon/saved_model_binding.h"

#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "cpp/addon/js_completions.h"
#include "cpp/addon/js_tensors.h"
#include "cpp/savedmodel/compute_pool.h"
#include "cpp/savedmodel/model_runtime.h"
#include "cpp/savedmodel/saved_model.h"

namespace tfsrp {
namespace {

using tensorflow::Tensor;

struct LoadedModel {
  std::mutex mu;
  std::shared_ptr<SavedModel> model;  // null once disposed
  std::set<SavedModelRun*> running;   // removed before they complete
};
using ModelRef = std::shared_ptr<LoadedModel>;

struct PendingRun {
  Napi::FunctionReference on_done;
  std::shared_ptr<SavedModelRun> run;  // until delivered
  absl::StatusOr<std::vector<Tensor>> outputs;
  bool finished = false;  // JS thread only
};
using RunRef = std::shared_ptr<PendingRun>;

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

ModelRef& ModelOf(const Napi::Value& value) {
  return *value.As<Napi::External<ModelRef>>().Data();
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

  auto on_done = std::make_shared<Napi::FunctionReference>(
      Napi::Persistent(info[1].As<Napi::Function>()));
  JsCompletions& completions = JsCompletions::Of(env);
  completions.Begin(env);
  SavedModelComputePool().Schedule([options = std::move(options), on_done, &completions] {
    auto loaded = std::make_shared<absl::StatusOr<std::shared_ptr<SavedModel>>>(
        SavedModel::Load(options));
    completions.Post([loaded, on_done](Napi::Env env) {
      Napi::Object result = StatusToJs(env, loaded->status());
      if (loaded->ok()) {
        auto model = std::make_shared<LoadedModel>();
        model->model = **loaded;
        result.Set("signatures", SignaturesToJs(env, (**loaded)->signatures()));
        result.Set("model", Napi::External<ModelRef>::New(
                                env, new ModelRef(std::move(model)),
                                [](Napi::Env, ModelRef* held) { delete held; }));
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
  ModelRef model = ModelOf(info[0]);
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
  saved->Start(pending->run, [model, pending, run, &completions](
                                 absl::StatusOr<std::vector<Tensor>> outputs) {
    pending->outputs = std::move(outputs);
    {
      std::lock_guard<std::mutex> lock(model->mu);
      model->running.erase(run);
    }
    completions.Post([pending](Napi::Env env) { DeliverRun(env, *pending); });
  });
  return Napi::External<RunRef>::New(env, new RunRef(std::move(pending)),
                                     [](Napi::Env, RunRef* held) { delete held; });
}

Napi::Value CancelRun(const Napi::CallbackInfo& info) {
  PendingRun& pending = **info[0].As<Napi::External<RunRef>>().Data();
  if (!pending.finished) pending.run->Cancel();
  return info.Env().Undefined();
}

// Cancels the runs in flight; the model's runtime goes when the last of them
// ends. Cancelled outside the lock: a run may complete inside Cancel().
Napi::Value Dispose(const Napi::CallbackInfo& info) {
  ModelRef& model = ModelOf(info[0]);
  std::vector<std::shared_ptr<SavedModelRun>> running;
  std::shared_ptr<SavedModel> disposed;
  {
    std::lock_guard<std::mutex> lock(model->mu);
    disposed = std::move(model->model);
    for (SavedModelRun* run : model->running) running.push_back(run->shared_from_this());
  }
  for (const std::shared_ptr<SavedModelRun>& run : running) run->Cancel();
  return info.Env().Undefined();
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
}

}  // namespace tfsrp
