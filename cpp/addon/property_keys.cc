#include "cpp/addon/property_keys.h"

#include <array>

namespace tfsrp {
namespace {

constexpr std::array<const char*, static_cast<size_t>(PropertyKey::kCount)> kNames = {
    "dtype", "shape", "data"};

// One environment per thread (the main thread's, or a worker's): the keys of
// the environment running on this thread, as elements of an array (Node-API 8
// references only objects, not strings). Node deletes the reference with the
// environment; the cleanup hook only forgets it.
struct EnvironmentKeys {
  napi_env env = nullptr;
  napi_ref names = nullptr;
};
thread_local EnvironmentKeys keys;

void MakeKeys(Napi::Env env) {
  Napi::Array names = Napi::Array::New(env, kNames.size());
  for (size_t i = 0; i < kNames.size(); ++i) {
    names.Set(static_cast<uint32_t>(i), Napi::String::New(env, kNames[i]));
  }
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_reference(env, names, 1, &keys.names));
  keys.env = env;
  napi_add_env_cleanup_hook(
      env, [](void*) { keys = EnvironmentKeys(); }, nullptr);
}

}  // namespace

Napi::Value Key(Napi::Env env, PropertyKey key) {
  if (keys.env != env) MakeKeys(env);
  napi_value names;
  napi_value value;
  NAPI_THROW_IF_FAILED(env, napi_get_reference_value(env, keys.names, &names), Napi::Value());
  NAPI_THROW_IF_FAILED(env, napi_get_element(env, names, static_cast<uint32_t>(key), &value),
                       Napi::Value());
  return Napi::Value(env, value);
}

}  // namespace tfsrp
