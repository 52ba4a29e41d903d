// Detects a TensorFlow other than ours in the process: another version, or a
// second copy of the same libraries at another path. Compiled without
// TensorFlow's headers or libraries, so it can run before our TensorFlow is
// loaded (tfsrp_tensorflow_guard.node) and inside the addon.
#ifndef TFSRP_GUARD_FOREIGN_TENSORFLOW_H_
#define TFSRP_GUARD_FOREIGN_TENSORFLOW_H_

#include <string>

namespace tfsrp {

// Empty when every libtensorflow* object mapped in the process is one of our
// libtensorflow_framework.so.2 / libtensorflow_cc.so.2 (compared by device and
// inode, so links to them count as ours); else a message naming the others,
// their versions where known, and ours.
std::string ForeignTensorflowInProcess();

}  // namespace tfsrp

#endif  // TFSRP_GUARD_FOREIGN_TENSORFLOW_H_
