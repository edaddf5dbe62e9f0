#include "docket/sim/simulator.h"

#include <gtest/gtest.h>

namespace docket::sim {
namespace {
TEST(SimulatorTest, Placeholder) {}
}  // namespace
}  // namespace docket::sim
