#include "cpp/kernel/remote_predict_op.h"
#include "cpp/stubs/routing_prediction_service_stub.h"

namespace tfsrp {

// gRPC, or the in-process server for an "inprocess:" target.
REGISTER_KERNEL_BUILDER(Name("TfServingRemotePredict").Device(tensorflow::DEVICE_CPU),
                        RemotePredictOp<RoutingPredictionServiceStub>);

}  // namespace tfsrp
