// Writes a scenario back as a YAML file that the loader reads to the same scenario: every setting
// explicit (defaults included), so the file stands alone (`idemsim check` writes its
// counterexamples with it). The loader's positions (`Where`) are not kept.
#pragma once

#include <string>

#include "harness/scenario.h"

namespace idem::harness {

std::string write_scenario(const Scenario& s);

}  // namespace idem::harness
