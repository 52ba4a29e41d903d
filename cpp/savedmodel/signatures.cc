#include "cpp/savedmodel/signatures.h"

#include <algorithm>
#include <utility>

namespace tfsrp {
namespace {

constexpr char kInitOpSignature[] = "__saved_model_init_op";

std::vector<TensorSpecInfo> SpecsOf(
    const google::protobuf::Map<std::string, tensorflow::TensorInfo>& map) {
  std::vector<TensorSpecInfo> specs;
  for (const auto& [name, info] : map) {
    TensorSpecInfo spec;
    spec.name = name;
    spec.tensor_name = info.name();
    spec.dtype = info.dtype();
    spec.unknown_rank = !info.has_tensor_shape() || info.tensor_shape().unknown_rank();
    if (!spec.unknown_rank) {
      for (const auto& dim : info.tensor_shape().dim()) spec.dims.push_back(dim.size());
    }
    specs.push_back(std::move(spec));
  }
  std::sort(specs.begin(), specs.end(),
            [](const TensorSpecInfo& a, const TensorSpecInfo& b) { return a.name < b.name; });
  return specs;
}

}  // namespace

std::vector<SignatureInfo> SignaturesOf(const tensorflow::MetaGraphDef& meta_graph) {
  std::vector<SignatureInfo> signatures;
  for (const auto& [name, def] : meta_graph.signature_def()) {
    if (name == kInitOpSignature) continue;
    signatures.push_back({name, def.method_name(), SpecsOf(def.inputs()), SpecsOf(def.outputs())});
  }
  std::sort(signatures.begin(), signatures.end(),
            [](const SignatureInfo& a, const SignatureInfo& b) { return a.name < b.name; });
  return signatures;
}

}  // namespace tfsrp
