#include "docket/service/intake.h"

#include "docket/service/recovery.h"

namespace docket::service {

std::vector<store::Transition> import_transitions(const Catalog& catalog,
                                                  const matching::Matcher& matcher,
                                                  const std::vector<Case>& cases,
                                                  std::string_view actor) {
  std::vector<store::Transition> ts;
  ts.reserve(cases.size());
  for (const auto& c : cases) {
    store::Transition t;
    t.op = store::Op::kImport;
    t.receipt = c.receipt;
    t.center = catalog.center(c.center).code;
    t.actor = actor;
    t.record = to_stored(c, catalog, matcher);
    ts.push_back(std::move(t));
  }
  return ts;
}

std::vector<store::TransitionResult> import_cases(store::CaseStore& store, const Catalog& catalog,
                                                  const matching::Matcher& matcher,
                                                  const std::vector<Case>& cases,
                                                  std::string_view actor) {
  return store.apply(import_transitions(catalog, matcher, cases, actor));
}

}  // namespace docket::service
