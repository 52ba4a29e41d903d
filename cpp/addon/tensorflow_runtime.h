// The libtensorflow this process actually loaded, and our op library in it.
#ifndef TFSRP_ADDON_TENSORFLOW_RUNTIME_H_
#define TFSRP_ADDON_TENSORFLOW_RUNTIME_H_

#include <cstdint>
#include <string>
#include <vector>

namespace tfsrp {

const char* BuiltAgainstTensorflowVersion();
const char* LoadedTensorflowVersion();

// Empty when the loaded libtensorflow is the one we were built against,
// else a message naming both versions.
std::string TensorflowVersionMismatch();

// The op library next to this addon (libtfserving_remote_predict_op.so).
std::string OpLibraryPath();

// Loads the op library into TensorFlow (registering the op); idempotent.
// Returns an empty string on success, else the error.
std::string LoadOpLibrary();

std::vector<std::string> RegisteredOpNames();

// Sets the op library's process-wide tensor encoding ("tensor_content" or
// "typed_fields"); false for an unknown name.
bool SetTensorEncoding(const std::string& name);

// Sets (or, with an empty `to`, removes) a process-wide target override in
// the op library; false when `from` is empty.
bool SetTargetOverride(const std::string& from, const std::string& to);

// Registers PEM credentials ("" for absent) in the op library; returns their
// id (>= 1), or -1 when the op library lacks the entry point.
int64_t RegisterTlsCredentials(const std::string& root_certificates,
                               const std::string& private_key,
                               const std::string& certificate_chain);

// Kernels created afterwards that dial `target` use credentials `id` (0:
// none); false for an unknown id.
bool SetTargetTlsCredentials(const std::string& target, int64_t id);

// A symbol exported by the op library, or nullptr.
void* OpLibrarySymbol(const char* name);

}  // namespace tfsrp

#endif  // TFSRP_ADDON_TENSORFLOW_RUNTIME_H_
