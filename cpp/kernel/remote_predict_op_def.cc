// The op def, identical to TF Serving's so exported graphs load unchanged.
#include "absl/strings/str_cat.h"
#include "tensorflow/core/framework/common_shape_fns.h"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/shape_inference.h"

namespace tfsrp {
namespace {

using tensorflow::shape_inference::InferenceContext;
using tensorflow::shape_inference::ShapeHandle;

// Checks that a 1-D alias input, when its length is known, matches `count`.
absl::Status CheckAliasCount(InferenceContext* c, int input, int64_t count, const char* alias_name,
                             const char* other_name) {
  ShapeHandle aliases;
  TF_RETURN_IF_ERROR(c->WithRank(c->input(input), 1, &aliases));
  const int64_t length = c->Value(c->Dim(aliases, 0));
  if (length != InferenceContext::kUnknownDim && length != count) {
    return absl::InvalidArgumentError(
        absl::StrCat(alias_name, " has ", length, " entries but ", other_name, " has ", count));
  }
  return absl::OkStatus();
}

absl::Status RemotePredictShape(InferenceContext* c) {
  const int num_inputs = c->num_inputs();
  const int num_input_tensors = num_inputs - 2;
  const int num_output_tensors = c->num_outputs() - 2;
  TF_RETURN_IF_ERROR(
      CheckAliasCount(c, 0, num_input_tensors, "input_tensor_aliases", "input_tensors"));
  TF_RETURN_IF_ERROR(CheckAliasCount(c, num_inputs - 1, num_output_tensors, "output_tensor_aliases",
                                     "output_types"));
  c->set_output(0, c->Scalar());
  c->set_output(1, c->Scalar());
  for (int i = 2; i < c->num_outputs(); ++i) c->set_output(i, c->UnknownShape());
  return absl::OkStatus();
}

}  // namespace

REGISTER_OP("TfServingRemotePredict")
    .Attr("T: list(type)")
    .Attr("target_address: string = ''")
    .Attr("model_name: string = ''")
    .Attr("model_version: int = -1")
    .Attr("fail_op_on_rpc_error: bool = true")
    .Attr("max_rpc_deadline_millis: int = 30000")
    .Attr("signature_name: string = 'serving_default'")
    .Input("input_tensor_aliases: string")
    .Input("input_tensors: T")
    .Input("output_tensor_aliases: string")
    .Output("status_code: int32")
    .Output("status_error_message: string")
    .Output("output_tensors: output_types")
    .Attr("output_types: list(type)")
    .SetIsStateful()
    .SetIsDistributedCommunication()
    .SetShapeFn(RemotePredictShape);

}  // namespace tfsrp
