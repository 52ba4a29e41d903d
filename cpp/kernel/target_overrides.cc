#include "cpp/kernel/target_overrides.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <string_view>

namespace tfsrp {
namespace {

struct Overrides {
  std::mutex mu;
  std::map<std::string, std::string> to_by_from;
};

Overrides& ProcessOverrides() {
  static Overrides* overrides = [] {
    auto* o = new Overrides;
    const char* spec = std::getenv("TFSRP_TARGET_OVERRIDES");
    std::string_view rest = spec != nullptr ? spec : "";
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view entry = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
      const size_t eq = entry.find('=');
      if (eq == std::string_view::npos || eq == 0 || eq + 1 == entry.size()) continue;
      o->to_by_from[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
    }
    return o;
  }();
  return *overrides;
}

}  // namespace

std::string ResolveTargetAddress(const std::string& target_address) {
  Overrides& o = ProcessOverrides();
  std::lock_guard<std::mutex> lock(o.mu);
  auto found = o.to_by_from.find(target_address);
  return found != o.to_by_from.end() ? found->second : target_address;
}

void SetTargetOverride(const std::string& from, const std::string& to) {
  Overrides& o = ProcessOverrides();
  std::lock_guard<std::mutex> lock(o.mu);
  if (to.empty()) {
    o.to_by_from.erase(from);
  } else {
    o.to_by_from[from] = to;
  }
}

}  // namespace tfsrp
