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
  // Optional NodeDef attrs "_max_send_message_bytes" and
  // "_max_receive_message_bytes" (0 or absent: unlimited).
  int32_t max_send_message_bytes = 0;
  int32_t max_receive_message_bytes = 0;
  // From the optional attr "_tls_credentials_id" (see
  // tls_credentials_registry.h), else from the target's mapping; null: plaintext.
  std::shared_ptr<const TlsCredentials> tls;

  ChannelSettings channel() const {
    return {target_address, max_send_message_bytes, max_receive_message_bytes, tls};
  }

  static absl::Status Read(tensorflow::OpKernelConstruction* context,
                           RemotePredictAttributes* attributes);
};

}  // namespace tfsrp

#endif  // TFSRP_KERNEL_REMOTE_PREDICT_ATTRIBUTES_H_
