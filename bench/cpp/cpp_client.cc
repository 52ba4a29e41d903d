// The benchmark's C++ client (d): gRPC's callback API on a generic stub, the
// same PredictRequest bytes as the library sends (model spec, input 'x' as a
// float32 tensor_content, output_filter 'y'), a closed loop of --concurrency
// calls in flight. Per call it encodes the request (one copy of the floats into
// the message) and copies the answer's tensor_content out into a float vector
// (one copy): what a lean real client does, and the floor for any Node client.
// With --loop-thread, every completion is handed to one application thread
// (a queue and an eventfd it blocks on, as libuv's uv_async wakes Node's loop),
// which decodes it and starts the next call: the same client with Node's
// threading, the floor for a client whose calls start and end on one loop.
//
//   cpp_client --target H:P --floats N --concurrency C --warmup-ms W --duration-ms D
//              [--model NAME] [--deadline-ms MS] [--loop-thread] [--absl-deadlock-detection]
// prints one JSON line: requests/s, p50/p99 latency, CPU ms per call
// (getrusage over the measured window / calls), peak RSS.
#include <grpc/support/log.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "process.h"
#include "wire.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr char kPredictMethod[] = "/tensorflow.serving.PredictionService/Predict";

struct Options {
  std::string target;
  std::string model = "half_plus_two";
  size_t floats = 16;
  int concurrency = 1;
  int warmup_ms = 500;
  int duration_ms = 2000;
  int deadline_ms = 60000;
  bool deadlock_detection = false;
  bool loop_thread = false;
};

enum Phase { kWarmup, kMeasure, kDrain };

double CpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec * 1e-6 + usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec * 1e-6;
}

