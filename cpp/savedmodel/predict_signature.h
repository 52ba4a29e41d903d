// A PredictRequest checked against a SavedModel's signature as TF Serving's
// Predict checks it (and with the messages of the repository's reference
// server, test/reference_server.py), turned into the run's feeds and fetches.
#ifndef TFSRP_SAVEDMODEL_PREDICT_SIGNATURE_H_
#define TFSRP_SAVEDMODEL_PREDICT_SIGNATURE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "cpp/codec/predict_messages.h"
#include "cpp/savedmodel/signatures.h"

namespace tfsrp {

struct SignatureRunPlan {
  // By graph tensor name, in the signature's input order (as precompiled).
  std::vector<std::pair<std::string, tensorflow::Tensor>> feeds;
  std::vector<std::string> fetches;         // graph tensor names
  std::vector<std::string> output_aliases;  // of each fetch, sorted
};

// FAILED_PRECONDITION for an unknown signature ("" is serving_default);
// INVALID_ARGUMENT for inputs that are missing, extra, repeated, of another
// dtype or an incompatible shape, and for an output filter naming an unknown
// or repeated output. An empty filter asks for every output.
absl::StatusOr<SignatureRunPlan> PlanSignatureRun(const std::vector<SignatureInfo>& signatures,
                                                  PredictRequest request);

}  // namespace tfsrp

#endif  // TFSRP_SAVEDMODEL_PREDICT_SIGNATURE_H_
