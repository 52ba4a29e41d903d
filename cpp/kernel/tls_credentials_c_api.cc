// C entry points of the op library for TLS credentials (see
// tls_credentials_registry.h), for Python (ctypes), C and the Node addon.
#include "cpp/kernel/tls_credentials_registry.h"

extern "C" {

// PEM strings; NULL or "" for absent. Returns the credentials' id (>= 1).
__attribute__((visibility("default"))) int64_t TfsrpRegisterTlsCredentials(
    const char* root_certificates, const char* private_key, const char* certificate_chain) {
  auto text = [](const char* s) { return std::string(s != nullptr ? s : ""); };
  return tfsrp::RegisterTlsCredentials(
      {text(root_certificates), text(private_key), text(certificate_chain)});
}

// Kernels created afterwards that dial `target` use credentials `id` (0:
// plaintext again). Returns 0, or -1 for an empty target or an unknown id.
__attribute__((visibility("default"))) int TfsrpSetTargetTlsCredentials(const char* target,
                                                                        int64_t id) {
  if (target == nullptr || *target == '\0') return -1;
  return tfsrp::SetTargetTlsCredentials(target, id) ? 0 : -1;
}
}
