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

typedef struct tfsrp_channel_options {
  /* <= 0 means unlimited. */
  int32_t max_send_message_bytes;
  int32_t max_receive_message_bytes;
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

/* Called exactly once per started call, on a gRPC thread. status_code is the
 * gRPC status code (0 = OK). message points into memory owned by the
 * transport, valid only during the callback. The response message is the
 * concatenation of the chunks, in order (none on failure); they stay valid
 * until the callback returns or calls tfsrp_response_release(response),
 * whichever comes first. */
typedef void (*tfsrp_call_done_fn)(void* user_data, int status_code,
                                   const char* message, size_t message_len,
                                   const tfsrp_chunk* chunks, size_t chunk_count,
                                   tfsrp_response* response);

/* Returns the channel for (target, tls, options), shared with every other
 * holder of the same key; or NULL with *error set to a malloc'd message that
 * the caller frees with tfsrp_free_string. Accepted targets: host:port,
 * dns:, ipv4:, ipv6:, unix:. tls and options may be NULL. */
tfsrp_channel* tfsrp_channel_acquire(const char* target,
                                     const tfsrp_tls_credentials* tls,
                                     const tfsrp_channel_options* options,
                                     char** error);
void tfsrp_channel_release(tfsrp_channel* channel);

/* Starts an asynchronous unary call whose request is the concatenation of
 * the pieces, in order. Returns NULL, without calling done (every piece is
 * released), when channel, method or done is NULL. deadline_millis <= 0 means
 * no deadline. The returned handle stays valid until tfsrp_call_release,
 * which the caller must call once, before or after completion. */
tfsrp_call* tfsrp_call_start_pieces(tfsrp_channel* channel, const char* method,
                                    const tfsrp_piece* pieces, size_t piece_count,
                                    int64_t deadline_millis, tfsrp_call_done_fn done,
                                    void* user_data);
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
