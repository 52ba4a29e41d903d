#include "cpp/savedmodel/predict_signature.h"

#include <algorithm>
#include <iterator>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tensorflow/core/framework/types.pb.h"
#include "tensorflow/core/platform/errors.h"

namespace tfsrp {
namespace {

constexpr char kDefaultSignature[] = "serving_default";

std::string Braced(const std::set<std::string>& names) {
  return absl::StrCat("{", absl::StrJoin(names, ","), "}");
}

std::set<std::string> Difference(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}

// As Python prints a TensorShape: (None, 3), (None,), (), <unknown>.
std::string SpecShapeString(const TensorSpecInfo& spec) {
  if (spec.unknown_rank) return "<unknown>";
  std::vector<std::string> dims;
  for (int64_t d : spec.dims) dims.push_back(d < 0 ? "None" : absl::StrCat(d));
  return absl::StrCat("(", absl::StrJoin(dims, ", "), dims.size() == 1 ? ",)" : ")");
}

bool ShapeFits(const tensorflow::TensorShape& shape, const TensorSpecInfo& spec) {
  if (spec.unknown_rank) return true;
  if (shape.dims() != static_cast<int>(spec.dims.size())) return false;
  for (int i = 0; i < shape.dims(); ++i) {
    if (spec.dims[i] >= 0 && spec.dims[i] != shape.dim_size(i)) return false;
  }
  return true;
}

absl::Status CheckInputNames(const std::vector<NamedTensor>& inputs,
                             const SignatureInfo& signature) {
  std::set<std::string> sent, expected;
  for (const NamedTensor& input : inputs) {
    if (!sent.insert(input.alias).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("input alias '", input.alias, "' is given more than once"));
    }
  }
  for (const TensorSpecInfo& spec : signature.inputs) expected.insert(spec.name);
  if (sent == expected) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("input size does not match signature: ", sent.size(), "!=", expected.size(),
                   " len(", Braced(sent), ") != len(", Braced(expected),
                   "). Sent extra: ", Braced(Difference(sent, expected)),
                   ". Missing but required: ", Braced(Difference(expected, sent)), "."));
}

absl::Status CheckInput(const tensorflow::Tensor& tensor, const TensorSpecInfo& spec) {
  if (tensor.dtype() != spec.dtype) {
    return absl::InvalidArgumentError(
        absl::StrCat("Expects arg ", spec.name, " to be ", tensorflow::DataType_Name(spec.dtype),
                     " but ", tensorflow::DataType_Name(tensor.dtype()), " is provided"));
  }
  if (!ShapeFits(tensor.shape(), spec)) {
    return absl::InvalidArgumentError(absl::StrCat("input ", spec.name, " has shape [",
                                                   absl::StrJoin(tensor.shape().dim_sizes(), ", "),
                                                   "], signature expects ", SpecShapeString(spec)));
  }
  return absl::OkStatus();
}

absl::Status PlanOutputs(const std::vector<std::string>& filter, const SignatureInfo& signature,
                         SignatureRunPlan* plan) {
  std::set<std::string> names;
  for (const TensorSpecInfo& spec : signature.outputs) names.insert(spec.name);
  std::vector<std::string> wanted = filter;
  if (wanted.empty()) wanted.assign(names.begin(), names.end());
  for (const std::string& name : wanted) {
    if (names.count(name) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("output tensor alias not found in signature: ", name,
                       " Outputs expected to be in the set ", Braced(names), "."));
    }
  }
  std::sort(wanted.begin(), wanted.end());
  if (std::adjacent_find(wanted.begin(), wanted.end()) != wanted.end()) {
    return absl::InvalidArgumentError("duplicate output tensor alias in output_filter");
  }
  for (const std::string& name : wanted) {
    for (const TensorSpecInfo& spec : signature.outputs) {
      if (spec.name == name) plan->fetches.push_back(spec.tensor_name);
    }
  }
  plan->output_aliases = std::move(wanted);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SignatureRunPlan> PlanSignatureRun(const std::vector<SignatureInfo>& signatures,
                                                  PredictRequest request) {
  const std::string name = request.model_spec.signature_name.empty()
                               ? std::string(kDefaultSignature)
                               : request.model_spec.signature_name;
  auto signature = std::find_if(signatures.begin(), signatures.end(),
                                [&](const SignatureInfo& s) { return s.name == name; });
  if (signature == signatures.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("Serving signature name: \"", name, "\" not found in signature def"));
  }
  TF_RETURN_IF_ERROR(CheckInputNames(request.inputs, *signature));
  SignatureRunPlan plan;
  for (const TensorSpecInfo& spec : signature->inputs) {
    for (NamedTensor& input : request.inputs) {
      if (input.alias != spec.name) continue;
      TF_RETURN_IF_ERROR(CheckInput(input.tensor, spec));
      plan.feeds.emplace_back(spec.tensor_name, std::move(input.tensor));
    }
  }
  TF_RETURN_IF_ERROR(PlanOutputs(request.output_filter, *signature, &plan));
  return plan;
}

}  // namespace tfsrp
