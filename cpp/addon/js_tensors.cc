#include "cpp/addon/js_tensors.h"

#include <cstring>

#include "cpp/addon/background_release.h"
#include "cpp/addon/property_keys.h"
#include "cpp/codec/large_tensor_allocator.h"

namespace tfsrp {
namespace {

using tensorflow::Tensor;

// Outputs up to this size are copied into a JS-owned ArrayBuffer; larger ones
// are handed over without a copy.
constexpr size_t kCopiedOutputBytes = 4096;

[[noreturn]] void ThrowType(Napi::Env env, const std::string& message) {
  throw Napi::TypeError::New(env, message);
}

tensorflow::TensorShape ShapeFromJs(Napi::Env env, const Napi::Value& value,
                                    const TensorName& name) {
  if (!value.IsArray()) ThrowType(env, name.str() + ".shape must be an array");
  Napi::Array array = value.As<Napi::Array>();
  tensorflow::TensorShape shape;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value dim = array.Get(i);
    if (!dim.IsNumber()) ThrowType(env, name.str() + ".shape must hold numbers");
    absl::Status status = shape.AddDimWithStatus(dim.As<Napi::Number>().Int64Value());
    if (!status.ok()) ThrowType(env, name.str() + ".shape: " + std::string(status.message()));
  }
  return shape;
}

size_t ElementBytes(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return 1;
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    default:  // float64, bigint64, biguint64
      return 8;
  }
}

// A tensor of `dtype` and `shape` holding a copy of `data`.
Tensor FilledTensor(Napi::Env env, tensorflow::DataType dtype, const tensorflow::TensorShape& shape,
                    const Napi::Value& data, const TensorName& name) {
  if (dtype != tensorflow::DT_STRING && !tensorflow::DataTypeCanUseMemcpy(dtype)) {
    ThrowType(env, name.str() + ".dtype is not a supported TensorFlow dtype");
  }
  Tensor tensor(LargeTensorAllocator::For(dtype, shape.num_elements()), dtype, shape);
  if (dtype == tensorflow::DT_STRING) {
    if (!data.IsArray()) ThrowType(env, name.str() + ".data must be an array of Uint8Array");
    Napi::Array array = data.As<Napi::Array>();
    if (array.Length() != static_cast<uint64_t>(tensor.NumElements())) {
      ThrowType(env, name.str() + ".data has the wrong number of strings for its shape");
    }
    auto flat = tensor.flat<tensorflow::tstring>();
    for (uint32_t i = 0; i < array.Length(); ++i) {
      Napi::Value element = array.Get(i);
      if (!element.IsTypedArray()) ThrowType(env, name.str() + ".data must hold Uint8Arrays");
      Napi::Uint8Array bytes = element.As<Napi::Uint8Array>();
      flat(i).assign(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
    }
    return tensor;
  }
  if (!data.IsTypedArray()) ThrowType(env, name.str() + ".data must be a typed array");
  // The view's own data pointer: unlike its buffer's, it is available for a
  // SharedArrayBuffer too, and it already includes the byte offset.
  napi_typedarray_type type;
  size_t length = 0;
  void* source = nullptr;
  if (napi_get_typedarray_info(env, data, &type, &length, &source, nullptr, nullptr) != napi_ok) {
    ThrowType(env, name.str() + ".data cannot be read (a detached or out-of-bounds view?)");
  }
  const size_t bytes = length * ElementBytes(type);
  const absl::string_view buffer = tensor.tensor_data();
  if (bytes != buffer.size()) {
    ThrowType(env, name.str() + ".data has " + std::to_string(bytes) +
                       " bytes but its dtype and shape need " + std::to_string(buffer.size()));
  }
  if (!buffer.empty()) std::memcpy(const_cast<char*>(buffer.data()), source, buffer.size());
  return tensor;
}

}  // namespace

std::string TensorName::str() const {
  std::string name(prefix);
  if (index >= 0) name += "[" + std::to_string(index) + "]";
  return name;
}

