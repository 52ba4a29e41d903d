// The libtensorflow this process actually loaded, and our op library in it.
#ifndef TFSRP_ADDON_TENSORFLOW_RUNTIME_H_
#define TFSRP_ADDON_TENSORFLOW_RUNTIME_H_

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

// A symbol exported by the op library, or nullptr.
void* OpLibrarySymbol(const char* name);

}  // namespace tfsrp

#endif  // TFSRP_ADDON_TENSORFLOW_RUNTIME_H_
