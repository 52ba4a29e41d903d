#ifndef TFSRP_TEST_TENSOR_TEST_UTIL_H_
#define TFSRP_TEST_TENSOR_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <vector>

#include "tensorflow/core/framework/tensor.h"

// EXPECT that `text` (anything convertible to std::string) contains `part`.
#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

namespace tfsrp {

template <typename T>
tensorflow::Tensor AsTensor(const std::vector<T>& values) {
  tensorflow::Tensor tensor(tensorflow::DataTypeToEnum<T>::value,
                            tensorflow::TensorShape({static_cast<int64_t>(values.size())}));
  for (size_t i = 0; i < values.size(); ++i) tensor.vec<T>()(i) = values[i];
  return tensor;
}

template <typename T>
void ExpectTensorEqual(const tensorflow::Tensor& actual, const tensorflow::Tensor& expected) {
  ASSERT_EQ(actual.dtype(), expected.dtype());
  ASSERT_EQ(actual.shape(), expected.shape());
  auto a = actual.flat<T>();
  auto e = expected.flat<T>();
  for (int64_t i = 0; i < a.size(); ++i) EXPECT_EQ(a(i), e(i)) << "element " << i;
}

}  // namespace tfsrp

#endif  // TFSRP_TEST_TENSOR_TEST_UTIL_H_
