#include "cpp/kernel/remote_predict_op.h"
#include "cpp/stubs/grpc_prediction_service_stub.h"

namespace tfsrp {

REGISTER_KERNEL_BUILDER(Name("TfServingRemotePredict").Device(tensorflow::DEVICE_CPU),
                        RemotePredictOp<GrpcPredictionServiceStub>);

}  // namespace tfsrp
