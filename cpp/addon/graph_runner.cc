#include "cpp/addon/graph_runner.h"

#include <cstring>
#include <memory>

#include "tensorflow/c/c_api.h"

namespace tfsrp {
namespace {

struct StatusDeleter { void operator()(TF_Status* s) const { TF_DeleteStatus(s); } };
struct GraphDeleter { void operator()(TF_Graph* g) const { TF_DeleteGraph(g); } };
struct TensorDeleter { void operator()(TF_Tensor* t) const { TF_DeleteTensor(t); } };
using StatusPtr = std::unique_ptr<TF_Status, StatusDeleter>;
using GraphPtr = std::unique_ptr<TF_Graph, GraphDeleter>;
using TensorPtr = std::unique_ptr<TF_Tensor, TensorDeleter>;

TensorPtr StringVector(const std::vector<std::string>& values) {
  const int64_t dims[] = {static_cast<int64_t>(values.size())};
  TensorPtr tensor(TF_AllocateTensor(TF_STRING, dims, 1,
                                     sizeof(TF_TString) * values.size()));
  auto* strings = static_cast<TF_TString*>(TF_TensorData(tensor.get()));
  for (size_t i = 0; i < values.size(); ++i) {
    TF_StringInit(&strings[i]);
    TF_StringCopy(&strings[i], values[i].data(), values[i].size());
  }
  return tensor;
}

TensorPtr NumericTensor(const HostTensor& host) {
  TensorPtr tensor(TF_AllocateTensor(static_cast<TF_DataType>(host.dtype),
                                     host.shape.data(),
                                     static_cast<int>(host.shape.size()),
                                     host.bytes.size()));
  if (!host.bytes.empty()) {
    std::memcpy(TF_TensorData(tensor.get()), host.bytes.data(), host.bytes.size());
  }
  return tensor;
}

TF_Output Constant(TF_Graph* graph, const std::string& name, TF_Tensor* value,
                   TF_Status* status) {
  TF_OperationDescription* desc = TF_NewOperation(graph, "Const", name.c_str());
  TF_SetAttrTensor(desc, "value", value, status);
  TF_SetAttrType(desc, "dtype", TF_TensorType(value));
  return {TF_FinishOperation(desc, status), 0};
}

HostTensor ToHost(TF_Tensor* tensor) {
  HostTensor host;
  host.dtype = TF_TensorType(tensor);
  for (int i = 0; i < TF_NumDims(tensor); ++i) host.shape.push_back(TF_Dim(tensor, i));
  if (host.dtype == TF_STRING) {
    const auto* strings = static_cast<const TF_TString*>(TF_TensorData(tensor));
    if (TF_TensorElementCount(tensor) > 0) {
      host.bytes.assign(TF_StringGetDataPointer(&strings[0]),
                        TF_StringGetSize(&strings[0]));
    }
  } else {
    host.bytes.assign(static_cast<const char*>(TF_TensorData(tensor)),
                      TF_TensorByteSize(tensor));
  }
  return host;
}

}  // namespace

RemotePredictGraphResult RunRemotePredictGraph(const RemotePredictGraphCall& call) {
  RemotePredictGraphResult result;
  StatusPtr status(TF_NewStatus());
  GraphPtr graph(TF_NewGraph());
  auto failed = [&] {
    if (TF_GetCode(status.get()) == TF_OK) return false;
    result.error_code = TF_GetCode(status.get());
    result.error_message = TF_Message(status.get());
    return true;
  };

  TensorPtr input_aliases = StringVector(call.input_aliases);
  TensorPtr output_aliases = StringVector(call.output_aliases);
  std::vector<TensorPtr> inputs;
  for (const HostTensor& host : call.inputs) inputs.push_back(NumericTensor(host));

  TF_Output input_aliases_node =
      Constant(graph.get(), "input_tensor_aliases", input_aliases.get(), status.get());
  if (failed()) return result;
  TF_Output output_aliases_node =
      Constant(graph.get(), "output_tensor_aliases", output_aliases.get(), status.get());
  if (failed()) return result;
  std::vector<TF_Output> input_nodes;
  std::vector<TF_DataType> input_types;
  for (size_t i = 0; i < inputs.size(); ++i) {
    input_nodes.push_back(Constant(graph.get(), "input_" + std::to_string(i),
                                   inputs[i].get(), status.get()));
    if (failed()) return result;
    input_types.push_back(TF_TensorType(inputs[i].get()));
  }

  TF_OperationDescription* desc =
      TF_NewOperation(graph.get(), "TfServingRemotePredict", "remote_predict");
  TF_AddInput(desc, input_aliases_node);
  TF_AddInputList(desc, input_nodes.data(), static_cast<int>(input_nodes.size()));
  TF_AddInput(desc, output_aliases_node);
  TF_SetAttrTypeList(desc, "T", input_types.data(), static_cast<int>(input_types.size()));
  TF_SetAttrString(desc, "target_address", call.target_address.data(),
                   call.target_address.size());
  TF_SetAttrString(desc, "model_name", call.model_name.data(), call.model_name.size());
  TF_SetAttrInt(desc, "model_version", call.model_version);
  TF_SetAttrBool(desc, "fail_op_on_rpc_error", call.fail_op_on_rpc_error);
  TF_SetAttrInt(desc, "max_rpc_deadline_millis", call.max_rpc_deadline_millis);
  TF_SetAttrString(desc, "signature_name", call.signature_name.data(),
                   call.signature_name.size());
  std::vector<TF_DataType> output_types;
  for (int type : call.output_types) output_types.push_back(static_cast<TF_DataType>(type));
  TF_SetAttrTypeList(desc, "output_types", output_types.data(),
                     static_cast<int>(output_types.size()));
  TF_Operation* op = TF_FinishOperation(desc, status.get());
  if (failed()) return result;

  TF_SessionOptions* options = TF_NewSessionOptions();
  TF_Session* session = TF_NewSession(graph.get(), options, status.get());
  TF_DeleteSessionOptions(options);
  if (failed()) return result;

  const int num_outputs = 2 + static_cast<int>(call.output_aliases.size());
  std::vector<TF_Output> fetches;
  for (int i = 0; i < num_outputs; ++i) fetches.push_back({op, i});
  std::vector<TF_Tensor*> values(num_outputs, nullptr);
  TF_SessionRun(session, nullptr, nullptr, nullptr, 0, fetches.data(), values.data(),
                num_outputs, nullptr, 0, nullptr, status.get());
  if (!failed()) {
    result.status_code = *static_cast<int32_t*>(TF_TensorData(values[0]));
    result.status_error_message = ToHost(values[1]).bytes;
    for (int i = 2; i < num_outputs; ++i) result.outputs.push_back(ToHost(values[i]));
  }
  for (TF_Tensor* value : values) {
    if (value != nullptr) TF_DeleteTensor(value);
  }
  StatusPtr close_status(TF_NewStatus());
  TF_CloseSession(session, close_status.get());
  TF_DeleteSession(session, close_status.get());
  return result;
}

}  // namespace tfsrp
