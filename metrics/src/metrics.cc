#include "docket/metrics/metrics.h"

#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/text_serializer.h>

#include "docket/core/error.h"

namespace docket::metrics {

MetricsServer::MetricsServer(const std::string& address)
    : registry_(std::make_shared<prometheus::Registry>()) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    throw InvalidArgument("metrics listen address must be host:port, got '" + address + "'");
  }
  host_ = address.substr(0, colon);
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& e) {
    throw IoError("cannot listen for metrics on " + address + ": " + e.what());
  }
  exposer_->RegisterCollectable(registry_);
}

MetricsServer::~MetricsServer() = default;

int MetricsServer::port() const { return exposer_->GetListeningPorts().at(0); }

std::string MetricsServer::url() const {
  return "http://" + host_ + ":" + std::to_string(port()) + "/metrics";
}

void add_build_info(prometheus::Registry& registry, std::string_view version) {
  prometheus::BuildGauge()
      .Name("docket_build_info")
      .Help("Docket build; the value is always 1")
      .Register(registry)
      .Add({{"version", std::string(version)}})
      .Set(1);
}

std::string serialize(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

}  // namespace docket::metrics
