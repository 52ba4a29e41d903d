#include "cpp/codec/predict_request_encoder.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "tensorflow/core/framework/tensor.pb.h"
#include "tensorflow/core/framework/types.h"

namespace tfsrp {
namespace {

using google::protobuf::io::CodedOutputStream;
using tensorflow::DataType;
using tensorflow::Tensor;

constexpr uint32_t kVarint = 0;
constexpr uint32_t kLengthDelimited = 2;

constexpr uint32_t Tag(uint32_t field, uint32_t wire_type) {
  return (field << 3) | wire_type;
}

size_t LengthDelimitedSize(size_t payload) {
  return 1 + CodedOutputStream::VarintSize64(payload) + payload;
}

size_t StringFieldSize(const std::string& s) {
  return s.empty() ? 0 : LengthDelimitedSize(s.size());
}

// Field numbers of tensorflow.TensorProto / TensorShapeProto.
constexpr uint32_t kTensorDtype = 1;
constexpr uint32_t kTensorShape = 2;
constexpr uint32_t kTensorContent = 4;
constexpr uint32_t kShapeDim = 2;
constexpr uint32_t kDimSize = 1;

// tensor_content at least this long is sent from the tensor's buffer; shorter
// content is cheaper to copy into the frame than to hold and slice.
constexpr size_t kReferencedContentBytes = 4096;

// Writes the frame of an EncodedRequest, cutting a piece wherever a tensor's
// content is referenced instead of copied.
class Writer {
 public:
  explicit Writer(EncodedRequest* request)
      : request_(request),
        p_(reinterpret_cast<uint8_t*>(request->frame.data.get())),
        piece_begin_(p_) {}
  void Varint(uint64_t v) { p_ = CodedOutputStream::WriteVarint64ToArray(v, p_); }
  void Key(uint32_t field, uint32_t wire_type) { Varint(Tag(field, wire_type)); }
  void LengthPrefix(uint32_t field, size_t length) {
    Key(field, kLengthDelimited);
    Varint(length);
  }
  void Bytes(uint32_t field, absl::string_view bytes) {
    LengthPrefix(field, bytes.size());
    Raw(bytes);
  }
  void NonEmptyString(uint32_t field, const std::string& s) {
    if (!s.empty()) Bytes(field, s);
  }
  void Raw(absl::string_view bytes) {
    if (!bytes.empty()) std::memcpy(p_, bytes.data(), bytes.size());
    p_ += bytes.size();
  }
  // The tensor's content goes as a piece of its own, read from its buffer.
  void Reference(const Tensor& tensor) {
    CutPiece();
    request_->referenced.push_back(tensor);
    request_->pieces.push_back(tensor.tensor_data());
  }
  // Ends the message.
  void Finish() {
    CutPiece();
    request_->size = 0;
    for (absl::string_view piece : request_->pieces) request_->size += piece.size();
  }
  uint8_t*& position() { return p_; }

 private:
  void CutPiece() {
    if (p_ != piece_begin_) {
      request_->pieces.emplace_back(reinterpret_cast<const char*>(piece_begin_), p_ - piece_begin_);
    }
    piece_begin_ = p_;
  }

  EncodedRequest* request_;
  uint8_t* p_;
  uint8_t* piece_begin_;
};

// One input tensor in wire form: either tensor_content written straight from
// the tensor's buffer, or a TensorProto with typed value fields.
class TensorWireForm {
 public:
  static absl::StatusOr<TensorWireForm> Make(const std::string& alias, const Tensor& tensor,
                                             TensorEncoding encoding) {
    const DataType dtype = tensor.dtype();
    if (dtype != tensorflow::DT_STRING && !tensorflow::DataTypeCanUseMemcpy(dtype)) {
      return absl::InvalidArgumentError(absl::StrCat("input '", alias, "' has dtype ",
                                                     tensorflow::DataTypeString(dtype),
                                                     ", which cannot be sent in a PredictRequest"));
    }
    TensorWireForm form;
    form.tensor_ = &tensor;
    if (dtype == tensorflow::DT_STRING || encoding == TensorEncoding::kTypedFields) {
      form.proto_ = std::make_unique<tensorflow::TensorProto>();
      tensor.AsProtoField(form.proto_.get());
      form.size_ = form.proto_->ByteSizeLong();
    } else {
      form.size_ = form.ContentFormSize();
    }
    return form;
  }

  size_t size() const { return size_; }

  void Write(Writer& w) const {
    if (proto_) {
      w.position() = proto_->SerializeWithCachedSizesToArray(w.position());
      return;
    }
    w.Key(kTensorDtype, kVarint);
    w.Varint(tensor_->dtype());
    w.LengthPrefix(kTensorShape, ShapeSize());
    for (int64_t dim : tensor_->shape().dim_sizes()) {
      w.LengthPrefix(kShapeDim, DimSize(dim));
      if (dim != 0) {
        w.Key(kDimSize, kVarint);
        w.Varint(dim);
      }
    }
    const absl::string_view content = tensor_->tensor_data();
    if (content.empty()) return;
    w.LengthPrefix(kTensorContent, content.size());
    if (referenced_bytes() > 0) {
      w.Reference(*tensor_);
    } else {
      w.Raw(content);
    }
  }

  // Bytes of this tensor sent from its own buffer rather than the frame.
  size_t referenced_bytes() const {
    if (proto_) return 0;
    const size_t content = tensor_->tensor_data().size();
    return content >= kReferencedContentBytes ? content : 0;
  }

