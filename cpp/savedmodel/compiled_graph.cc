#include "cpp/savedmodel/compiled_graph.h"

#include <atomic>
#include <utility>

#include "absl/synchronization/notification.h"
#include "tensorflow/core/common_runtime/graph_constructor.h"
#include "tensorflow/core/common_runtime/rendezvous_mgr.h"
#include "tensorflow/core/framework/function.h"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_segment.h"
#include "tensorflow/core/framework/resource_mgr.h"
#include "tensorflow/core/framework/session_state.h"
#include "tensorflow/core/graph/subgraph.h"

namespace tfsrp {
namespace {

using tensorflow::OpKernel;
using tensorflow::OpSegment;

// Process-wide unique, far from DirectSession's counter (which starts at 1):
// a step's per-step resources live in the device's ResourceMgr as
// "__per_step_<id>" until its ScopedStepContainer cleans them up.
std::atomic<int64_t> next_step_id{int64_t{1} << 48};

// DirectSession's kernel policy: stateful kernels are owned by the device's
// OpSegment under the model's handle, so the restore, the init op and every
// signature share one instance (a table without shared_name that the init op
// fills is the one a signature reads); the executor owns the others.
void SetKernelPolicy(ModelRuntime* runtime, tensorflow::LocalExecutorParams* params) {
  tensorflow::FunctionLibraryRuntime* flr = runtime->function_runtime();
  OpSegment* segment = runtime->device()->op_segment();
  const std::string handle = runtime->kernel_handle();
  params->create_kernel = [flr, segment, handle](
                              const std::shared_ptr<const tensorflow::NodeProperties>& props,
                              OpKernel** kernel) -> absl::Status {
    if (!OpSegment::ShouldOwnKernel(flr, props->node_def.op())) {
      return flr->CreateKernel(props, kernel);
    }
    auto create = [flr, &props](OpKernel** created) { return flr->CreateKernel(props, created); };
    return segment->FindOrCreate(handle, props->node_def.name(), kernel, create);
  };
  params->delete_kernel = [flr](OpKernel* kernel) {
    if (kernel != nullptr && !OpSegment::ShouldOwnKernel(flr, kernel->type_string())) {
      delete kernel;
    }
  };
}

}  // namespace

// What one run needs besides the executor, freed when it ends.
struct CompiledGraph::Step {
  Step(int64_t step_id, tensorflow::Device* device, const tensorflow::DeviceMgr* device_mgr,
       const tensorflow::DataTypeVector& arg_types, const tensorflow::DataTypeVector& ret_types)
      : frame(arg_types, ret_types),
        rendezvous(new tensorflow::IntraProcessRendezvous(device_mgr)),
        step_container(step_id, [device](const std::string& name) {
          device->resource_manager()->Cleanup(name).IgnoreError();
        }) {}

  tensorflow::FunctionCallFrame frame;
  tsl::core::RefCountPtr<tensorflow::IntraProcessRendezvous> rendezvous;
  tensorflow::TensorStore tensor_store;
  tensorflow::ScopedStepContainer step_container;
};

absl::StatusOr<std::unique_ptr<CompiledGraph>> CompiledGraph::Compile(
    std::shared_ptr<ModelRuntime> runtime, const tensorflow::GraphDef& graph_def,
    const std::vector<std::string>& feeds, const std::vector<std::string>& fetches,
    const std::vector<std::string>& targets) {
  std::unique_ptr<CompiledGraph> compiled(new CompiledGraph);
  compiled->runtime_ = runtime;  // a copy: `runtime` is used below
  compiled->graph_ = std::make_unique<tensorflow::Graph>(tensorflow::OpRegistry::Global());
  tensorflow::GraphConstructorOptions options;
  options.allow_internal_ops = true;
  options.expect_device_spec = false;
  TF_RETURN_IF_ERROR(
      tensorflow::ConvertGraphDefToGraph(options, graph_def, compiled->graph_.get()));
  tensorflow::subgraph::RewriteGraphMetadata metadata;
  TF_RETURN_IF_ERROR(tensorflow::subgraph::RewriteGraphForExecution(
      compiled->graph_.get(), feeds, fetches, targets, runtime->device()->attributes(),
      /*use_function_convention=*/true, &metadata));
  compiled->arg_types_ = metadata.feed_types;
  compiled->ret_types_ = metadata.fetch_types;
  // Requested devices are ignored: everything runs on the model's CPU.
  for (tensorflow::Node* node : compiled->graph_->nodes()) {
    node->set_assigned_device_name(runtime->device()->name());
  }

  tensorflow::LocalExecutorParams params;
  params.device = runtime->device();
  params.function_library = runtime->function_runtime();
  SetKernelPolicy(runtime.get(), &params);
  tensorflow::Executor* executor = nullptr;
  TF_RETURN_IF_ERROR(tensorflow::NewLocalExecutor(params, *compiled->graph_, &executor));
  compiled->executor_.reset(executor);
  return compiled;
}

CompiledGraph::~CompiledGraph() {
  executor_.reset();  // deletes its kernels: before the graph and the runtime
  graph_.reset();
  runtime_.reset();
}

void CompiledGraph::RunAsync(std::vector<tensorflow::Tensor> inputs,
                             tensorflow::CancellationManager* cancellation,
                             tensorflow::thread::ThreadPool* pool, Done done) {
  Start(
      std::move(inputs), cancellation,
      [pool](std::function<void()> closure) { pool->Schedule(std::move(closure)); },
      /*inline_kernels=*/false, std::move(done));
}

absl::Status CompiledGraph::RunInline(std::vector<tensorflow::Tensor> inputs) {
  absl::Notification finished;
  absl::Status result;
  Start(
      std::move(inputs), nullptr, [](std::function<void()> closure) { closure(); },
      /*inline_kernels=*/true,
      [&](absl::Status status, std::vector<tensorflow::Tensor>) {
        result = std::move(status);
        finished.Notify();
      });
  finished.WaitForNotification();
  return result;
}

void CompiledGraph::Start(std::vector<tensorflow::Tensor> inputs,
                          tensorflow::CancellationManager* cancellation,
                          std::function<void(std::function<void()>)> runner, bool inline_kernels,
                          Done done) {
  const int64_t step_id = next_step_id.fetch_add(1);
  auto* step =
      new Step(step_id, runtime_->device(), runtime_->device_mgr(), arg_types_, ret_types_);
  absl::Status status = step->frame.SetArgs(inputs);
  if (!status.ok()) {
    delete step;
    done(std::move(status), {});
    return;
  }
  tensorflow::Executor::Args args;
  args.step_id = step_id;
  args.call_frame = &step->frame;
  args.rendezvous = step->rendezvous.get();
  args.cancellation_manager = cancellation;
  args.session_config = &runtime_->config();
  args.session_handle = runtime_->kernel_handle();
  args.tensor_store = &step->tensor_store;
  args.step_container = &step->step_container;
  args.sync_on_finish = false;
  args.runner = std::move(runner);
  args.run_all_kernels_inline = inline_kernels;
  executor_->RunAsync(args, [step, done = std::move(done)](const absl::Status& run_status) {
    std::vector<tensorflow::Tensor> outputs;
    absl::Status status = run_status;
    if (status.ok()) status = step->frame.ConsumeRetvals(&outputs, /*allow_dead_tensors=*/false);
    delete step;
    done(std::move(status), std::move(outputs));
  });
}

}  // namespace tfsrp
