// Encodes PredictRequests and decodes PredictResponses described on stdin,
// one per line, so an independent encoder can check our bytes.
//
//   encode <tensor_content|typed_fields> <name> <version> <label> <signature>
//          <n> (<alias> <dtype> <rank> <dim>... <payload>){n} <m> (<filter>){m}
//   decode <bytes>
//
// A decode is also run on the bytes cut into chunks of 1 (inputs under 64 KiB), 3 and 1000
// bytes, each chunk in its own allocation, and must give the same answer.
//
// Strings and bytes are written "x<hex>"; a payload is "x<hex>" of the
// little-endian element bytes, or for DT_STRING "<count> (x<hex>){count}".
// Answers: "ok x<hex>" for encode; "ok <n> (<alias> <dtype> <rank> <dim>...
// <payload>){n}" for decode, outputs sorted by alias; or "error <code> <message>".
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "cpp/codec/predict_request_encoder.h"
#include "cpp/codec/predict_response_decoder.h"

namespace tfsrp {
namespace {

using tensorflow::Tensor;

std::string ReadBytes(std::istream& in) {
  std::string token;
  in >> token;
  if (token.empty() || token[0] != 'x') throw std::runtime_error("expected x<hex>: " + token);
  return absl::HexStringToBytes(token.substr(1));
}

std::string WriteBytes(absl::string_view bytes) {
  return "x" + absl::BytesToHexString(bytes);
}

Tensor ReadTensor(std::istream& in) {
  int dtype, rank;
  in >> dtype >> rank;
  tensorflow::TensorShape shape;
  for (int i = 0; i < rank; ++i) {
    int64_t dim;
    in >> dim;
    shape.AddDim(dim);
  }
  Tensor tensor(static_cast<tensorflow::DataType>(dtype), shape);
  if (tensor.dtype() == tensorflow::DT_STRING) {
    int64_t count;
    in >> count;
    for (int64_t i = 0; i < count; ++i) tensor.flat<tensorflow::tstring>()(i) = ReadBytes(in);
  } else {
    const std::string bytes = ReadBytes(in);
    if (bytes.size() != tensor.tensor_data().size()) throw std::runtime_error("payload size");
    std::memcpy(const_cast<char*>(tensor.tensor_data().data()), bytes.data(), bytes.size());
  }
  return tensor;
}

std::string WriteTensor(const Tensor& tensor) {
  std::ostringstream out;
  out << tensor.dtype() << ' ' << tensor.dims();
  for (int64_t dim : tensor.shape().dim_sizes()) out << ' ' << dim;
  if (tensor.dtype() == tensorflow::DT_STRING) {
    out << ' ' << tensor.NumElements();
    for (int64_t i = 0; i < tensor.NumElements(); ++i) {
      const tensorflow::tstring& s = tensor.flat<tensorflow::tstring>()(i);
      out << ' ' << WriteBytes(absl::string_view(s.data(), s.size()));
    }
  } else {
    out << ' ' << WriteBytes(tensor.tensor_data());
  }
  return out.str();
}

std::string Error(const absl::Status& status) {
  return "error " + std::to_string(static_cast<int>(status.code())) + " " +
         std::string(status.message());
}

std::string Encode(std::istream& in) {
  std::string encoding_name;
  in >> encoding_name;
  TensorEncoding encoding;
  if (!ParseTensorEncoding(encoding_name, &encoding)) throw std::runtime_error("encoding");
  PredictRequest request;
  request.model_spec.name = ReadBytes(in);
  in >> request.model_spec.version;
  request.model_spec.version_label = ReadBytes(in);
  request.model_spec.signature_name = ReadBytes(in);
  size_t inputs;
  in >> inputs;
  for (size_t i = 0; i < inputs; ++i) {
    std::string alias = ReadBytes(in);
    request.inputs.push_back({std::move(alias), ReadTensor(in)});
  }
  size_t filters;
  in >> filters;
  for (size_t i = 0; i < filters; ++i) request.output_filter.push_back(ReadBytes(in));
  absl::StatusOr<EncodedRequest> encoded = EncodePredictRequest(request, encoding);
  if (!encoded.ok()) return Error(encoded.status());
  return "ok " + WriteBytes(Flatten(*encoded));
}

std::string DecodeAnswer(const absl::StatusOr<PredictResponse>& response) {
  if (!response.ok()) return Error(response.status());
  std::string line = "ok " + std::to_string(response->outputs.size());
  for (const NamedTensor& output : response->outputs) {
    line += " " + WriteBytes(output.alias) + " " + WriteTensor(output.tensor);
  }
  return line;
}

std::string Decode(std::istream& in) {
  const std::string bytes = ReadBytes(in);
  const std::string answer = DecodeAnswer(DecodePredictResponse(bytes));
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{1000}}) {
    if (chunk == 1 && bytes.size() >= (64 << 10)) continue;
    std::vector<std::string> chunks;
    for (size_t at = 0; at < bytes.size(); at += chunk) chunks.push_back(bytes.substr(at, chunk));
    const std::vector<absl::string_view> views(chunks.begin(), chunks.end());
    const std::string chunked = DecodeAnswer(DecodePredictResponse(ChunkedBytes(views)));
    if (chunked != answer) {
      return "error -1 decoding in " + std::to_string(chunk) + "-byte chunks gave: " + chunked;
    }
  }
  return answer;
}

}  // namespace
}  // namespace tfsrp

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string command;
    in >> command;
    try {
      if (command == "encode") {
        std::cout << tfsrp::Encode(in) << '\n';
      } else if (command == "decode") {
        std::cout << tfsrp::Decode(in) << '\n';
      } else {
        std::cout << "error -1 unknown command " << command << '\n';
      }
    } catch (const std::exception& e) {
      std::cout << "error -1 bad line: " << e.what() << '\n';
    }
    std::cout.flush();
  }
  return 0;
}
