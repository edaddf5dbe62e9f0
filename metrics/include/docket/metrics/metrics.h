#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <prometheus/registry.h>

namespace prometheus {
class Exposer;
}

namespace docket::metrics {

/// The process's metric registry and the HTTP endpoint Prometheus scrapes (/metrics).
/// Metric names start with docket_; labels are bounded sets (center, form, priority, state,
/// outcome, op, result, kind, phase) and never carry a case or officer id.
class MetricsServer {
 public:
  static constexpr const char* DEFAULT_LISTEN = "127.0.0.1:9464";

  /// Listens on `address` (host:port; port 0 picks a free one). Throws IoError when the address
  /// cannot be bound.
  explicit MetricsServer(const std::string& address = DEFAULT_LISTEN);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  prometheus::Registry& registry() { return *registry_; }
  int port() const;
  /// http://<host>:<port>/metrics
  std::string url() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string host_;
};

/// Adds docket_build_info{version} = 1.
void add_build_info(prometheus::Registry& registry, std::string_view version);

/// The registry in the Prometheus text format (what a scrape returns).
std::string serialize(prometheus::Registry& registry);

}  // namespace docket::metrics
