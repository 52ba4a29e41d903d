// Where a stub connects and how its channel is configured.
#ifndef TFSRP_STUBS_CHANNEL_SETTINGS_H_
#define TFSRP_STUBS_CHANNEL_SETTINGS_H_

#include <cstdint>
#include <string>

namespace tfsrp {

struct ChannelSettings {
  std::string target_address;
  // 0 means unlimited (gRPC's own defaults would cap responses at 4 MiB).
  int32_t max_send_message_bytes = 0;
  int32_t max_receive_message_bytes = 0;
};

}  // namespace tfsrp

#endif  // TFSRP_STUBS_CHANNEL_SETTINGS_H_
