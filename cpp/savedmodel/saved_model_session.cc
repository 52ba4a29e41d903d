#include "cpp/savedmodel/saved_model_session.h"

#include <algorithm>
#include <atomic>
#include <set>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "cpp/savedmodel/remote_predict_target_rewrite.h"
#include "tensorflow/cc/saved_model/loader.h"
#include "tensorflow/cc/saved_model/reader.h"
#include "tensorflow/core/framework/function.pb.h"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/protobuf/meta_graph.pb.h"
#include "tensorflow/core/protobuf/saved_model.pb.h"

namespace tfsrp {
namespace {

constexpr char kInitOpSignature[] = "__saved_model_init_op";

std::atomic<int64_t> live_sessions{0};

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

// Fails the load, rather than the first run, when the graph uses an op this
// process does not have.
absl::Status CheckOpsRegistered(const tensorflow::GraphDef& graph) {
  std::set<std::string> functions;
  for (const tensorflow::FunctionDef& function : graph.library().function()) {
    functions.insert(function.signature().name());
  }
  auto check = [&](const tensorflow::NodeDef& node) -> absl::Status {
    const tensorflow::OpRegistrationData* registration = nullptr;
    if (functions.count(node.op()) != 0 ||
        tensorflow::OpRegistry::Global()->LookUp(node.op(), &registration).ok()) {
      return absl::OkStatus();
    }
    return absl::NotFoundError(absl::StrCat(
        "the SavedModel uses the op '", node.op(), "' (node '", node.name(),
        "'), which is not registered in this process; load the library that defines it first"));
  };
  for (const tensorflow::NodeDef& node : graph.node()) TF_RETURN_IF_ERROR(check(node));
  for (const tensorflow::FunctionDef& function : graph.library().function()) {
    for (const tensorflow::NodeDef& node : function.node_def()) TF_RETURN_IF_ERROR(check(node));
  }
  return absl::OkStatus();
}

// TensorFlow's message for an unknown tag set does not say which exist.
absl::Status ExplainTags(absl::Status status, const SavedModelLoadOptions& options) {
  tensorflow::SavedModel saved_model;
  if (status.code() != absl::StatusCode::kNotFound ||
      !tensorflow::ReadSavedModel(options.export_dir, &saved_model).ok()) {
    return status;
  }
  std::vector<std::string> tag_sets;
  for (const tensorflow::MetaGraphDef& meta_graph : saved_model.meta_graphs()) {
    tag_sets.push_back(absl::StrCat(
        "[", absl::StrJoin(meta_graph.meta_info_def().tags(), ", "), "]"));
  }
  return absl::NotFoundError(absl::StrCat(
      options.export_dir, " has no MetaGraph with the tags [",
      absl::StrJoin(options.tags, ", "), "]; its tag sets are ",
      absl::StrJoin(tag_sets, ", ")));
}

// The session reports its own timeout as "Timed out waiting for notification"
// and a cancelled step as "CANCELLED": say which limit or request ended it.
absl::Status ExplainRunFailure(absl::Status status, const SavedModelRunRequest& request) {
  const bool cancelled =
      request.cancellation != nullptr && request.cancellation->IsCancelled();
  if (status.code() == absl::StatusCode::kCancelled && cancelled) {
    return absl::CancelledError("the run was cancelled while in flight");
  }
  if (status.code() == absl::StatusCode::kDeadlineExceeded && request.timeout_millis > 0 &&
      absl::StrContains(status.message(), "Timed out waiting for notification")) {
    return absl::DeadlineExceededError(
        absl::StrCat("the run's deadline of ", request.timeout_millis, " ms was exceeded"));
  }
  return status;
}

}  // namespace

absl::StatusOr<std::shared_ptr<SavedModelSession>> SavedModelSession::Load(
    const SavedModelLoadOptions& options) {
  const std::unordered_set<std::string> tags(options.tags.begin(), options.tags.end());
  tensorflow::MetaGraphDef meta_graph;
  absl::Status read =
      tensorflow::ReadMetaGraphDefFromSavedModel(options.export_dir, tags, &meta_graph);
  if (!read.ok()) return ExplainTags(std::move(read), options);
  TF_RETURN_IF_ERROR(CheckOpsRegistered(meta_graph.graph_def()));
  RewriteRemotePredictTargets(options.target_overrides, meta_graph.mutable_graph_def());

  std::shared_ptr<SavedModelSession> loaded(new SavedModelSession);
  tensorflow::SessionOptions session_options;
  TF_RETURN_IF_ERROR(
      tensorflow::LoadMetagraphIntoSession(session_options, meta_graph, &loaded->session_));
  TF_RETURN_IF_ERROR(tensorflow::RestoreSession(tensorflow::RunOptions(), meta_graph,
                                                options.export_dir, &loaded->session_));
  loaded->signatures_ = SignaturesOf(meta_graph);
  loaded->exchange_call_cancellation_ = options.exchange_call_cancellation;
  return loaded;
}

SavedModelSession::SavedModelSession() { ++live_sessions; }

SavedModelSession::~SavedModelSession() {
  if (session_) session_->Close().IgnoreError();
  --live_sessions;
}

int64_t SavedModelSession::LiveCount() { return live_sessions.load(); }

absl::StatusOr<std::vector<tensorflow::Tensor>> SavedModelSession::Run(
    SavedModelRunRequest request) const {
  if (request.cancellation != nullptr && request.cancellation->IsCancelled()) {
    return absl::CancelledError("the run was cancelled before it started");
  }
  tensorflow::RunOptions run_options;
  // Inline execution keeps every op of the step on this thread or on the
  // threads completing asynchronous ops, where the call cancellation is set.
  run_options.set_inter_op_thread_pool(-1);
  if (request.timeout_millis > 0) run_options.set_timeout_in_ms(request.timeout_millis);

  void* previous = nullptr;
  if (exchange_call_cancellation_ != nullptr) {
    previous = exchange_call_cancellation_(request.cancellation);
  }
  std::vector<tensorflow::Tensor> outputs;
  absl::Status status = session_->Run(run_options, request.feeds, request.fetches, {},
                                      &outputs, nullptr);
  if (exchange_call_cancellation_ != nullptr) exchange_call_cancellation_(previous);
  if (!status.ok()) return ExplainRunFailure(std::move(status), request);
  return outputs;
}

}  // namespace tfsrp
