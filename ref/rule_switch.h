// Switching one rule off, for the must-reject vector generator and tests.
//
// A check that enforces a requirement is written
//
//   if (broken && enforced(req::R12_2_11)) { throw Error(..., req::R12_2_11, ...); }
//
// enforced() is true unless a RuleSwitchedOff guard for that very Requirement
// constant is alive on the calling thread. Guards exist only in code: nothing
// read from input (a message, a vector file, a command-line flag of `mlsref
// verify`) reaches them. The generator of invalid-passive-client vectors uses
// them to produce a message that breaks exactly one rule and to compute what
// an implementation that wrongly accepted it would compute. fuzz_process_message
// uses them to switch off the checks that authenticate a message, so that
// mutated content reaches the checks behind them (a fuzz target's input
// chooses that mode; the target is a test harness, not a user of the library).
//
// Built with MLSREF_RULE_SWITCHES=0 (the CMake option MLSREF_RULE_SWITCHES
// OFF, the default when neither the mlsref command nor the tests are built),
// enforced() is the constant true, the guard does not exist, and every check
// compiles as it would without the switch.
#pragma once

#include <initializer_list>

#include "requirement.h"

#ifndef MLSREF_RULE_SWITCHES
#define MLSREF_RULE_SWITCHES 0
#endif

namespace mlsref {

#if MLSREF_RULE_SWITCHES

// False while a RuleSwitchedOff guard for `rule` lives on this thread.
bool enforced(const Requirement& rule);

// Switches the rules given off on this thread for the guard's lifetime. The
// registry keys on the Requirement constants of ref/requirement_ids.h (by
// their ID), never on strings written at the check.
class RuleSwitchedOff {
 public:
  explicit RuleSwitchedOff(const Requirement& rule) : RuleSwitchedOff({&rule}) {}
  explicit RuleSwitchedOff(std::initializer_list<const Requirement*> rules);
  ~RuleSwitchedOff();
  RuleSwitchedOff(const RuleSwitchedOff&) = delete;
  RuleSwitchedOff& operator=(const RuleSwitchedOff&) = delete;

 private:
  size_t count_;
};

#else

constexpr bool enforced(const Requirement&) { return true; }

#endif

}  // namespace mlsref
