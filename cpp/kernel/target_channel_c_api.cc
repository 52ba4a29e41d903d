// C entry points of the op library for channel options and metadata by target
// (see channel_options.h and target_metadata.h), for Python (ctypes), C and
// the Node addon. Both return 0, or -1 with a message in `error` (NUL
// terminated, truncated to error_size; error may be NULL).
#include <algorithm>
#include <cstring>
#include <string>

#include "cpp/kernel/channel_options.h"
#include "cpp/kernel/target_metadata.h"

namespace {

int Fail(const std::string& message, char* error, size_t error_size) {
  if (error != nullptr && error_size > 0) {
    const size_t n = std::min(message.size(), error_size - 1);
    std::memcpy(error, message.data(), n);
    error[n] = '\0';
  }
  return -1;
}

int Report(const absl::Status& status, char* error, size_t error_size) {
  return status.ok() ? 0 : Fail(std::string(status.message()), error, error_size);
}

}  // namespace

extern "C" {

// Kernels created afterwards that dial `target` use these channel options
// ("name=value;..." as in channel_options.h), each unless their own attrs set
// it; NULL or "" removes them.
__attribute__((visibility("default"))) int TfsrpSetTargetChannelOptions(const char* target,
                                                                        const char* options,
                                                                        char* error,
                                                                        size_t error_size) {
  if (target == nullptr || *target == '\0')
    return Fail("target must not be empty", error, error_size);
  return Report(tfsrp::SetTargetChannelOptions(target, options != nullptr ? options : ""), error,
                error_size);
}

// Every call to `target` carries these `count` entries from now on, including
// calls of existing kernels (count 0 removes them). value_lengths may be NULL
// for NUL-terminated values; binary values (keys ending in -bin) need it.
__attribute__((visibility("default"))) int TfsrpSetTargetMetadata(
    const char* target, const char* const* keys, const char* const* values,
    const size_t* value_lengths, size_t count, char* error, size_t error_size) {
  if (target == nullptr || *target == '\0')
    return Fail("target must not be empty", error, error_size);
  tfsrp::Metadata metadata;
  for (size_t i = 0; i < count; ++i) {
    if (keys[i] == nullptr || values[i] == nullptr) {
      return Fail("metadata keys and values must not be NULL", error, error_size);
    }
    const size_t length = value_lengths != nullptr ? value_lengths[i] : std::strlen(values[i]);
    metadata.emplace_back(keys[i], std::string(values[i], length));
  }
  return Report(tfsrp::SetTargetMetadata(target, std::move(metadata)), error, error_size);
}
}
