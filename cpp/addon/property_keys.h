// Property names as JS strings, made once per environment: getting or setting
// a property by a C string makes and internalizes a new JS string every time,
// which the per-call paths (inputs in, results out) cannot afford.
#ifndef TFSRP_ADDON_PROPERTY_KEYS_H_
#define TFSRP_ADDON_PROPERTY_KEYS_H_

#include <napi.h>

namespace tfsrp {

enum class PropertyKey { kDtype, kShape, kData, kCount };

// JS thread only. The strings live as long as the environment.
Napi::Value Key(Napi::Env env, PropertyKey key);

}  // namespace tfsrp

#endif  // TFSRP_ADDON_PROPERTY_KEYS_H_
