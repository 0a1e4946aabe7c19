#include "rule_switch.h"

#if MLSREF_RULE_SWITCHES

#include <algorithm>
#include <vector>

namespace mlsref {

namespace {
// The rules switched off on this thread, innermost guard last.
thread_local std::vector<const Requirement*> switched_off;
}  // namespace

bool enforced(const Requirement& rule) {
  if (switched_off.empty()) {
    return true;
  }
  return std::none_of(switched_off.begin(), switched_off.end(),
                      [&](const Requirement* r) { return r->id == rule.id; });
}

RuleSwitchedOff::RuleSwitchedOff(std::initializer_list<const Requirement*> rules)
    : count_(rules.size()) {
  switched_off.insert(switched_off.end(), rules.begin(), rules.end());
}

RuleSwitchedOff::~RuleSwitchedOff() { switched_off.resize(switched_off.size() - count_); }

}  // namespace mlsref

#endif
