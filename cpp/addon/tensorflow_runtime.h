// The libtensorflow this process actually loaded, and our op library in it.
// Needs only libtensorflow_framework (never the C API in libtensorflow_cc).
#ifndef TFSRP_ADDON_TENSORFLOW_RUNTIME_H_
#define TFSRP_ADDON_TENSORFLOW_RUNTIME_H_

#include <string>
#include <vector>

namespace tfsrp {

const char* BuiltAgainstTensorflowVersion();

// TF_Version() when a TensorFlow C API library is in the process; otherwise
// the framework is ours (the guard checked the mapped files), so its version
// is the one we were built against.
std::string LoadedTensorflowVersion();

// Empty when the loaded libtensorflow is the one we were built against,
// else a message naming both versions.
std::string TensorflowVersionMismatch();

// Loads the op library into TensorFlow (registering the op and its kernel);
// idempotent. Returns an empty string on success, else the error.
std::string LoadOpLibrary();

std::vector<std::string> RegisteredOpNames();

}  // namespace tfsrp

#endif  // TFSRP_ADDON_TENSORFLOW_RUNTIME_H_
