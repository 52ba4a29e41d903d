#include "cpp/savedmodel/model_restore.h"

#include <utility>
#include <vector>

#include "cpp/savedmodel/compiled_graph.h"
#include "tensorflow/cc/saved_model/constants.h"
#include "tensorflow/cc/saved_model/loader_util.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/platform/env.h"
#include "tensorflow/core/platform/path.h"

namespace tfsrp {
namespace {

using tensorflow::Tensor;

Tensor StringScalar(const std::string& value) {
  Tensor tensor(tensorflow::DT_STRING, tensorflow::TensorShape({}));
  tensor.scalar<tensorflow::tstring>()() = value;
  return tensor;
}

// Compiles feeds -> targets and runs it once, inline.
absl::Status RunOnce(const std::shared_ptr<ModelRuntime>& runtime,
                     const tensorflow::GraphDef& graph, const std::vector<std::string>& feeds,
                     std::vector<Tensor> inputs, const std::string& target) {
  auto compiled = CompiledGraph::Compile(runtime, graph, feeds, {}, {target});
  if (!compiled.ok()) return compiled.status();
  return (*compiled)->RunInline(std::move(inputs));
}

}  // namespace

absl::Status RestoreAndInitialize(const std::shared_ptr<ModelRuntime>& runtime,
                                  const tensorflow::MetaGraphDef& meta_graph,
                                  const std::string& export_dir) {
  // The asset files, fed to their placeholders (tensorflow's RunInitOp).
  std::vector<tensorflow::AssetFileDef> assets;
  TF_RETURN_IF_ERROR(tensorflow::internal::GetAssetFileDefs(meta_graph, &assets));
  std::vector<std::string> asset_feeds;
  std::vector<Tensor> asset_paths;
  for (const tensorflow::AssetFileDef& asset : assets) {
    asset_feeds.push_back(asset.tensor_info().name());
    asset_paths.push_back(StringScalar(tensorflow::io::JoinPath(
        export_dir, tensorflow::kSavedModelAssetsDirectory, asset.filename())));
  }

  // Variables (tensorflow::RestoreSession): feed the checkpoint prefix to the
  // saver's restore op; nothing to do for a model without variables.
  const tensorflow::SaverDef& saver = meta_graph.saver_def();
  const std::string variables =
      tensorflow::io::JoinPath(export_dir, tensorflow::kSavedModelVariablesDirectory,
                               tensorflow::kSavedModelVariablesFilename);
  if (meta_graph.has_saver_def() && !saver.restore_op_name().empty() &&
      tensorflow::Env::Default()->FileExists(variables + ".index").ok()) {
    std::vector<std::string> feeds = {saver.filename_tensor_name()};
    feeds.insert(feeds.end(), asset_feeds.begin(), asset_feeds.end());
    std::vector<Tensor> inputs = {StringScalar(variables)};
    inputs.insert(inputs.end(), asset_paths.begin(), asset_paths.end());
    TF_RETURN_IF_ERROR(RunOnce(runtime, meta_graph.graph_def(), feeds, std::move(inputs),
                               saver.restore_op_name()));
  }

  // The init op: __saved_model_init_op, main_op or legacy_init_op.
  std::string init_op;
  TF_RETURN_IF_ERROR(tensorflow::internal::GetInitOp(export_dir, meta_graph, &init_op));
  if (init_op.empty()) return absl::OkStatus();
  return RunOnce(runtime, meta_graph.graph_def(), asset_feeds, std::move(asset_paths), init_op);
}

}  // namespace tfsrp
