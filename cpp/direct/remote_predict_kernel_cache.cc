#include "cpp/direct/remote_predict_kernel_cache.h"

#include <iterator>
#include <list>
#include <mutex>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cpp/kernel/remote_predict_attributes.h"
#include "tensorflow/core/common_runtime/device_factory.h"
#include "tensorflow/core/framework/device.h"
#include "tensorflow/core/framework/node_def_builder.h"
#include "tensorflow/core/public/session_options.h"
#include "tensorflow/core/public/version.h"

namespace tfsrp {
namespace {

constexpr size_t kMaxCachedKernels = 1024;

absl::StatusOr<std::shared_ptr<tensorflow::OpKernel>> CreateKernel(
    const RemotePredictKernelKey& key) {
  std::vector<tensorflow::NodeDefBuilder::NodeOut> inputs;
  for (size_t i = 0; i < key.input_types.size(); ++i) {
    inputs.emplace_back(absl::StrCat("input_", i), 0, key.input_types[i]);
  }
  tensorflow::NodeDefBuilder builder("remote_predict", "TfServingRemotePredict");
  builder.Input("input_tensor_aliases", 0, tensorflow::DT_STRING)
      .Input(inputs)
      .Input("output_tensor_aliases", 0, tensorflow::DT_STRING)
      .Attr("target_address", key.target_address)
      .Attr("model_name", key.model_name)
      .Attr("model_version", key.model_version)
      .Attr("fail_op_on_rpc_error", key.fail_op_on_rpc_error)
      .Attr("max_rpc_deadline_millis", key.max_rpc_deadline_millis)
      .Attr("signature_name", key.signature_name)
      .Attr("output_types", key.output_types);
  if (!key.version_label.empty()) builder.Attr(kVersionLabelAttr, key.version_label);
  if (!key.kernel_label.empty()) builder.Attr("_kernel", key.kernel_label);
  if (key.max_send_message_bytes != 0) {
    builder.Attr(kMaxSendMessageBytesAttr, int64_t{key.max_send_message_bytes});
  }
  if (key.max_receive_message_bytes != 0) {
    builder.Attr(kMaxReceiveMessageBytesAttr, int64_t{key.max_receive_message_bytes});
  }
  if (key.tls_credentials_id != 0) builder.Attr(kTlsCredentialsIdAttr, key.tls_credentials_id);
  if (!key.channel_options.empty()) builder.Attr(kChannelOptionsAttr, key.channel_options);
  tensorflow::NodeDef node_def;
  TF_RETURN_IF_ERROR(builder.Finalize(&node_def));
  absl::Status status;
  std::unique_ptr<tensorflow::OpKernel> kernel = tensorflow::CreateOpKernel(
      tensorflow::DEVICE_CPU, DirectCpuDevice(), tensorflow::cpu_allocator(), node_def,
      TF_GRAPH_DEF_VERSION, &status);
  TF_RETURN_IF_ERROR(status);
  return std::shared_ptr<tensorflow::OpKernel>(std::move(kernel));
}

std::string TypeList(const tensorflow::DataTypeVector& types) {
  return absl::StrJoin(types, ",", [](std::string* out, tensorflow::DataType t) {
    absl::StrAppend(out, static_cast<int>(t));
  });
}

}  // namespace

std::string RemotePredictKernelKey::Fingerprint() const {
  // Length-prefixed so that no two keys share a fingerprint.
  std::string out;
  for (const std::string* s : {&kernel_label, &target_address, &model_name, &version_label,
                               &signature_name, &channel_options}) {
    absl::StrAppend(&out, s->size(), ":", *s, ";");
  }
  absl::StrAppend(&out, model_version, ";", fail_op_on_rpc_error, ";", max_rpc_deadline_millis, ";",
                  max_send_message_bytes, ";", max_receive_message_bytes, ";", tls_credentials_id,
                  ";", TypeList(input_types), ";", TypeList(output_types));
  return out;
}

tensorflow::DeviceBase* DirectCpuDevice() {
  static tensorflow::Device* device =
      tensorflow::DeviceFactory::NewDevice("CPU", tensorflow::SessionOptions(),
                                           "/job:localhost/replica:0/task:0")
          .release();
  return device;
}

absl::StatusOr<std::shared_ptr<tensorflow::OpKernel>> GetRemotePredictKernel(
    const RemotePredictKernelKey& key) {
  // Least recently used first; calls in flight keep evicted kernels alive.
  using Entry = std::pair<std::string, std::shared_ptr<tensorflow::OpKernel>>;
  static auto* mu = new std::mutex;
  static auto* order = new std::list<Entry>;
  static auto* by_fingerprint = new std::unordered_map<std::string, std::list<Entry>::iterator>;
  std::string fingerprint = key.Fingerprint();
  std::lock_guard<std::mutex> lock(*mu);
  auto found = by_fingerprint->find(fingerprint);
  if (found != by_fingerprint->end()) {
    order->splice(order->end(), *order, found->second);
    return found->second->second;
  }
  auto kernel = CreateKernel(key);
  if (!kernel.ok()) return kernel.status();
  if (order->size() >= kMaxCachedKernels) {
    by_fingerprint->erase(order->front().first);
    order->pop_front();
  }
  order->emplace_back(fingerprint, *kernel);
  (*by_fingerprint)[std::move(fingerprint)] = std::prev(order->end());
  return *kernel;
}

}  // namespace tfsrp
