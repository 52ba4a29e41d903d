#include "cpp/addon/op_library.h"

#include <dlfcn.h>

#include <cstddef>

namespace tfsrp {

std::string OpLibraryPath() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&OpLibraryPath), &info) == 0 || info.dli_fname == nullptr) {
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

int64_t RegisterTlsCredentials(const std::string& root_certificates, const std::string& private_key,
                               const std::string& certificate_chain) {
  static auto* enroll = reinterpret_cast<int64_t (*)(const char*, const char*, const char*)>(
      OpLibrarySymbol("TfsrpRegisterTlsCredentials"));
  return enroll == nullptr
             ? -1
             : enroll(root_certificates.c_str(), private_key.c_str(), certificate_chain.c_str());
}

bool SetTargetTlsCredentials(const std::string& target, int64_t id) {
  static auto* set = reinterpret_cast<int (*)(const char*, int64_t)>(
      OpLibrarySymbol("TfsrpSetTargetTlsCredentials"));
  return set != nullptr && set(target.c_str(), id) == 0;
}

namespace {

constexpr char kMissingEntryPoint[] = "the op library lacks this entry point; rebuild it";

}  // namespace

std::string SetTargetChannelOptions(const std::string& target, const std::string& options) {
  static auto* set = reinterpret_cast<int (*)(const char*, const char*, char*, size_t)>(
      OpLibrarySymbol("TfsrpSetTargetChannelOptions"));
  if (set == nullptr) return kMissingEntryPoint;
  char error[1024] = "";
  return set(target.c_str(), options.c_str(), error, sizeof error) == 0 ? "" : error;
}

std::string SetTargetMetadata(const std::string& target,
                              const std::vector<std::pair<std::string, std::string>>& metadata) {
  static auto* set =
      reinterpret_cast<int (*)(const char*, const char* const*, const char* const*, const size_t*,
                               size_t, char*, size_t)>(OpLibrarySymbol("TfsrpSetTargetMetadata"));
  if (set == nullptr) return kMissingEntryPoint;
  std::vector<const char*> keys, values;
  std::vector<size_t> lengths;
  for (const auto& [key, value] : metadata) {
    keys.push_back(key.c_str());
    values.push_back(value.data());
    lengths.push_back(value.size());
  }
  char error[1024] = "";
  return set(target.c_str(), keys.data(), values.data(), lengths.data(), metadata.size(), error,
             sizeof error) == 0
             ? ""
             : error;
}

}  // namespace tfsrp
