#include "cpp/kernel/tls_credentials_registry.h"

#include <map>
#include <mutex>
#include <tuple>

namespace tfsrp {
namespace {

struct Registry {
  std::mutex mu;
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> id_by_content;
  std::map<int64_t, std::shared_ptr<const TlsCredentials>> by_id;
  std::map<std::string, int64_t> id_by_target;
};

Registry& ProcessRegistry() {
  static auto* registry = new Registry;
  return *registry;
}

}  // namespace

int64_t RegisterTlsCredentials(const TlsCredentials& credentials) {
  Registry& r = ProcessRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto key = std::make_tuple(credentials.root_certificates, credentials.private_key,
                             credentials.certificate_chain);
  auto found = r.id_by_content.find(key);
  if (found != r.id_by_content.end()) return found->second;
  const int64_t id = static_cast<int64_t>(r.by_id.size()) + 1;
  r.id_by_content.emplace(std::move(key), id);
  r.by_id.emplace(id, std::make_shared<const TlsCredentials>(credentials));
  return id;
}

std::shared_ptr<const TlsCredentials> FindTlsCredentials(int64_t id) {
  Registry& r = ProcessRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto found = r.by_id.find(id);
  return found != r.by_id.end() ? found->second : nullptr;
}

bool SetTargetTlsCredentials(const std::string& target, int64_t id) {
  Registry& r = ProcessRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (id == 0) {
    r.id_by_target.erase(target);
    return true;
  }
  if (r.by_id.count(id) == 0) return false;
  r.id_by_target[target] = id;
  return true;
}

std::shared_ptr<const TlsCredentials> TargetTlsCredentials(const std::string& target) {
  Registry& r = ProcessRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto found = r.id_by_target.find(target);
  return found != r.id_by_target.end() ? r.by_id[found->second] : nullptr;
}

}  // namespace tfsrp
