#include "docket/metrics/deadline_watch.h"

#include "docket/metrics/agency.h"

namespace docket::metrics {

void DeadlineWatch::begin_sweep(TimePoint now) {
  now_ = now;
  seen_.clear();
}

bool DeadlineWatch::open_case(std::uint64_t receipt, CenterId center, FormId form,
                              Priority priority, TimePoint deadline) {
  if (!(deadline < now_)) return false;
  if (counted_.contains(receipt)) {
    seen_.push_back(receipt);
    return false;
  }
  metrics_.on_deadline_miss(center, form, priority);  // Throws before anything is recorded.
  counted_.insert(receipt);
  seen_.push_back(receipt);
  return true;
}

void DeadlineWatch::end_sweep() {
  // Every late case seen is in counted_, so equal sizes mean equal sets; a larger counted_
  // holds cases that left without closed().
  if (counted_.size() != seen_.size())
    counted_ = std::unordered_set<std::uint64_t>(seen_.begin(), seen_.end());
}

bool DeadlineWatch::closed(std::uint64_t receipt, CenterId center, FormId form, Priority priority,
                           TimePoint deadline, TimePoint now) {
  if (counted_.erase(receipt) > 0) return false;
  if (!(now > deadline)) return false;
  metrics_.on_deadline_miss(center, form, priority);
  return true;
}

}  // namespace docket::metrics