Tensor TensorFromJs(const Napi::Object& object, const std::string& what) {
  return TensorFromJs(object, TensorName{what});
}

Tensor TensorFromJs(const Napi::Object& object, const TensorName& name) {
  Napi::Env env = object.Env();
  const auto dtype = static_cast<tensorflow::DataType>(
      object.Get(Key(env, PropertyKey::kDtype)).As<Napi::Number>().Int32Value());
  return FilledTensor(env, dtype, ShapeFromJs(env, object.Get(Key(env, PropertyKey::kShape)), name),
                      object.Get(Key(env, PropertyKey::kData)), name);
}

Tensor TensorFromFlatJs(const Napi::Array& flat, uint32_t& at, const TensorName& name) {
  Napi::Env env = flat.Env();
  const auto dtype =
      static_cast<tensorflow::DataType>(flat.Get(at++).As<Napi::Number>().Int32Value());
  const int64_t rank = flat.Get(at++).As<Napi::Number>().Int64Value();
  if (rank < 0 || rank > tensorflow::TensorShape::MaxDimensions()) {
    ThrowType(env, name.str() + ".shape has too many dimensions");
  }
  tensorflow::TensorShape shape;
  for (int64_t i = 0; i < rank; ++i) {
    absl::Status status = shape.AddDimWithStatus(flat.Get(at++).As<Napi::Number>().Int64Value());
    if (!status.ok()) ThrowType(env, name.str() + ".shape: " + std::string(status.message()));
  }
  return FilledTensor(env, dtype, shape, flat.Get(at++), name);
}

std::vector<std::string> StringsFromJs(const Napi::Object& object, const char* key) {
  Napi::Value value = object.Get(key);
  if (!value.IsArray()) ThrowType(object.Env(), std::string(key) + " must be an array");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<std::string> strings;
  strings.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    strings.push_back(array.Get(i).As<Napi::String>().Utf8Value());
  }
  return strings;
}

Napi::Value TensorDataToJs(Napi::Env env, const Tensor& tensor) {
  if (tensor.dtype() == tensorflow::DT_STRING) {
    auto flat = tensor.flat<tensorflow::tstring>();
    Napi::Array strings = Napi::Array::New(env, flat.size());
    for (int64_t i = 0; i < flat.size(); ++i) {
      strings.Set(static_cast<uint32_t>(i),
                  Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(flat(i).data()),
                                              flat(i).size()));
    }
    return strings;
  }
  const absl::string_view bytes = tensor.tensor_data();
  if (bytes.empty()) return Napi::ArrayBuffer::New(env, 0);
  if (bytes.size() <= kCopiedOutputBytes) {
    // Cheaper than an external buffer, whose finalizer runs on every GC.
    Napi::ArrayBuffer copy = Napi::ArrayBuffer::New(env, bytes.size());
    std::memcpy(copy.Data(), bytes.data(), bytes.size());
    return copy;
  }
  auto* keep_alive = new Tensor(tensor);
  return Napi::ArrayBuffer::New(
      env, const_cast<char*>(bytes.data()), bytes.size(),
      [](Napi::Env, void*, Tensor* held) { ReleaseInBackground(std::unique_ptr<Tensor>(held)); },
      keep_alive);
}

Napi::Object TensorToJs(Napi::Env env, const Tensor& tensor) {
  Napi::Object object = Napi::Object::New(env);
  object.Set(Key(env, PropertyKey::kDtype), Napi::Number::New(env, tensor.dtype()));
  Napi::Array shape = Napi::Array::New(env, tensor.dims());
  for (int i = 0; i < tensor.dims(); ++i) {
    shape.Set(i, Napi::Number::New(env, static_cast<double>(tensor.dim_size(i))));
  }
  object.Set(Key(env, PropertyKey::kShape), shape);
  object.Set(Key(env, PropertyKey::kData), TensorDataToJs(env, tensor));
  return object;
}

}  // namespace tfsrp