 private:
  static size_t DimSize(int64_t dim) {
    return dim == 0 ? 0 : 1 + CodedOutputStream::VarintSize64(dim);
  }

  size_t ShapeSize() const {
    size_t size = 0;
    for (int64_t dim : tensor_->shape().dim_sizes()) {
      size += LengthDelimitedSize(DimSize(dim));
    }
    return size;
  }

  size_t ContentFormSize() const {
    const size_t content = tensor_->tensor_data().size();
    return 1 + CodedOutputStream::VarintSize64(tensor_->dtype()) +
           LengthDelimitedSize(ShapeSize()) + (content == 0 ? 0 : LengthDelimitedSize(content));
  }

  const Tensor* tensor_ = nullptr;
  // Heap-held: moving a message would drop the size ByteSizeLong() cached.
  std::unique_ptr<tensorflow::TensorProto> proto_;
  size_t size_ = 0;
};

// Field numbers of tensorflow.serving.ModelSpec / PredictRequest.
constexpr uint32_t kSpecName = 1;
constexpr uint32_t kSpecVersion = 2;
constexpr uint32_t kSpecSignature = 3;
constexpr uint32_t kSpecVersionLabel = 4;
constexpr uint32_t kInt64Value = 1;
constexpr uint32_t kRequestModelSpec = 1;
constexpr uint32_t kRequestInputs = 2;
constexpr uint32_t kRequestOutputFilter = 3;
constexpr uint32_t kMapKey = 1;
constexpr uint32_t kMapValue = 2;

size_t VersionValueSize(int64_t version) {
  return version == 0 ? 0 : 1 + CodedOutputStream::VarintSize64(version);
}

size_t ModelSpecSize(const ModelSpec& spec) {
  size_t size = StringFieldSize(spec.name) + StringFieldSize(spec.signature_name);
  if (spec.version >= 0) {
    size += LengthDelimitedSize(VersionValueSize(spec.version));
  } else {
    size += StringFieldSize(spec.version_label);
  }
  return size;
}

void WriteModelSpec(const ModelSpec& spec, Writer& w) {
  w.NonEmptyString(kSpecName, spec.name);
  if (spec.version >= 0) {
    w.LengthPrefix(kSpecVersion, VersionValueSize(spec.version));
    if (spec.version != 0) {
      w.Key(kInt64Value, kVarint);
      w.Varint(spec.version);
    }
  }
  w.NonEmptyString(kSpecSignature, spec.signature_name);
  if (spec.version < 0) w.NonEmptyString(kSpecVersionLabel, spec.version_label);
}

size_t MapEntrySize(const std::string& key, size_t value_size) {
  return LengthDelimitedSize(key.size()) + LengthDelimitedSize(value_size);
}

}  // namespace

absl::StatusOr<EncodedRequest> EncodePredictRequest(const PredictRequest& request,
                                                    TensorEncoding encoding) {
  const ModelSpec& spec = request.model_spec;
  if (spec.version >= 0 && !spec.version_label.empty()) {
    return absl::InvalidArgumentError("model_version and version_label cannot both be set");
  }
  std::vector<const NamedTensor*> inputs;
  inputs.reserve(request.inputs.size());
  for (const NamedTensor& input : request.inputs) inputs.push_back(&input);
  std::sort(inputs.begin(), inputs.end(),
            [](const NamedTensor* a, const NamedTensor* b) { return a->alias < b->alias; });
  for (size_t i = 1; i < inputs.size(); ++i) {
    if (inputs[i]->alias == inputs[i - 1]->alias) {
      return absl::InvalidArgumentError(
          absl::StrCat("input alias '", inputs[i]->alias, "' is given more than once"));
    }
  }

  std::vector<TensorWireForm> forms;
  forms.reserve(inputs.size());
  const size_t spec_size = ModelSpecSize(spec);
  size_t total = LengthDelimitedSize(spec_size);
  size_t referenced = 0;
  for (const NamedTensor* input : inputs) {
    auto form = TensorWireForm::Make(input->alias, input->tensor, encoding);
    if (!form.ok()) return form.status();
    total += LengthDelimitedSize(MapEntrySize(input->alias, form->size()));
    referenced += form->referenced_bytes();
    forms.push_back(*std::move(form));
  }
  for (const std::string& alias : request.output_filter) {
    total += LengthDelimitedSize(alias.size());
  }

  EncodedRequest request_bytes;
  OwnedBytes& frame = request_bytes.frame;
  frame.size = total - referenced;
  frame.data.reset(static_cast<char*>(std::malloc(std::max<size_t>(frame.size, 1))));
  if (!frame.data) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot allocate ", frame.size, " bytes for the request"));
  }
  request_bytes.referenced.reserve(inputs.size());
  request_bytes.pieces.reserve(2 * inputs.size() + 1);
  Writer w(&request_bytes);
  w.LengthPrefix(kRequestModelSpec, spec_size);
  WriteModelSpec(spec, w);
  for (size_t i = 0; i < inputs.size(); ++i) {
    w.LengthPrefix(kRequestInputs, MapEntrySize(inputs[i]->alias, forms[i].size()));
    w.Bytes(kMapKey, inputs[i]->alias);
    w.LengthPrefix(kMapValue, forms[i].size());
    forms[i].Write(w);
  }
  for (const std::string& alias : request.output_filter) {
    w.Bytes(kRequestOutputFilter, alias);
  }
  w.Finish();
  return request_bytes;
}

}  // namespace tfsrp
