// What the library-API tests share: seeded normal values and a run of one expression from memory under a budget
// small enough for many tiles, its plan checked to survive the JSON round trip.
#pragma once

#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include <tilesum/tilesum.hpp>

namespace tilesum::testing {

inline std::vector<double> normal_values(std::size_t count, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal;
    std::vector<double> values(count);
    for (double& value : values) value = normal(rng);
    return values;
}

// Output "X" = `output`, planned at 16 KiB and run from `sources` into memory.
inline std::vector<double> compute_in_memory(Sources& sources, const Tensor& output) {
    PlanOptions options;
    options.budget_bytes = 16 << 10;
    options.minimum_budget = 0;
    const Plan plan = make_plan({{"X", output}}, options);
    REQUIRE(Plan::from_json(plan.to_json()) == plan);
    Sink sink = Sink::memory();
    run(plan, sources, sink);
    return sink.result("X");
}

}  // namespace tilesum::testing
