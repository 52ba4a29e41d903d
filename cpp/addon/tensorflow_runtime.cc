#include "cpp/addon/tensorflow_runtime.h"

#include <dlfcn.h>

#include <mutex>

#include "tensorflow/c/c_api.h"
#include "tensorflow/core/framework/op_def.pb.h"
#include "tensorflow/core/public/release_version.h"

namespace tfsrp {

const char* BuiltAgainstTensorflowVersion() { return TF_VERSION_STRING; }

const char* LoadedTensorflowVersion() { return TF_Version(); }

std::string TensorflowVersionMismatch() {
  const std::string loaded = LoadedTensorflowVersion();
  const std::string built = BuiltAgainstTensorflowVersion();
  if (loaded == built) return "";
  return "libtensorflow " + loaded + " is loaded in this process, but "
         "tfserving-remote-predict was built against libtensorflow " + built +
         ": rebuild it (npm rebuild tfserving-remote-predict) against the "
         "libtensorflow you use, or load " + built + " instead";
}

std::string OpLibraryPath() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&OpLibraryPath), &info) == 0 ||
      info.dli_fname == nullptr) {
    return "libtfserving_remote_predict_op.so";
  }
  std::string addon = info.dli_fname;
  return addon.substr(0, addon.rfind('/') + 1) + "libtfserving_remote_predict_op.so";
}

std::string LoadOpLibrary() {
  static std::once_flag once;
  static std::string error;
  std::call_once(once, [] {
    TF_Status* status = TF_NewStatus();
    TF_Library* library = TF_LoadLibrary(OpLibraryPath().c_str(), status);
    if (TF_GetCode(status) != TF_OK) {
      error = "cannot load the op library " + OpLibraryPath() + ": " +
              TF_Message(status);
    } else {
      TF_DeleteLibraryHandle(library);
    }
    TF_DeleteStatus(status);
  });
  return error;
}

std::vector<std::string> RegisteredOpNames() {
  TF_Buffer* buffer = TF_GetAllOpList();
  tensorflow::OpList list;
  list.ParseFromArray(buffer->data, static_cast<int>(buffer->length));
  TF_DeleteBuffer(buffer);
  std::vector<std::string> names;
  names.reserve(list.op_size());
  for (const tensorflow::OpDef& op : list.op()) names.push_back(op.name());
  return names;
}

}  // namespace tfsrp

namespace tfsrp {

void* OpLibrarySymbol(const char* name) {
  static void* library = dlopen(OpLibraryPath().c_str(), RTLD_NOW | RTLD_NOLOAD);
  return library == nullptr ? nullptr : dlsym(library, name);
}

bool SetTensorEncoding(const std::string& name) {
  static auto* set =
      reinterpret_cast<int (*)(const char*)>(OpLibrarySymbol("TfsrpSetTensorEncoding"));
  return set != nullptr && set(name.c_str()) == 0;
}

bool SetTargetOverride(const std::string& from, const std::string& to) {
  static auto* set = reinterpret_cast<int (*)(const char*, const char*)>(
      OpLibrarySymbol("TfsrpSetTargetOverride"));
  return set != nullptr && set(from.c_str(), to.c_str()) == 0;
}

int64_t RegisterTlsCredentials(const std::string& root_certificates,
                               const std::string& private_key,
                               const std::string& certificate_chain) {
  static auto* enroll = reinterpret_cast<int64_t (*)(const char*, const char*, const char*)>(
      OpLibrarySymbol("TfsrpRegisterTlsCredentials"));
  return enroll == nullptr ? -1
                           : enroll(root_certificates.c_str(), private_key.c_str(),
                                    certificate_chain.c_str());
}

bool SetTargetTlsCredentials(const std::string& target, int64_t id) {
  static auto* set = reinterpret_cast<int (*)(const char*, int64_t)>(
      OpLibrarySymbol("TfsrpSetTargetTlsCredentials"));
  return set != nullptr && set(target.c_str(), id) == 0;
}

}  // namespace tfsrp
