// Builds a one-op graph holding TfServingRemotePredict with the TF C API and
// runs it in a session: the path a graph takes, exercised from Node.
#ifndef TFSRP_ADDON_GRAPH_RUNNER_H_
#define TFSRP_ADDON_GRAPH_RUNNER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace tfsrp {

struct HostTensor {
  int dtype = 0;  // TF_DataType
  std::vector<int64_t> shape;
  std::string bytes;  // little-endian element data (numeric dtypes only)
};

struct RemotePredictGraphCall {
  std::string target_address;
  std::string model_name;
  int64_t model_version = -1;
  std::string signature_name = "serving_default";
  int64_t max_rpc_deadline_millis = 3000;
  bool fail_op_on_rpc_error = true;
  std::vector<std::string> input_aliases;
  std::vector<HostTensor> inputs;
  std::vector<std::string> output_aliases;
  std::vector<int> output_types;
};

struct RemotePredictGraphResult {
  int error_code = 0;  // the session's status: non-zero when the op failed
  std::string error_message;
  int status_code = 0;  // the op's status_code output
  std::string status_error_message;
  std::vector<HostTensor> outputs;
};

RemotePredictGraphResult RunRemotePredictGraph(const RemotePredictGraphCall& call);

}  // namespace tfsrp

#endif  // TFSRP_ADDON_GRAPH_RUNNER_H_
