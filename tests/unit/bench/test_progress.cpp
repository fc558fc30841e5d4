// bench::progress: the ETA from the plan and what was measured, and the progress text.

#include <gtest/gtest.h>

#include "bench/progress.hpp"

using namespace streamlab::bench;

TEST(BenchProgress, EtaScalesThePlanByWhatWasMeasured) {
  // Plan 10 + 20 + 30 s; the first scenario took 20 s instead of 10: the rest takes twice its plan.
  EXPECT_DOUBLE_EQ(eta_seconds({10, 20, 30}, 1, 0.0, 20), 100);
  // Halfway through the second, on plan.
  EXPECT_DOUBLE_EQ(eta_seconds({10, 20, 30}, 1, 0.5, 20), 40);
  // Nothing done yet: the plan itself.
  EXPECT_DOUBLE_EQ(eta_seconds({10, 20, 30}, 0, 0.0, 0), 60);
  EXPECT_DOUBLE_EQ(eta_seconds({10}, 0, 1.0, 12), 0);
  EXPECT_EQ(format_duration(45), "45s");
  EXPECT_EQ(format_duration(185), "3m05s");
  EXPECT_EQ(format_duration(3720), "1h02m");
  EXPECT_EQ(progress_text(2, 19, "rest", "idle", 0.456, 130), "[3/19] rest · idle · 46% · ETA 2m10s");
}
