// How numeric tensors are written into TensorProto: tensor_content bytes
// (default, what TF Serving itself answers with) or the typed *_val fields.
#ifndef TFSRP_CODEC_TENSOR_ENCODING_H_
#define TFSRP_CODEC_TENSOR_ENCODING_H_

#include <string>

namespace tfsrp {

enum class TensorEncoding { kTensorContent, kTypedFields };

// The process-wide setting; starts from TFSRP_TENSOR_ENCODING
// ("tensor_content" or "typed_fields") when that is set.
TensorEncoding ProcessTensorEncoding();
void SetProcessTensorEncoding(TensorEncoding encoding);

bool ParseTensorEncoding(const std::string& name, TensorEncoding* encoding);
const char* TensorEncodingName(TensorEncoding encoding);

}  // namespace tfsrp

#endif  // TFSRP_CODEC_TENSOR_ENCODING_H_
