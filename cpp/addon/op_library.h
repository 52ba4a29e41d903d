// The op library next to this addon (libtfserving_remote_predict_op.so): its
// path, and its process-wide settings reached through its C entry points.
// Used by both addon modules; needs no TensorFlow library.
#ifndef TFSRP_ADDON_OP_LIBRARY_H_
#define TFSRP_ADDON_OP_LIBRARY_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tfsrp {

std::string OpLibraryPath();

// A symbol exported by the op library once it is loaded, or nullptr.
void* OpLibrarySymbol(const char* name);

// Sets the op library's process-wide tensor encoding ("tensor_content" or
// "typed_fields"); false for an unknown name.
bool SetTensorEncoding(const std::string& name);

// Sets (or, with an empty `to`, removes) a process-wide target override in
// the op library; false when `from` is empty.
bool SetTargetOverride(const std::string& from, const std::string& to);

// Registers PEM credentials ("" for absent) in the op library; returns their
// id (>= 1), or -1 when the op library lacks the entry point.
int64_t RegisterTlsCredentials(const std::string& root_certificates, const std::string& private_key,
                               const std::string& certificate_chain);

// Kernels created afterwards that dial `target` use credentials `id` (0:
// none); false for an unknown id.
bool SetTargetTlsCredentials(const std::string& target, int64_t id);

// Kernels created afterwards that dial `target` use these channel options
// ("name=value;...", cpp/kernel/channel_options.h; "" removes them). Returns
// "" or the op library's error.
std::string SetTargetChannelOptions(const std::string& target, const std::string& options);

// Every call to `target` carries this metadata (empty: none) from now on.
// Returns "" or the op library's error.
std::string SetTargetMetadata(const std::string& target,
                              const std::vector<std::pair<std::string, std::string>>& metadata);

}  // namespace tfsrp

#endif  // TFSRP_ADDON_OP_LIBRARY_H_
