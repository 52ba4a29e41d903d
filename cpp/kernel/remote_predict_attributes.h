// The op's attributes, read and checked once per kernel instance.
#ifndef TFSRP_KERNEL_REMOTE_PREDICT_ATTRIBUTES_H_
#define TFSRP_KERNEL_REMOTE_PREDICT_ATTRIBUTES_H_

#include <string>
#include <vector>

#include "cpp/stubs/channel_settings.h"
#include "tensorflow/core/framework/op_kernel.h"

namespace tfsrp {

inline constexpr char kVersionLabelAttr[] = "_version_label";
inline constexpr char kMaxSendMessageBytesAttr[] = "_max_send_message_bytes";
inline constexpr char kMaxReceiveMessageBytesAttr[] = "_max_receive_message_bytes";
inline constexpr char kTlsCredentialsIdAttr[] = "_tls_credentials_id";
// Channel options as text (cpp/kernel/channel_options.h), each over the
// target's process-wide setting.
inline constexpr char kChannelOptionsAttr[] = "_channel_options";

struct RemotePredictAttributes {
  std::string target_address;
  std::string model_name;
  int64_t model_version = -1;
  bool fail_op_on_rpc_error = true;
  int64_t max_rpc_deadline_millis = 30000;
  std::string signature_name;
  tensorflow::DataTypeVector output_types;
  // Not in the op def: an optional NodeDef attr "_version_label" (attrs
  // starting with '_' need no declaration), used by direct callers.
  std::string version_label;
  // The channel: target_address; the target's process-wide channel options
  // (channel_options.h), over which the optional attrs "_channel_options",
  // "_max_send_message_bytes" and "_max_receive_message_bytes" (0: unlimited)
  // win; TLS from the optional attr "_tls_credentials_id" (see
  // tls_credentials_registry.h), else from the target's mapping (null:
  // plaintext); the target's metadata (target_metadata.h).
  ChannelSettings channel_settings;

  const ChannelSettings& channel() const { return channel_settings; }

  static absl::Status Read(tensorflow::OpKernelConstruction* context,
                           RemotePredictAttributes* attributes);
};

}  // namespace tfsrp

#endif  // TFSRP_KERNEL_REMOTE_PREDICT_ATTRIBUTES_H_
