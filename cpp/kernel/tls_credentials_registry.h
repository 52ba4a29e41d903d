// TLS credentials for remote predict channels, held by the process because
// op attributes cannot carry secrets: direct callers register credentials and
// pass the id in the hidden attr "_tls_credentials_id"; graphs loaded by
// anyone get credentials by the address they dial.
#ifndef TFSRP_KERNEL_TLS_CREDENTIALS_REGISTRY_H_
#define TFSRP_KERNEL_TLS_CREDENTIALS_REGISTRY_H_

#include <cstdint>
#include <memory>
#include <string>

#include "cpp/stubs/channel_settings.h"

namespace tfsrp {

// Returns an id >= 1, the same one for the same credentials.
int64_t RegisterTlsCredentials(const TlsCredentials& credentials);

// Null for an unknown id.
std::shared_ptr<const TlsCredentials> FindTlsCredentials(int64_t id);

// Kernels created afterwards that dial `target` use credentials `id`; 0
// removes the mapping. False for an unknown id.
bool SetTargetTlsCredentials(const std::string& target, int64_t id);

// Null when `target` has no mapping.
std::shared_ptr<const TlsCredentials> TargetTlsCredentials(const std::string& target);

}  // namespace tfsrp

#endif  // TFSRP_KERNEL_TLS_CREDENTIALS_REGISTRY_H_
