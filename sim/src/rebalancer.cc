#include "docket/sim/rebalancer.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace docket::sim {
namespace {

class LoadRebalancer final : public Rebalancer {
 public:
  explicit LoadRebalancer(LoadRebalancerOptions o) : options_(o) {}
  std::string_view name() const override { return "load"; }

  std::vector<Transfer> plan(const matching::Matcher& m, TimePoint /*now*/) override {
    const Catalog& cat = m.catalog();
    const auto& index = m.index();
    std::vector<Transfer> moves;
    // Officer time per (form, center), an officer's time split over their certifications.
    std::map<std::pair<FormId, CenterId>, double> supply;
    for (const auto& form : cat.forms()) {
      if (!form.transferable || form.interview) continue;
      for (const auto& o : m.officers()) {
        if (o.level(form.skill) >= form.min_level && !o.skills.empty()) {
          supply[{form.id, o.center}] += 1.0 / static_cast<double>(o.skills.size());
        }
      }
    }
    // Queued cases per (form, center), from the classes nobody is waiting on in particular.
    std::map<std::pair<FormId, CenterId>, std::vector<std::uint32_t>> classes;
    std::map<std::pair<FormId, CenterId>, double> queued;
    for (std::uint32_t k = 0; k < index.classes().size(); ++k) {
      const auto& cls = index.classes()[k];
      const FormPolicy& form = cat.form(cls.key.form);
      if (!form.transferable || form.interview || cls.key.preferred != kNoOfficer ||
          cls.key.senior_review || cls.live == 0) {
        continue;
      }
      classes[{form.id, cls.key.center}].push_back(k);
      queued[{form.id, cls.key.center}] += cls.live;
    }
    for (const auto& form : cat.forms()) {
      if (!form.transferable || form.interview) continue;
      std::vector<CenterId> allowed = form.centers;
      if (allowed.empty()) {
        for (const auto& c : cat.centers()) {
          if (c.kind == CenterKind::kServiceCenter) allowed.push_back(c.id);
        }
      }
      double total_q = 0, total_s = 0;
      for (CenterId c : allowed) {
        total_q += queued[{form.id, c}];
        total_s += supply[{form.id, c}];
      }
      if (total_q <= 0 || total_s <= 0) continue;
      const double mean = total_q / total_s;  // Cases per unit of officer time.
      std::vector<std::pair<CenterId, double>> surplus, deficit;
      for (CenterId c : allowed) {
        const double s = supply[{form.id, c}];
        const double q = queued[{form.id, c}];
        const double target = mean * s;
        if (q > target * (1 + options_.tolerance) + 1) {
          surplus.emplace_back(c, std::min(q - target, q * options_.max_share_per_call));
        } else if (s > 0 && q < target * (1 - options_.tolerance)) {
          deficit.emplace_back(c, target - q);
        }
      }
      for (auto& [from, extra] : surplus) {
        auto& list = classes[{form.id, from}];
        std::size_t k = 0, pos = list.empty() ? 0 : index.classes()[list[0]].head;
        for (auto& [to, room] : deficit) {
          auto n = static_cast<std::int64_t>(std::floor(std::min(extra, room)));
          extra -= static_cast<double>(n);
          room -= static_cast<double>(n);
          while (n > 0 && k < list.size()) {
            const auto& cls = index.classes()[list[k]];
            if (pos >= cls.queue.size()) {
              if (++k < list.size()) pos = index.classes()[list[k]].head;
              continue;
            }
            const auto& e = cls.queue[pos++];
            if (!index.live(e)) continue;
            moves.push_back({ReceiptNumber::from_packed(e.receipt), to});
            --n;
          }
        }
      }
    }
    return moves;
  }

 private:
  LoadRebalancerOptions options_;
};

}  // namespace

std::unique_ptr<Rebalancer> make_load_rebalancer(LoadRebalancerOptions options) {
  return std::make_unique<LoadRebalancer>(options);
}

}  // namespace docket::sim