class Bench {
 public:
  explicit Bench(const Options& options) : options_(options) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    args.SetMaxSendMessageSize(-1);
    stub_ = std::make_unique<grpc::GenericStub>(
        grpc::CreateCustomChannel(options.target, grpc::InsecureChannelCredentials(), args));
    input_.resize(options.floats);
    for (size_t i = 0; i < input_.size(); ++i) input_[i] = static_cast<float>(i % 1000) * 0.5f;
    BuildRequestFrame();
  }

  ~Bench() {
    if (wake_fd_ >= 0) close(wake_fd_);
  }

  void Start() {
    if (options_.loop_thread) {
      wake_fd_ = eventfd(0, EFD_CLOEXEC);
      if (wake_fd_ < 0) {
        std::perror("eventfd");
        std::exit(1);
      }
      // Detached: main() leaves with _Exit while calls may still be in flight.
      std::thread([this] { RunLoop(); }).detach();
    }
    for (int i = 0; i < options_.concurrency; ++i) Issue();
  }

  std::atomic<int> phase{kWarmup};
  std::mutex mu;
  std::condition_variable drained;
  std::vector<double> latencies_ms;  // guarded by mu, measured phase only
  long errors = 0;                   // guarded by mu
  long mismatches = 0;               // guarded by mu
  int in_flight = 0;                 // guarded by mu
  std::string first_error;           // guarded by mu

 private:
  struct Call {
    grpc::ClientContext context;
    grpc::ByteBuffer request, response;
    Clock::time_point start;
    grpc::Status status;
  };

  // gRPC's thread: queue the completion and wake the loop thread.
  void HandToLoop(Call* call, const grpc::Status& status) {
    call->status = status;
    {
      std::lock_guard<std::mutex> lock(loop_mu_);
      loop_queue_.push_back(call);
    }
    const uint64_t one = 1;
    if (write(wake_fd_, &one, sizeof one) != sizeof one) std::abort();
  }

  void RunLoop() {
    std::deque<Call*> batch;
    for (;;) {
      uint64_t count;
      if (read(wake_fd_, &count, sizeof count) != sizeof count) continue;
      {
        std::lock_guard<std::mutex> lock(loop_mu_);
        batch.swap(loop_queue_);
      }
      for (Call* call : batch) Done(call, call->status);
      batch.clear();
    }
  }

  // Everything before and after the tensor bytes is the same for every call.
  void BuildRequestFrame() {
    using namespace bench;
    const std::string tensor_header = FloatTensorHeader(input_.size());
    const size_t content = input_.size() * sizeof(float);
    const size_t tensor_size = tensor_header.size() + content;
    const std::string signature = "serving_default";
    const size_t spec_size =
        LengthDelimitedSize(options_.model.size()) + LengthDelimitedSize(signature.size());
    const size_t entry_size = LengthDelimitedSize(1) + LengthDelimitedSize(tensor_size);
    uint8_t buffer[256];
    uint8_t* p = buffer;
    p = PutKey(p, kRequestModelSpec, kLengthDelimited);
    p = PutVarint(p, spec_size);
    prefix_.assign(reinterpret_cast<char*>(buffer), p - buffer);
    p = PutKey(buffer, kSpecName, kLengthDelimited);
    p = PutVarint(p, options_.model.size());
    prefix_.append(reinterpret_cast<char*>(buffer), p - buffer);
    prefix_ += options_.model;
    p = PutKey(buffer, 3 /* signature_name */, kLengthDelimited);
    p = PutVarint(p, signature.size());
    prefix_.append(reinterpret_cast<char*>(buffer), p - buffer);
    prefix_ += signature;
    p = PutKey(buffer, kRequestInputs, kLengthDelimited);
    p = PutVarint(p, entry_size);
    p = PutKey(p, kMapKey, kLengthDelimited);
    p = PutVarint(p, 1);
    *p++ = 'x';
    p = PutKey(p, kMapValue, kLengthDelimited);
    p = PutVarint(p, tensor_size);
    prefix_.append(reinterpret_cast<char*>(buffer), p - buffer);
    prefix_ += tensor_header;
    p = PutKey(buffer, kRequestOutputFilter, kLengthDelimited);
    p = PutVarint(p, 1);
    *p++ = 'y';
    suffix_.assign(reinterpret_cast<char*>(buffer), p - buffer);
  }

  void Issue() {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++in_flight;
    }
    auto* call = new Call;
    const size_t content = input_.size() * sizeof(float);
    const size_t total = prefix_.size() + content + suffix_.size();
    char* bytes = static_cast<char*>(std::malloc(total));
    std::memcpy(bytes, prefix_.data(), prefix_.size());
    std::memcpy(bytes + prefix_.size(), input_.data(), content);
    std::memcpy(bytes + prefix_.size() + content, suffix_.data(), suffix_.size());
    grpc::Slice slice(bytes, total, &std::free);
    call->request = grpc::ByteBuffer(&slice, 1);
    call->context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::milliseconds(options_.deadline_ms));
    call->start = Clock::now();
    stub_->UnaryCall(&call->context, kPredictMethod, grpc::StubOptions(), &call->request,
                     &call->response, [this, call](const grpc::Status& status) {
                       if (options_.loop_thread) {
                         HandToLoop(call, status);
                       } else {
                         Done(call, status);
                       }
                     });
  }

  // The output tensor 'y', copied out as floats; false if absent or malformed.
  bool Decode(const grpc::ByteBuffer& response, std::vector<float>* out) {
    using namespace bench;
    SliceReader reader(response);
    bool decoded = false;
    Range content;
    // The first 'y' entry decides; reading stops there.
    reader.ForEachField(reader.All(), [&](uint32_t field, WireType type, Range payload, uint64_t) {
      if (field != kResponseOutputs || type != kLengthDelimited) return true;
      Range key, value;
      if (!reader.MapEntry(payload, &key, &value)) return false;
      uint8_t first;
      if (key.size() != 1 || !reader.Byte(key.begin, &first) || first != 'y') return true;
      uint64_t dtype = 0;
      decoded = reader.ForEachField(value,
                                    [&](uint32_t f, WireType t, Range r, uint64_t v) {
                                      if (f == kTensorDtype && t == kVarint) dtype = v;
                                      if (f == kTensorContent && t == kLengthDelimited) content = r;
                                      return true;
                                    }) &&
                dtype == kDtFloat && content.size() % sizeof(float) == 0;
      return false;
    });
    if (!decoded) return false;
    out->resize(content.size() / sizeof(float));
    reader.CopyTo(content, out->data());
    return true;
  }

  void Done(Call* call, const grpc::Status& status) {
    const double latency =
        std::chrono::duration<double, std::milli>(Clock::now() - call->start).count();
    bool ok = status.ok();
    bool mismatch = false;
    if (ok) {
      std::vector<float> output;
      mismatch = !Decode(call->response, &output) || output.size() != input_.size();
    }
    delete call;
    const int phase_now = phase.load();
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!ok) {
        ++errors;
        if (first_error.empty()) first_error = status.error_message();
      } else if (mismatch) {
        ++mismatches;
      } else if (phase_now == kMeasure) {
        latencies_ms.push_back(latency);
      }
      --in_flight;
    }
    if (phase_now != kDrain) {
      Issue();
    } else {
      std::lock_guard<std::mutex> lock(mu);
      if (in_flight == 0) drained.notify_all();
    }
  }

  Options options_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::vector<float> input_;
  std::string prefix_, suffix_;
  int wake_fd_ = -1;
  std::mutex loop_mu_;
  std::deque<Call*> loop_queue_;  // guarded by loop_mu_
};

