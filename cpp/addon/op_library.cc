#include "cpp/addon/op_library.h"

#include <dlfcn.h>

namespace tfsrp {

std::string OpLibraryPath() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&OpLibraryPath), &info) == 0 ||
      info.dli_fname == nullptr) {
    return "libtfserving_remote_predict_op.so";
  }
  std::string addon = info.dli_fname;
  return addon.substr(0, addon.rfind('/') + 1) + "libtfserving_remote_predict_op.so";
}

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
