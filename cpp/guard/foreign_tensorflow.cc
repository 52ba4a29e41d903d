#include "cpp/guard/foreign_tensorflow.h"

#include <dlfcn.h>
#include <link.h>
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <vector>

namespace tfsrp {
namespace {

struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool ok = false;

  bool operator==(const FileId& other) const {
    return ok && other.ok && dev == other.dev && ino == other.ino;
  }
};

FileId IdOf(const std::string& path) {
  struct stat st;
  FileId id;
  if (stat(path.c_str(), &st) == 0) id = {st.st_dev, st.st_ino, true};
  return id;
}

std::string RealPath(const std::string& path) {
  char buffer[PATH_MAX];
  return realpath(path.c_str(), buffer) != nullptr ? std::string(buffer) : path;
}

std::string Directory(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool StartsWith(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

enum class Role { kNone, kFramework, kCApi };

Role RoleOf(const std::string& path) {
  const std::string base = path.substr(path.rfind('/') + 1);
  if (StartsWith(base, "libtensorflow_framework.so")) return Role::kFramework;
  if (StartsWith(base, "libtensorflow_cc.so") || StartsWith(base, "libtensorflow.so")) {
    return Role::kCApi;
  }
  return Role::kNone;
}

struct Mapped {
  std::string path;
  Role role;
  FileId id;
};

int CollectTensorflow(struct dl_phdr_info* info, size_t, void* data) {
  if (info->dlpi_name == nullptr || info->dlpi_name[0] == '\0') return 0;
  const std::string path = info->dlpi_name;
  const Role role = RoleOf(path);
  if (role != Role::kNone)
    static_cast<std::vector<Mapped>*>(data)->push_back({path, role, IdOf(path)});
  return 0;
}

// TF_Version() of a mapped C API library, when that very file defines it.
std::string VersionOf(const Mapped& mapped) {
  void* handle = dlopen(mapped.path.c_str(), RTLD_LAZY | RTLD_NOLOAD);
  if (handle == nullptr) return "";
  std::string version;
  void* symbol = dlsym(handle, "TF_Version");
  Dl_info info;
  if (symbol != nullptr && dladdr(symbol, &info) != 0 && info.dli_fname != nullptr &&
      IdOf(info.dli_fname) == mapped.id) {
    version = reinterpret_cast<const char* (*)()>(symbol)();
  }
  dlclose(handle);
  return version;
}

// Where our libraries are, in our RUNPATH's order.
std::string OurLibraryDirectory() {
  Dl_info self;
  std::string origin = ".";
  if (dladdr(reinterpret_cast<void*>(&ForeignTensorflowInProcess), &self) != 0 &&
      self.dli_fname != nullptr) {
    origin = Directory(RealPath(self.dli_fname));
  }
  for (const std::string& dir : {origin, origin + "/../../deps/libtensorflow/lib",
                                 std::string(TFSRP_LIBTENSORFLOW_LIB_DIR)}) {
    if (IdOf(dir + "/libtensorflow_framework.so.2").ok) return RealPath(dir);
  }
  return TFSRP_LIBTENSORFLOW_LIB_DIR;
}

}  // namespace

std::string ForeignTensorflowInProcess() {
  const std::string dir = OurLibraryDirectory();
  const std::string our_framework = dir + "/libtensorflow_framework.so.2";
  const std::string our_c_api = dir + "/libtensorflow_cc.so.2";
  const FileId framework = IdOf(our_framework);
  const FileId c_api = IdOf(our_c_api);

  std::vector<Mapped> mapped;
  dl_iterate_phdr(CollectTensorflow, &mapped);
  std::vector<Mapped> foreign;
  for (const Mapped& m : mapped) {
    if (m.id == (m.role == Role::kFramework ? framework : c_api)) continue;
    bool seen = false;
    for (const Mapped& f : foreign) seen = seen || (f.id == m.id);
    if (!seen) foreign.push_back(m);
  }
  if (foreign.empty()) return "";

  std::string list;
  for (const Mapped& f : foreign) {
    std::string version = f.role == Role::kCApi ? VersionOf(f) : "";
    // The framework exports no version: take that of a C API library beside it.
    for (const Mapped& other : mapped) {
      if (!version.empty()) break;
      if (other.role == Role::kCApi &&
          Directory(RealPath(other.path)) == Directory(RealPath(f.path))) {
        version = VersionOf(other);
      }
    }
    if (!list.empty()) list += ", ";
    list += RealPath(f.path) + " (TensorFlow " +
            (version.empty() ? "of unknown version" : version) + ")";
  }
  return "another TensorFlow is already loaded in this process: " + list +
         "; tfserving-remote-predict uses " + our_framework + " and " + our_c_api +
         " (TensorFlow " TFSRP_TF_VERSION
         "), and one process can hold only one copy of TensorFlow. Load only one: for "
         "@tensorflow/tfjs-node, run `npx tfserving-remote-predict setup-tfjs-node` so that it "
         "uses this package's libtensorflow; otherwise rebuild this package on the other one "
         "(TFSRP_BUILD_FROM_SOURCE=1 LIBTENSORFLOW_DIR=<its directory> npm rebuild "
         "tfserving-remote-predict)";
}

}  // namespace tfsrp
