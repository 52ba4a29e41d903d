// The SignatureDefs of a MetaGraph as the addon hands them to JavaScript.
#ifndef TFSRP_SAVEDMODEL_SIGNATURES_H_
#define TFSRP_SAVEDMODEL_SIGNATURES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tensorflow/core/framework/types.pb.h"
#include "tensorflow/core/protobuf/meta_graph.pb.h"

namespace tfsrp {

struct TensorSpecInfo {
  std::string name;         // the signature's key
  std::string tensor_name;  // the graph tensor, e.g. "serving_default_x:0"
  tensorflow::DataType dtype = tensorflow::DT_INVALID;
  bool unknown_rank = true;
  std::vector<int64_t> dims;  // -1 for an unknown dimension
};

struct SignatureInfo {
  std::string name;
  std::string method_name;
  std::vector<TensorSpecInfo> inputs;   // sorted by name
  std::vector<TensorSpecInfo> outputs;  // sorted by name
};

// Every signature but the init op's, sorted by name.
std::vector<SignatureInfo> SignaturesOf(const tensorflow::MetaGraphDef& meta_graph);

}  // namespace tfsrp

#endif  // TFSRP_SAVEDMODEL_SIGNATURES_H_
