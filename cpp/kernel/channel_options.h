// Channel options in text form: the hidden attr "_channel_options" of direct
// callers, and the process-wide options by target that graphs get (set from
// Node, C or Python through TfsrpSetTargetChannelOptions).
//
// The text is "name=value;name=value" (spaces around names and values are
// ignored, "" is no options). Names and values:
//   max_send_message_bytes, max_receive_message_bytes   0 (unlimited) .. 2^31-1
//   load_balancing                   pick_first | round_robin
//   keepalive_time_millis            0 (no pings) .. 2^31-1
//   keepalive_timeout_millis         0 (gRPC's 20 s) .. 2^31-1
//   keepalive_permit_without_calls   true | false
//   retry_max_attempts               0 (no retries) or 2 .. 5
//   retry_initial_backoff_millis     1 .. 2^31-1 (default 100)
//   retry_max_backoff_millis         1 .. 2^31-1 (default 1000)
//   retry_backoff_multiplier         > 0 (default 2)
//   retry_status_codes               names or numbers, ',' between (default UNAVAILABLE)
//   connections                      1 .. 64 HTTP/2 connections per address
//   reconnect_initial_backoff_millis 0 (gRPC's 1 s) .. 2^31-1
//   reconnect_max_backoff_millis     0 (gRPC's 120 s) .. 2^31-1
#ifndef TFSRP_KERNEL_CHANNEL_OPTIONS_H_
#define TFSRP_KERNEL_CHANNEL_OPTIONS_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cpp/stubs/channel_settings.h"

namespace tfsrp {

// Option name -> its value as written.
using ChannelOptionValues = std::map<std::string, std::string>;

// Parses and checks the text; INVALID_ARGUMENT naming the option at fault.
absl::StatusOr<ChannelOptionValues> ParseChannelOptions(absl::string_view text);

// Sets the (parsed) options on `settings`. The retry fields left out take
// their defaults when retry_max_attempts is >= 2; other retry_* options
// without retry_max_attempts are INVALID_ARGUMENT.
absl::Status ApplyChannelOptions(const ChannelOptionValues& values, ChannelSettings* settings);

// Kernels created afterwards that dial `target` use these options, each
// unless their own attrs set it; "" removes them. Errors as ParseChannelOptions.
absl::Status SetTargetChannelOptions(const std::string& target, absl::string_view text);

// Empty when `target` has none.
ChannelOptionValues TargetChannelOptions(const std::string& target);

}  // namespace tfsrp

#endif  // TFSRP_KERNEL_CHANNEL_OPTIONS_H_
