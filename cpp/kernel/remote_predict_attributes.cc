#include "cpp/kernel/remote_predict_attributes.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "cpp/kernel/channel_options.h"
#include "cpp/kernel/target_metadata.h"
#include "cpp/kernel/target_overrides.h"
#include "cpp/kernel/tls_credentials_registry.h"

namespace tfsrp {
namespace {

absl::Status ReadMessageLimit(tensorflow::OpKernelConstruction* context, const char* name,
                              int32_t* limit) {
  if (!context->HasAttr(name)) return absl::OkStatus();
  int64_t value = 0;
  TF_RETURN_IF_ERROR(context->GetAttr(name, &value));
  if (value < 0 || value > std::numeric_limits<int32_t>::max()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be between 0 (unlimited) and 2147483647 bytes, got ", value));
  }
  *limit = static_cast<int32_t>(value);
  return absl::OkStatus();
}

// The target's options with "_channel_options" over them, then the message
// limits' own attrs.
absl::Status ReadChannelOptions(tensorflow::OpKernelConstruction* context,
                                ChannelSettings* settings) {
  ChannelOptionValues values = TargetChannelOptions(settings->target_address);
  absl::Status status;
  if (context->HasAttr(kChannelOptionsAttr)) {
    std::string text;
    TF_RETURN_IF_ERROR(context->GetAttr(kChannelOptionsAttr, &text));
    absl::StatusOr<ChannelOptionValues> own = ParseChannelOptions(text);
    status = own.status();
    if (own.ok()) {
      for (auto& [name, value] : *own) values[name] = std::move(value);
    }
  }
  if (status.ok()) status = ApplyChannelOptions(values, settings);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(kChannelOptionsAttr, ": ", status.message()));
  }
  TF_RETURN_IF_ERROR(
      ReadMessageLimit(context, kMaxSendMessageBytesAttr, &settings->max_send_message_bytes));
  return ReadMessageLimit(context, kMaxReceiveMessageBytesAttr,
                          &settings->max_receive_message_bytes);
}

}  // namespace

absl::Status RemotePredictAttributes::Read(tensorflow::OpKernelConstruction* context,
                                           RemotePredictAttributes* attributes) {
  TF_RETURN_IF_ERROR(context->GetAttr("target_address", &attributes->target_address));
  attributes->target_address = ResolveTargetAddress(attributes->target_address);
  TF_RETURN_IF_ERROR(context->GetAttr("model_name", &attributes->model_name));
  TF_RETURN_IF_ERROR(context->GetAttr("model_version", &attributes->model_version));
  TF_RETURN_IF_ERROR(context->GetAttr("fail_op_on_rpc_error", &attributes->fail_op_on_rpc_error));
  TF_RETURN_IF_ERROR(
      context->GetAttr("max_rpc_deadline_millis", &attributes->max_rpc_deadline_millis));
  TF_RETURN_IF_ERROR(context->GetAttr("signature_name", &attributes->signature_name));
  TF_RETURN_IF_ERROR(context->GetAttr("output_types", &attributes->output_types));
  if (context->HasAttr(kVersionLabelAttr)) {
    TF_RETURN_IF_ERROR(context->GetAttr(kVersionLabelAttr, &attributes->version_label));
  }
  ChannelSettings& channel = attributes->channel_settings;
  channel.target_address = attributes->target_address;
  TF_RETURN_IF_ERROR(ReadChannelOptions(context, &channel));
  channel.metadata = TargetMetadata(attributes->target_address);
  int64_t tls_id = 0;
  if (context->HasAttr(kTlsCredentialsIdAttr)) {
    TF_RETURN_IF_ERROR(context->GetAttr(kTlsCredentialsIdAttr, &tls_id));
  }
  if (tls_id != 0) {
    channel.tls = FindTlsCredentials(tls_id);
    if (channel.tls == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(kTlsCredentialsIdAttr, " ", tls_id, " names no registered TLS credentials"));
    }
  } else {
    channel.tls = TargetTlsCredentials(attributes->target_address);
  }
  if (!attributes->version_label.empty() && attributes->model_version >= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("model_version (", attributes->model_version, ") and version label '",
                     attributes->version_label, "' cannot both be set"));
  }
  if (attributes->model_name.empty()) {
    return absl::InvalidArgumentError("model_name must not be empty");
  }
  if (attributes->max_rpc_deadline_millis <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_rpc_deadline_millis must be a positive number of milliseconds, got ",
                     attributes->max_rpc_deadline_millis));
  }
  for (size_t i = 0; i < attributes->output_types.size(); ++i) {
    const tensorflow::DataType dtype = attributes->output_types[i];
    if (dtype != tensorflow::DT_STRING && !tensorflow::DataTypeCanUseMemcpy(dtype)) {
      return absl::InvalidArgumentError(absl::StrCat("output_types[", i, "] is ",
                                                     tensorflow::DataTypeString(dtype),
                                                     ", which a PredictResponse cannot carry"));
    }
  }
  return absl::OkStatus();
}

}  // namespace tfsrp
