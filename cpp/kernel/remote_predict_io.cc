#include "cpp/kernel/remote_predict_io.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "tensorflow/core/framework/tensor_shape.h"

namespace tfsrp {
namespace {

using tensorflow::OpInputList;
using tensorflow::OpKernelContext;
using tensorflow::Tensor;
using tensorflow::TensorShape;
using tensorflow::tstring;

constexpr int kStatusCodeOutput = 0;
constexpr int kStatusMessageOutput = 1;
constexpr int kFirstTensorOutput = 2;

absl::Status ReadAliases(OpKernelContext* context, const char* input_name,
                         std::vector<std::string>* aliases) {
  const Tensor* tensor;
  TF_RETURN_IF_ERROR(context->input(input_name, &tensor));
  if (tensor->dims() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        input_name, " must be a 1-D string tensor, got shape ", tensor->shape().DebugString()));
  }
  auto values = tensor->vec<tstring>();
  for (int64_t i = 0; i < values.size(); ++i) {
    aliases->emplace_back(values(i).data(), values(i).size());
  }
  return absl::OkStatus();
}

// A successful call's status outputs: the same two scalars for every call,
// allocated once. Nothing changes them in place: TensorFlow forwards a buffer
// to another op's output only while one tensor holds it, and these are held here too.
void SetOkStatusOutputs(OpKernelContext* context) {
  static const Tensor* const code = [] {
    auto* tensor = new Tensor(tensorflow::DT_INT32, TensorShape({}));
    tensor->scalar<int32_t>()() = 0;
    return tensor;
  }();
  static const Tensor* const message = new Tensor(tensorflow::DT_STRING, TensorShape({}));
  context->set_output(kStatusCodeOutput, *code);
  context->set_output(kStatusMessageOutput, *message);
}

absl::Status SetStatusOutputs(OpKernelContext* context, const absl::Status& status) {
  if (status.ok()) {
    SetOkStatusOutputs(context);
    return absl::OkStatus();
  }
  Tensor* code;
  TF_RETURN_IF_ERROR(context->allocate_output(kStatusCodeOutput, TensorShape({}), &code));
  code->scalar<int32_t>()() = static_cast<int32_t>(status.code());
  Tensor* message;
  TF_RETURN_IF_ERROR(context->allocate_output(kStatusMessageOutput, TensorShape({}), &message));
  message->scalar<tstring>()() = std::string(status.message());
  return absl::OkStatus();
}

absl::Status SetZeroOutputs(OpKernelContext* context, const RemotePredictAttributes& attributes) {
  for (size_t i = 0; i < attributes.output_types.size(); ++i) {
    Tensor* output;
    TF_RETURN_IF_ERROR(context->allocate_output(kFirstTensorOutput + i, TensorShape({}), &output));
    if (output->dtype() != tensorflow::DT_STRING) {
      std::memset(const_cast<char*>(output->tensor_data().data()), 0, output->tensor_data().size());
    }
  }
  return absl::OkStatus();
}

// Orders the response's tensors as output_tensor_aliases asks.
absl::Status MatchOutputs(OpKernelContext* context, const RemotePredictAttributes& attributes,
                          PredictResponse& response, std::vector<Tensor>* outputs) {
  std::vector<std::string> aliases;
  TF_RETURN_IF_ERROR(ReadAliases(context, "output_tensor_aliases", &aliases));
  for (size_t i = 0; i < aliases.size(); ++i) {
    const std::string& alias = aliases[i];
    auto found = std::lower_bound(
        response.outputs.begin(), response.outputs.end(), alias,
        [](const NamedTensor& output, const std::string& key) { return output.alias < key; });
    if (found == response.outputs.end() || found->alias != alias) {
      return absl::InternalError(absl::StrCat("the PredictResponse has no output named '", alias,
                                              "' (output_tensor_aliases[", i, "])"));
    }
    const tensorflow::DataType expected = attributes.output_types[i];
    if (found->tensor.dtype() != expected) {
      return absl::InvalidArgumentError(absl::StrCat(
          "output '", alias, "' has dtype ", tensorflow::DataTypeString(found->tensor.dtype()),
          " in the PredictResponse, but output_types[", i, "] is ",
          tensorflow::DataTypeString(expected)));
    }
    outputs->push_back(found->tensor);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status BuildPredictRequest(OpKernelContext* context,
                                 const RemotePredictAttributes& attributes,
                                 PredictRequest* request) {
  std::vector<std::string> input_aliases;
  TF_RETURN_IF_ERROR(ReadAliases(context, "input_tensor_aliases", &input_aliases));
  OpInputList input_tensors;
  TF_RETURN_IF_ERROR(context->input_list("input_tensors", &input_tensors));
  if (input_aliases.size() != static_cast<size_t>(input_tensors.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("input_tensor_aliases has ", input_aliases.size(),
                     " entries but input_tensors has ", input_tensors.size()));
  }
  std::vector<std::string> output_aliases;
  TF_RETURN_IF_ERROR(ReadAliases(context, "output_tensor_aliases", &output_aliases));
  if (output_aliases.size() != attributes.output_types.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("output_tensor_aliases has ", output_aliases.size(),
                     " entries but output_types has ", attributes.output_types.size()));
  }

  request->model_spec.name = attributes.model_name;
  request->model_spec.version = attributes.model_version;
  request->model_spec.version_label = attributes.version_label;
  request->model_spec.signature_name = attributes.signature_name;
  request->inputs.reserve(input_aliases.size());
  for (size_t i = 0; i < input_aliases.size(); ++i) {
    request->inputs.push_back({std::move(input_aliases[i]), input_tensors[i]});
  }
  request->output_filter = std::move(output_aliases);
  return absl::OkStatus();
}

void WriteRemotePredictOutputs(OpKernelContext* context, const RemotePredictAttributes& attributes,
                               absl::Status status, PredictResponse response) {
  std::vector<Tensor> outputs;
  if (status.ok()) status = MatchOutputs(context, attributes, response, &outputs);
  if (!status.ok()) {
    if (attributes.fail_op_on_rpc_error) {
      context->SetStatus(status);
      return;
    }
    OP_REQUIRES_OK(context, SetStatusOutputs(context, status));
    OP_REQUIRES_OK(context, SetZeroOutputs(context, attributes));
    return;
  }
  OP_REQUIRES_OK(context, SetStatusOutputs(context, absl::OkStatus()));
  for (size_t i = 0; i < outputs.size(); ++i) {
    context->set_output(kFirstTensorOutput + i, outputs[i]);
  }
}

}  // namespace tfsrp
