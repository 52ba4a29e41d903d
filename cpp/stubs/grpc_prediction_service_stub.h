#ifndef TFSRP_STUBS_GRPC_PREDICTION_SERVICE_STUB_H_
#define TFSRP_STUBS_GRPC_PREDICTION_SERVICE_STUB_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cpp/stubs/prediction_service_stub.h"

struct tfsrp_channel;

namespace tfsrp {

// PredictionService/Predict over the isolated gRPC transport: requests are
// encoded here with TensorFlow's protobuf runtime and cross the transport's
// C ABI as pieces (large tensor contents referenced in place), responses come
// back as gRPC's chunks and are decoded where they lie.
class GrpcPredictionServiceStub {
 public:
  static absl::StatusOr<std::unique_ptr<GrpcPredictionServiceStub>> Create(
      const ChannelSettings& channel);
  // OK when gRPC can send `metadata` (see tfsrp_metadata_problem) and it
  // totals at most kMaxMetadataBytes; else INVALID_ARGUMENT naming the key.
  static absl::Status CheckMetadata(const Metadata& metadata);
  // As HTTP/2 counts header sizes: key + value (base64 for -bin keys) + 32
  // per entry; servers commonly refuse more than 8 KiB of headers in all.
  static constexpr size_t kMaxMetadataBytes = 8192;
  ~GrpcPredictionServiceStub();

  std::unique_ptr<RpcHandle> Predict(PredictRequest request, int64_t deadline_millis,
                                     PredictDoneCallback done);

 private:
  GrpcPredictionServiceStub(tfsrp_channel* channel, bool tls,
                            std::shared_ptr<const SharedMetadata> metadata)
      : channel_(channel), tls_(tls), metadata_(std::move(metadata)) {}
  tfsrp_channel* channel_;
  bool tls_;
  // The target's metadata, read per call (null: none).
  std::shared_ptr<const SharedMetadata> metadata_;
};

}  // namespace tfsrp

#endif  // TFSRP_STUBS_GRPC_PREDICTION_SERVICE_STUB_H_
