/* C ABI of the isolated gRPC transport (libtfsrp_grpc_transport.so).
 * This header must stay plain C: it is included by code compiled against
 * TensorFlow's headers, while the implementation only sees Debian's gRPC. */
#ifndef TFSRP_GRPC_TRANSPORT_H_
#define TFSRP_GRPC_TRANSPORT_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tfsrp_channel tfsrp_channel;
typedef struct tfsrp_call tfsrp_call;

/* PEM-encoded TLS material; any field may be NULL. A NULL credentials
 * pointer means plaintext. root_certs NULL with TLS means the system roots. */
typedef struct tfsrp_tls_credentials {
  const char* root_certs;
  const char* private_key;
  const char* cert_chain;
} tfsrp_tls_credentials;

/* Zero-initialise: every field's zero is "as gRPC does by default" (fields are
 * only ever appended). */
typedef struct tfsrp_channel_options {
  /* <= 0 means unlimited. */
  int32_t max_send_message_bytes;
  int32_t max_receive_message_bytes;
  /* NULL or "": gRPC's default (pick_first); else "pick_first" or
   * "round_robin", through the channel's service config. */
  const char* load_balancing_policy;
  /* grpc.keepalive_time_ms; <= 0: no keepalive pings. */
  int32_t keepalive_time_ms;
  /* grpc.keepalive_timeout_ms; <= 0: gRPC's default (20 s). */
  int32_t keepalive_timeout_ms;
  /* grpc.keepalive_permit_without_calls (non-zero: ping idle connections). */
  int32_t keepalive_permit_without_calls;
  /* A retry policy for every method when >= 2 (gRPC caps it at 5); the
   * backoffs are in milliseconds (> 0), the multiplier > 0; bit n of
   * retry_status_codes makes gRPC status code n retryable (not 0 = OK). */
  int32_t retry_max_attempts;
  int32_t retry_initial_backoff_ms;
  int32_t retry_max_backoff_ms;
  double retry_backoff_multiplier;
  uint32_t retry_status_codes;
  /* HTTP/2 connections per address: <= 1 one; n gives the channel n
   * independent gRPC channels (own subchannels), picked round-robin per call. */
  int32_t connections;
  /* grpc.initial_reconnect_backoff_ms and grpc.max_reconnect_backoff_ms:
   * how soon an address that could not be reached is tried again (<= 0:
   * gRPC's 1 s, growing 1.6 times per attempt up to 120 s; a maximum below
   * 1 s also caps the first wait). */
  int32_t reconnect_initial_backoff_ms;
  int32_t reconnect_max_backoff_ms;
} tfsrp_channel_options;

/* One piece of a request. With release NULL the transport copies the bytes
 * before tfsrp_call_start_pieces returns; otherwise gRPC sends them from
 * where they are, and release(release_arg) is called exactly once, on any
 * thread, once it no longer needs them (possibly before the call completes). */
typedef struct tfsrp_piece {
  const char* data;
  size_t len;
  void (*release)(void* release_arg);
  void* release_arg;
} tfsrp_piece;

/* One chunk of a received response, as gRPC received it. */
typedef struct tfsrp_chunk {
  const char* data;
  size_t len;
} tfsrp_chunk;

/* The chunks handed to a done callback. */
typedef struct tfsrp_response tfsrp_response;

/* One metadata entry of a call: a lower-case key (ending in "-bin" for a
 * binary value) and its value, not NUL-terminated. */
typedef struct tfsrp_metadata_entry {
  const char* key;
  size_t key_len;
  const char* value;
  size_t value_len;
} tfsrp_metadata_entry;

/* Per-call options; zero-initialise (fields are only ever appended). */
typedef struct tfsrp_call_options {
  const tfsrp_metadata_entry* metadata;
  size_t metadata_count;
  /* Non-zero: wait for the channel to become ready instead of failing fast
   * with UNAVAILABLE while it cannot connect (up to the deadline). */
  int32_t wait_for_ready;
} tfsrp_call_options;

/* Called exactly once per started call, on a gRPC thread. status_code is the
 * gRPC status code (0 = OK). message points into memory owned by the
 * transport, valid only during the callback. The response message is the
 * concatenation of the chunks, in order (none on failure); they stay valid
 * until the callback returns or calls tfsrp_response_release(response),
 * whichever comes first. */
typedef void (*tfsrp_call_done_fn)(void* user_data, int status_code, const char* message,
                                   size_t message_len, const tfsrp_chunk* chunks,
                                   size_t chunk_count, tfsrp_response* response);

/* Returns the channel for (target, tls, options), shared with every other
 * holder of the same key; or NULL with *error set to a malloc'd message that
 * the caller frees with tfsrp_free_string. Accepted targets: host:port,
 * dns:, ipv4:, ipv6:, unix:. tls and options may be NULL. */
tfsrp_channel* tfsrp_channel_acquire(const char* target, const tfsrp_tls_credentials* tls,
                                     const tfsrp_channel_options* options, char** error);
void tfsrp_channel_release(tfsrp_channel* channel);

/* Starts an asynchronous unary call whose request is the concatenation of
 * the pieces, in order, with per-call options (NULL: none; copied before it
 * returns). Returns NULL, without calling done (every piece is released),
 * when channel, method or done is NULL. Metadata that tfsrp_metadata_problem
 * refuses fails the call with INVALID_ARGUMENT (through done). deadline_millis
 * <= 0 means no deadline. The returned handle stays valid until
 * tfsrp_call_release, which the caller must call once, before or after
 * completion. */
tfsrp_call* tfsrp_call_start_pieces(tfsrp_channel* channel, const char* method,
                                    const tfsrp_piece* pieces, size_t piece_count,
                                    int64_t deadline_millis, const tfsrp_call_options* options,
                                    tfsrp_call_done_fn done, void* user_data);
/* NULL when gRPC can send this metadata entry; else a malloc'd message naming
 * the key (free it with tfsrp_free_string): keys are 1-255 characters of
 * 0-9 a-z - _ . and not reserved (grpc-*, content-type, te, user-agent, host);
 * values of keys not ending in "-bin" are printable ASCII (0x20-0x7e). */
char* tfsrp_metadata_problem(const char* key, size_t key_len, const char* value, size_t value_len);
/* Thread-safe; a no-op once the call has completed. The completion then
 * reports CANCELLED (1) unless it had already finished. */
void tfsrp_call_cancel(tfsrp_call* call);
void tfsrp_call_release(tfsrp_call* call);

/* Gives the response's chunks back to gRPC before the done callback returns
 * (they are freed when nothing else holds them). Only from within the done
 * callback; NULL and a second call are no-ops. */
void tfsrp_response_release(tfsrp_response* response);

/* Number of distinct channels currently alive (for tests). */
size_t tfsrp_channel_count(void);

void tfsrp_free_string(char* s);

#ifdef __cplusplus
}
#endif

#endif /* TFSRP_GRPC_TRANSPORT_H_ */