double Percentile(std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t index = std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()));
  return sorted[index];
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Flags flags(argc, argv, {"--absl-deadlock-detection", "--loop-thread"},
                           {"--target", "--model", "--floats", "--concurrency", "--warmup-ms",
                            "--duration-ms", "--deadline-ms"},
                           "cpp_client --target H:P [--model NAME] [--floats N] [--concurrency C] "
                           "[--warmup-ms W] [--duration-ms D] [--deadline-ms MS] "
                           "[--loop-thread] [--absl-deadlock-detection]");
  Options options;
  options.target = flags.String("--target", "");
  options.model = flags.String("--model", options.model);
  options.floats = flags.Integer("--floats", options.floats);
  options.concurrency = flags.Integer("--concurrency", options.concurrency);
  options.warmup_ms = flags.Integer("--warmup-ms", options.warmup_ms);
  options.duration_ms = flags.Integer("--duration-ms", options.duration_ms);
  options.deadline_ms = flags.Integer("--deadline-ms", options.deadline_ms);
  options.deadlock_detection = flags.Has("--absl-deadlock-detection");
  options.loop_thread = flags.Has("--loop-thread");
  if (options.target.empty()) flags.Fail("--target is required");
  if (options.concurrency < 1) flags.Fail("--concurrency must be at least 1");
  bench::SetUpGrpcProcess(options.deadlock_detection);

  Bench bench(options);
  bench.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(options.warmup_ms));
  const double cpu0 = CpuSeconds();
  const Clock::time_point t0 = Clock::now();
  bench.phase.store(kMeasure);
  std::this_thread::sleep_for(std::chrono::milliseconds(options.duration_ms));
  bench.phase.store(kDrain);
  const double cpu1 = CpuSeconds();
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();

  std::vector<double> latencies;
  long errors, mismatches;
  std::string first_error;
  {
    std::unique_lock<std::mutex> lock(bench.mu);
    latencies = bench.latencies_ms;
    bench.drained.wait_for(lock, std::chrono::seconds(120), [&] { return bench.in_flight == 0; });
    errors = bench.errors;
    mismatches = bench.mismatches;
    first_error = bench.first_error;
  }
  std::sort(latencies.begin(), latencies.end());
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  const size_t count = latencies.size();
  std::string escaped;
  for (char c : first_error) {
    if (c == '"' || c == '\\') escaped += '\\';
    if (static_cast<unsigned char>(c) >= ' ') escaped += c;
  }
  std::printf(
      "{\"count\":%zu,\"elapsedS\":%.4f,\"rps\":%.2f,\"p50Ms\":%.4f,\"p99Ms\":%.4f,"
      "\"cpuMsPerCall\":%.5f,\"peakRssMb\":%.1f,\"errors\":%ld,\"mismatches\":%ld,"
      "\"firstError\":\"%s\"}\n",
      count, elapsed, count / elapsed, Percentile(latencies, 0.5), Percentile(latencies, 0.99),
      count > 0 ? (cpu1 - cpu0) * 1000.0 / count : 0.0, usage.ru_maxrss / 1024.0, errors,
      mismatches, escaped.c_str());
  std::fflush(stdout);
  // Calls still in flight past the drain limit must not hold the process.
  std::_Exit(0);
}
