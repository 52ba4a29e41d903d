// Native handles given to JS as type-tagged externals: a handle of another
// kind (or any other value) passed back is a TypeError naming the argument,
// never a wild pointer.
#ifndef TFSRP_ADDON_TAGGED_EXTERNAL_H_
#define TFSRP_ADDON_TAGGED_EXTERNAL_H_

#include <napi.h>

#include <string>

namespace tfsrp {

// One per handle kind; (kLower, kUpper) is its distinct 128-bit tag.
template <typename T, uint64_t kLower, uint64_t kUpper>
struct TaggedExternal {
  static constexpr napi_type_tag kTag = {kLower, kUpper};

  // Takes ownership of `held` (deleted when the external is collected).
  static Napi::External<T> Wrap(Napi::Env env, T* held) {
    Napi::External<T> external =
        Napi::External<T>::New(env, held, [](Napi::Env, T* owned) { delete owned; });
    external.TypeTag(&kTag);
    return external;
  }

  static T& Unwrap(const Napi::Value& value, const char* what) {
    if (!value.IsExternal() || !value.As<Napi::External<T>>().CheckTypeTag(&kTag)) {
      throw Napi::TypeError::New(value.Env(),
                                 std::string(what) + " is not a handle of the right kind");
    }
    return *value.As<Napi::External<T>>().Data();
  }
};

}  // namespace tfsrp

#endif  // TFSRP_ADDON_TAGGED_EXTERNAL_H_
