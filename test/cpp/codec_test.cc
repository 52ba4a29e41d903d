// The codec's copy-avoidance: large tensor_content is sent from the input
// tensor's buffer (and keeps it alive), and a response is decoded from the
// chunks gRPC received it in, whatever their boundaries. The bytes themselves
// are checked against Python's protobuf by test/python/test_codec_bytes.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cpp/codec/large_tensor_allocator.h"
#include "cpp/codec/predict_request_encoder.h"
#include "cpp/codec/predict_response_decoder.h"
#include "tensor_test_util.h"
#include "tensorflow/core/framework/tensor.pb.h"

namespace tfsrp {
namespace {

using tensorflow::Tensor;

std::vector<float> Floats(size_t n) {
  std::vector<float> values(n);
  for (size_t i = 0; i < n; ++i) values[i] = static_cast<float>(i) * 0.5f;
  return values;
}

PredictRequest Request(std::vector<NamedTensor> inputs) {
  PredictRequest request;
  request.model_spec.name = "m";
  request.inputs = std::move(inputs);
  request.output_filter = {"y"};
  return request;
}

size_t PiecesSize(const EncodedRequest& encoded) {
  size_t size = 0;
  for (absl::string_view piece : encoded.pieces) size += piece.size();
  return size;
}

TEST(CodecTest, LargeNumericContentIsSentFromTheTensor) {
  const Tensor large = AsTensor(Floats(16384));  // 64 KiB
  Tensor text(tensorflow::DT_STRING, tensorflow::TensorShape({1}));
  text.flat<tensorflow::tstring>()(0) = std::string(10000, 's');
  auto encoded =
      EncodePredictRequest(Request({{"a", AsTensor(Floats(4))}, {"b", large}, {"c", text}}),
                           TensorEncoding::kTensorContent);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  // frame (spec, a, b's header) | b's content | frame (c, output filter)
  ASSERT_EQ(encoded->pieces.size(), 3u);
  EXPECT_EQ(encoded->pieces[1].data(), large.tensor_data().data());
  EXPECT_EQ(encoded->pieces[1].size(), large.tensor_data().size());
  ASSERT_EQ(encoded->referenced.size(), 1u);
  EXPECT_TRUE(encoded->referenced[0].SharesBufferWith(large));
  EXPECT_EQ(PiecesSize(*encoded), encoded->size);
  EXPECT_EQ(encoded->frame.size, encoded->size - large.tensor_data().size());
  EXPECT_EQ(Flatten(*encoded).size(), encoded->size);
}

TEST(CodecTest, SmallContentAndTypedFieldsStayInTheFrame) {
  auto small = EncodePredictRequest(Request({{"x", AsTensor(Floats(1023))}}),
                                    TensorEncoding::kTensorContent);
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->pieces.size(), 1u);
  EXPECT_TRUE(small->referenced.empty());

