// A fast PredictionService for the benchmark: answers
// /tensorflow.serving.PredictionService/Predict for any model by echoing
// inputs as outputs. The i-th name of the request's output_filter gets the i-th
// input tensor (the last one when there are fewer inputs); without a filter
// each input comes back under its own name. The model spec is echoed too.
//
// gRPC's callback API with a generic service: requests are never parsed into
// messages; the response references the request's tensor bytes (no copy).
//
//   echo_server [--port N] [--host H] [--absl-deadlock-detection]   prints "PORT <n>" once
//   listening and exits when its standard input closes (or on SIGTERM / SIGINT).
#include <grpc/support/log.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <unistd.h>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "process.h"
#include "wire.h"

namespace {

constexpr char kPredictMethod[] = "/tensorflow.serving.PredictionService/Predict";

grpc::Status BuildEcho(const grpc::ByteBuffer& request, grpc::ByteBuffer* response) {
  using namespace bench;
  SliceReader reader(request);
  Range spec;
  bool has_spec = false;
  struct Input {
    Range key, value;
  };
  std::vector<Input> inputs;
  std::vector<Range> filter;
  bool malformed_entry = false;
  const bool well_formed = reader.ForEachField(
      reader.All(), [&](uint32_t field, WireType type, Range payload, uint64_t) {
        if (type != kLengthDelimited) return true;
        if (field == kRequestModelSpec) {
          spec = payload;
          has_spec = true;
        } else if (field == kRequestOutputFilter) {
          filter.push_back(payload);
        } else if (field == kRequestInputs) {
          Input input;
          malformed_entry = !reader.MapEntry(payload, &input.key, &input.value);
          inputs.push_back(input);
        }
        return !malformed_entry;
      });
  if (malformed_entry) return {grpc::StatusCode::INVALID_ARGUMENT, "malformed inputs entry"};
  if (!well_formed) return {grpc::StatusCode::INVALID_ARGUMENT, "malformed PredictRequest"};
  if (inputs.empty())
    return {grpc::StatusCode::INVALID_ARGUMENT, "the PredictRequest has no inputs"};

  std::vector<grpc::Slice> slices;
  slices.reserve(4 * (filter.empty() ? inputs.size() : filter.size()) + 2);
  const size_t outputs = filter.empty() ? inputs.size() : filter.size();
  for (size_t i = 0; i < outputs; ++i) {
    const Input& input = inputs[std::min(i, inputs.size() - 1)];
    const std::string key = reader.Copy(filter.empty() ? input.key : filter[i]);
    const size_t value_size = input.value.size();
    const size_t entry_size = LengthDelimitedSize(key.size()) + LengthDelimitedSize(value_size);
    uint8_t header[64];
    uint8_t* p = PutKey(header, kResponseOutputs, kLengthDelimited);
    p = PutVarint(p, entry_size);
    p = PutKey(p, kMapKey, kLengthDelimited);
    p = PutVarint(p, key.size());
    std::string head(reinterpret_cast<char*>(header), p - header);
    head += key;
    p = PutKey(header, kMapValue, kLengthDelimited);
    p = PutVarint(p, value_size);
    head.append(reinterpret_cast<char*>(header), p - header);
    slices.emplace_back(head);
    reader.Reference(input.value, &slices);
  }
  if (has_spec) {
    uint8_t header[16];
    uint8_t* p = PutKey(header, kResponseModelSpec, kLengthDelimited);
    p = PutVarint(p, spec.size());
    slices.emplace_back(header, p - header);
    reader.Reference(spec, &slices);
  }
  *response = grpc::ByteBuffer(slices.data(), slices.size());
  return grpc::Status::OK;
}

class EchoReactor : public grpc::ServerGenericBidiReactor {
 public:
  EchoReactor() { StartRead(&request_); }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish({grpc::StatusCode::INVALID_ARGUMENT, "no request message"});
      return;
    }
    grpc::Status status = BuildEcho(request_, &response_);
    if (!status.ok()) {
      Finish(status);
      return;
    }
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }
  void OnWriteDone(bool) override {}
  void OnDone() override { delete this; }

 private:
  grpc::ByteBuffer request_, response_;
};

class Unimplemented : public grpc::ServerGenericBidiReactor {
 public:
  Unimplemented() { Finish({grpc::StatusCode::UNIMPLEMENTED, "only Predict is served"}); }
  void OnDone() override { delete this; }
};

class EchoService : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    if (context->method() == kPredictMethod) return new EchoReactor;
    return new Unimplemented;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const bench::Flags flags(argc, argv, {"--absl-deadlock-detection"}, {"--port", "--host"},
                           "echo_server [--port N] [--host H] [--absl-deadlock-detection]");
  const std::string host = flags.String("--host", "127.0.0.1");
  const int port = static_cast<int>(flags.Integer("--port", 0));
  bench::SetUpGrpcProcess(flags.Has("--absl-deadlock-detection"));

  EchoService service;
  grpc::ServerBuilder builder;
  int selected = 0;
  builder.AddListeningPort(host + ":" + std::to_string(port), grpc::InsecureServerCredentials(),
                           &selected);
  builder.SetMaxReceiveMessageSize(-1);
  builder.SetMaxSendMessageSize(-1);
  builder.RegisterCallbackGenericService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || selected == 0) {
    std::fprintf(stderr, "echo_server: cannot listen on %s:%d\n", host.c_str(), port);
    return 1;
  }
  std::printf("PORT %d\n", selected);
  std::fflush(stdout);

  // Exit with the parent: when our standard input reaches end of file.
  std::thread([] {
    char buffer[256];
    while (read(STDIN_FILENO, buffer, sizeof buffer) > 0) {
    }
    std::_Exit(0);
  }).detach();
  server->Wait();
  return 0;
}
