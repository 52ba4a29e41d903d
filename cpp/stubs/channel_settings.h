// Where a stub connects and how its channel is configured.
#ifndef TFSRP_STUBS_CHANNEL_SETTINGS_H_
#define TFSRP_STUBS_CHANNEL_SETTINGS_H_

#include <cstdint>
#include <memory>
#include <string>

namespace tfsrp {

// PEM-encoded; an empty field is absent. No root certificates means the
// system's roots; a key and chain make it mutual TLS.
struct TlsCredentials {
  std::string root_certificates;
  std::string private_key;
  std::string certificate_chain;
};

struct ChannelSettings {
  std::string target_address;
  // 0 means unlimited (gRPC's own defaults would cap responses at 4 MiB).
  int32_t max_send_message_bytes = 0;
  int32_t max_receive_message_bytes = 0;
  // Null: plaintext.
  std::shared_ptr<const TlsCredentials> tls;
};

}  // namespace tfsrp

#endif  // TFSRP_STUBS_CHANNEL_SETTINGS_H_
