#include "cpp/addon/tensorflow_runtime.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

#include "cpp/addon/op_library.h"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_def.pb.h"
#include "tensorflow/core/public/release_version.h"

namespace tensorflow {
// What TF_LoadLibrary calls, in libtensorflow_framework (exported, but its
// header is not shipped). *op_list is a malloc'd serialized OpList.
absl::Status LoadDynamicLibrary(const char* library_filename, void** handle, const void** op_list,
                                size_t* op_list_bytes);
}  // namespace tensorflow

namespace tfsrp {

const char* BuiltAgainstTensorflowVersion() {
  return TF_VERSION_STRING;
}

std::string LoadedTensorflowVersion() {
  auto* version = reinterpret_cast<const char* (*)()>(dlsym(RTLD_DEFAULT, "TF_Version"));
  return version != nullptr ? version() : BuiltAgainstTensorflowVersion();
}

std::string TensorflowVersionMismatch() {
  const std::string loaded = LoadedTensorflowVersion();
  const std::string built = BuiltAgainstTensorflowVersion();
  if (loaded == built) return "";
  return "libtensorflow " + loaded +
         " is loaded in this process, but "
         "tfserving-remote-predict was built against libtensorflow " +
         built +
         ": build it from source against the libtensorflow you use (TFSRP_BUILD_FROM_SOURCE=1 "
         "LIBTENSORFLOW_DIR=<its directory> npm rebuild tfserving-remote-predict), or load " +
         built + " instead";
}

std::string LoadOpLibrary() {
  static std::once_flag once;
  static std::string error;
  std::call_once(once, [] {
    void* handle = nullptr;
    const void* op_list = nullptr;
    size_t op_list_bytes = 0;
    absl::Status status =
        tensorflow::LoadDynamicLibrary(OpLibraryPath().c_str(), &handle, &op_list, &op_list_bytes);
    if (!status.ok()) {
      error =
          "cannot load the op library " + OpLibraryPath() + ": " + std::string(status.message());
    }
    std::free(const_cast<void*>(op_list));  // the library itself stays loaded
  });
  return error;
}

std::vector<std::string> RegisteredOpNames() {
  std::vector<tensorflow::OpDef> ops;
  tensorflow::OpRegistry::Global()->GetRegisteredOps(&ops);
  std::vector<std::string> names;
  names.reserve(ops.size());
  for (const tensorflow::OpDef& op : ops) names.push_back(op.name());
  return names;
}

}  // namespace tfsrp
