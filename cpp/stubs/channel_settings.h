// Where a stub connects and how its channel is configured.
#ifndef TFSRP_STUBS_CHANNEL_SETTINGS_H_
#define TFSRP_STUBS_CHANNEL_SETTINGS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "cpp/stubs/call_options.h"

namespace tfsrp {

// PEM-encoded; an empty field is absent. No root certificates means the
// system's roots; a key and chain make it mutual TLS.
struct TlsCredentials {
  std::string root_certificates;
  std::string private_key;
  std::string certificate_chain;
};

// gRPC's retry policy (A6) for every method; max_attempts < 2: none.
struct RetryPolicy {
  int32_t max_attempts = 0;
  int32_t initial_backoff_millis = 0;
  int32_t max_backoff_millis = 0;
  double backoff_multiplier = 0;
  uint32_t retryable_status_codes = 0;  // bit n: gRPC status code n
};

struct ChannelSettings {
  std::string target_address;
  // 0 means unlimited (gRPC's own defaults would cap responses at 4 MiB).
  int32_t max_send_message_bytes = 0;
  int32_t max_receive_message_bytes = 0;
  // Null: plaintext.
  std::shared_ptr<const TlsCredentials> tls;
  // "" (gRPC's default, pick_first), "pick_first" or "round_robin".
  std::string load_balancing;
  // 0: no keepalive pings / gRPC's default timeout (20 s).
  int32_t keepalive_time_millis = 0;
  int32_t keepalive_timeout_millis = 0;
  bool keepalive_permit_without_calls = false;
  RetryPolicy retry;
  // HTTP/2 connections per address (separate gRPC channels, taken in turn).
  int32_t connections = 1;
  // How soon an unreachable address is tried again; 0: gRPC's (1 s, growing
  // 1.6 times per attempt up to 120 s).
  int32_t reconnect_initial_backoff_millis = 0;
  int32_t reconnect_max_backoff_millis = 0;
  // Metadata every call carries (the target's, process-wide); may be null.
  std::shared_ptr<const SharedMetadata> metadata;
};

}  // namespace tfsrp

#endif  // TFSRP_STUBS_CHANNEL_SETTINGS_H_
