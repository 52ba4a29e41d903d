// What the benchmark's two programs share outside the wire format: their
// command-line flags and their gRPC process settings.
#pragma once

#include <grpc/support/log.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "absl/synchronization/mutex.h"

namespace bench {

// `--name value` flags and `--name` switches; anything else prints the usage
// and exits with status 2.
class Flags {
 public:
  Flags(int argc, char** argv, const std::set<std::string>& switches,
        const std::set<std::string>& valued, const char* usage)
      : program_(argv[0]), usage_(usage) {
    for (int i = 1; i < argc; ++i) {
      const std::string flag = argv[i];
      if (switches.count(flag) > 0) {
        values_[flag] = "";
      } else if (valued.count(flag) > 0 && i + 1 < argc) {
        values_[flag] = argv[++i];
      } else {
        Fail(flag + (valued.count(flag) > 0 ? " needs a value" : " is not a flag"));
      }
    }
  }

  bool Has(const std::string& flag) const { return values_.count(flag) > 0; }

  std::string String(const std::string& flag, const std::string& fallback) const {
    auto it = values_.find(flag);
    return it == values_.end() ? fallback : it->second;
  }

  // A non-negative integer; anything else is a usage error.
  long long Integer(const std::string& flag, long long fallback) const {
    auto it = values_.find(flag);
    if (it == values_.end()) return fallback;
    char* end = nullptr;
    const long long value = std::strtoll(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end != '\0' || value < 0) {
      Fail(flag + " must be a non-negative integer, not '" + it->second + "'");
    }
    return value;
  }

  [[noreturn]] void Fail(const std::string& problem) const {
    std::fprintf(stderr, "%s: %s\nusage: %s\n", program_.c_str(), problem.c_str(), usage_);
    std::exit(2);
  }

 private:
  std::string program_;
  const char* usage_;
  std::map<std::string, std::string> values_;
};

// gRPC's logs quiet unless GRPC_VERBOSITY says otherwise. Debian's absl is
// built with Mutex deadlock detection on (a lock-graph update and a stack
// trace on every absl::Mutex::Lock in gRPC): off unless asked for.
inline void SetUpGrpcProcess(bool deadlock_detection) {
  if (std::getenv("GRPC_VERBOSITY") == nullptr) gpr_set_log_verbosity(GPR_LOG_SEVERITY_ERROR);
  if (!deadlock_detection) absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace bench