  auto typed =
      EncodePredictRequest(Request({{"x", AsTensor(Floats(16384))}}), TensorEncoding::kTypedFields);
  ASSERT_TRUE(typed.ok()) << typed.status();
  EXPECT_EQ(typed->pieces.size(), 1u);
  EXPECT_TRUE(typed->referenced.empty());
  EXPECT_EQ(typed->frame.size, typed->size);
}

TEST(CodecTest, TheEncodedRequestKeepsTheInputAlive) {
  std::unique_ptr<EncodedRequest> encoded;
  const std::vector<float> values = Floats(8192);
  {
    Tensor input = AsTensor(values);
    auto result = EncodePredictRequest(Request({{"x", input}}), TensorEncoding::kTensorContent);
    ASSERT_TRUE(result.ok()) << result.status();
    encoded = std::make_unique<EncodedRequest>(*std::move(result));
  }
  ASSERT_EQ(encoded->pieces.size(), 3u);
  // Read after every other reference to the buffer is gone (ASan checks it).
  EXPECT_EQ(encoded->pieces[1], absl::string_view(reinterpret_cast<const char*>(values.data()),
                                                  values.size() * sizeof(float)));
}

// A PredictResponse with one outputs entry per (alias, TensorProto).
std::string Response(const std::vector<std::pair<std::string, tensorflow::TensorProto>>& outputs) {
  auto varint = [](std::string* out, uint64_t v) {
    while (v >= 0x80) {
      out->push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out->push_back(static_cast<char>(v));
  };
  auto field = [&](std::string* out, int number, const std::string& bytes) {
    varint(out, (number << 3) | 2);
    varint(out, bytes.size());
    *out += bytes;
  };
  std::string response;
  for (const auto& [alias, proto] : outputs) {
    std::string entry;
    field(&entry, 1, alias);
    field(&entry, 2, proto.SerializeAsString());
    field(&response, 1, entry);
  }
  return response;
}

TEST(CodecTest, DecodesAcrossEveryChunkBoundary) {
  const Tensor content = AsTensor(Floats(3000));
  tensorflow::TensorProto content_proto;
  content.AsProtoTensorContent(&content_proto);
  const Tensor typed = AsTensor(std::vector<int64_t>{1, -2, 3});
  tensorflow::TensorProto typed_proto;
  typed.AsProtoField(&typed_proto);
  Tensor text(tensorflow::DT_STRING, tensorflow::TensorShape({2}));
  text.flat<tensorflow::tstring>()(0) = "hello";
  text.flat<tensorflow::tstring>()(1) = std::string(300, 'w');
  tensorflow::TensorProto text_proto;
  text.AsProtoField(&text_proto);
  const std::string bytes =
      Response({{"content", content_proto}, {"typed", typed_proto}, {"text", text_proto}});

  for (size_t chunk : {size_t{1}, size_t{2}, size_t{5}, size_t{4096}, bytes.size()}) {
    SCOPED_TRACE("chunks of " + std::to_string(chunk));
    std::vector<std::unique_ptr<char[]>> storage;
    std::vector<absl::string_view> chunks;
    for (size_t at = 0; at < bytes.size(); at += chunk) {
      const size_t n = std::min(chunk, bytes.size() - at);
      storage.emplace_back(new char[n]);
      std::memcpy(storage.back().get(), bytes.data() + at, n);
      chunks.emplace_back(storage.back().get(), n);
    }
    auto decoded = DecodePredictResponse(ChunkedBytes(chunks));
    storage.clear();  // the outputs own their bytes
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    ASSERT_EQ(decoded->outputs.size(), 3u);
    EXPECT_EQ(decoded->outputs[0].alias, "content");
    ExpectTensorEqual<float>(decoded->outputs[0].tensor, content);
    EXPECT_EQ(decoded->outputs[1].alias, "text");
    ExpectTensorEqual<tensorflow::tstring>(decoded->outputs[1].tensor, text);
    EXPECT_EQ(decoded->outputs[2].alias, "typed");
    ExpectTensorEqual<int64_t>(decoded->outputs[2].tensor, typed);
  }
}

TEST(CodecTest, TruncatedChunksAreMalformed) {
  tensorflow::TensorProto proto;
  AsTensor(Floats(100)).AsProtoTensorContent(&proto);
  const std::string bytes = Response({{"y", proto}});
  const absl::string_view whole(bytes);
  const std::vector<absl::string_view> chunks = {whole.substr(0, 50),
                                                 whole.substr(50, bytes.size() - 51)};
  auto decoded = DecodePredictResponse(ChunkedBytes(chunks));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_CONTAINS(decoded.status().message(), "malformed PredictResponse");
}

bool SanitizedBuild() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#else
  return false;
#endif
}

TEST(LargeTensorAllocatorTest, SmallAndStringTensorsUseTensorFlowsAllocator) {
  EXPECT_EQ(LargeTensorAllocator::For(tensorflow::DT_FLOAT, 1000), tensorflow::cpu_allocator());
  EXPECT_EQ(LargeTensorAllocator::For(tensorflow::DT_STRING, 1 << 24), tensorflow::cpu_allocator());
  EXPECT_EQ(LargeTensorAllocator::For(tensorflow::DT_FLOAT, 0), tensorflow::cpu_allocator());
}

TEST(LargeTensorAllocatorTest, LargeTensorsReuseFreedMappingsOfTheirSize) {
  if (SanitizedBuild()) GTEST_SKIP() << "AddressSanitizer builds use TensorFlow's allocator";
  const int64_t elements = 1 << 20;  // 4 MiB of floats
  tensorflow::Allocator* allocator = LargeTensorAllocator::For(tensorflow::DT_FLOAT, elements);
  ASSERT_NE(allocator, tensorflow::cpu_allocator());
  const void* first_data = nullptr;
  {
    tensorflow::Tensor tensor(allocator, tensorflow::DT_FLOAT, tensorflow::TensorShape({elements}));
    ASSERT_TRUE(tensor.IsInitialized());
    first_data = tensor.tensor_data().data();
    EXPECT_EQ(reinterpret_cast<uintptr_t>(first_data) % 64, 0u);
    auto flat = tensor.flat<float>();
    for (int64_t i = 0; i < elements; ++i) flat(i) = static_cast<float>(i);
    EXPECT_EQ(flat(elements - 1), static_cast<float>(elements - 1));
  }
  tensorflow::Tensor again(allocator, tensorflow::DT_FLOAT, tensorflow::TensorShape({elements}));
  EXPECT_EQ(again.tensor_data().data(), first_data);
  // Another size gets its own mapping while the first is in use.
  tensorflow::Tensor other(allocator, tensorflow::DT_FLOAT,
                           tensorflow::TensorShape({elements + 4096}));
  ASSERT_TRUE(other.IsInitialized());
  EXPECT_NE(other.tensor_data().data(), first_data);
}

TEST(LargeTensorAllocatorTest, DecodedLargeOutputsUseIt) {
  const std::vector<float> values = Floats(1 << 19);  // 2 MiB
  tensorflow::TensorProto proto;
  AsTensor(values).AsProtoTensorContent(&proto);
  const std::string bytes = Response({{"y", proto}});
  const std::vector<absl::string_view> chunks = {absl::string_view(bytes)};
  auto decoded = DecodePredictResponse(ChunkedBytes(chunks));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ExpectTensorEqual<float>(decoded->outputs[0].tensor, AsTensor(values));
  if (!SanitizedBuild()) {
    tensorflow::Tensor probe(LargeTensorAllocator::For(tensorflow::DT_FLOAT, 1 << 19),
                             tensorflow::DT_FLOAT, tensorflow::TensorShape({1 << 19}));
    // The decoded output holds its mapping: a new tensor of its size gets another one.
    EXPECT_NE(probe.tensor_data().data(), decoded->outputs[0].tensor.tensor_data().data());
  }
}

}  // namespace
}  // namespace tfsrp
