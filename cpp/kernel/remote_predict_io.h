// The non-template halves of RemotePredictOp: reading the op's inputs into a
// PredictRequest and writing a response (or an error) into its outputs.
#ifndef TFSRP_KERNEL_REMOTE_PREDICT_IO_H_
#define TFSRP_KERNEL_REMOTE_PREDICT_IO_H_

#include "cpp/codec/predict_messages.h"
#include "cpp/kernel/remote_predict_attributes.h"
#include "tensorflow/core/framework/op_kernel.h"

namespace tfsrp {

absl::Status BuildPredictRequest(tensorflow::OpKernelContext* context,
                                 const RemotePredictAttributes& attributes,
                                 PredictRequest* request);

// Writes status_code, status_error_message and the outputs matched to
// output_tensor_aliases. With `status` not OK (or when matching fails), fails
// the op if fail_op_on_rpc_error, else reports the code and message and
// zero-filled scalars of the declared dtypes.
void WriteRemotePredictOutputs(tensorflow::OpKernelContext* context,
                               const RemotePredictAttributes& attributes, absl::Status status,
                               PredictResponse response);

}  // namespace tfsrp

#endif  // TFSRP_KERNEL_REMOTE_PREDICT_IO_H_
