// Random scripts bound to random inputs in memory, and plans run on them without files: what the engine tests
// share.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "engine/eval/reference_eval.hpp"
#include "engine/exec/executor.hpp"
#include "engine/script/binder.hpp"
#include "engine/script/parser.hpp"
#include "tests/unit/memory_tensors.hpp"
#include "tests/unit/random_script.hpp"

namespace tilesum::testing {

inline constexpr std::size_t variants_max = static_cast<std::size_t>(-1);

struct Bound {
    expr::Program program;
    eval::InputValues values;
};

// The script bound to its inputs, each filled with standard normal values from `seed`.
inline Bound bind_random_inputs(const RandomScript& random, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal;
    Bound bound;
    for (const auto& [name, shape] : random.inputs) {
        DenseTensor tensor{shape, std::vector<double>(static_cast<std::size_t>(element_count(shape)))};
        for (double& value : tensor.values) value = normal(rng);
        bound.values[name] = tensor;
    }
    bound.program = script::bind(script::parse_script(random.text), [&](const expr::InputUse& use) {
        return expr::InputSpec{random.inputs.at(use.name), DType::f64};
    });
    return bound;
}

// Every output of the plan, computed by the executor from the bound inputs in memory.
inline std::map<std::string, DenseTensor> run_engine(const plan::Plan& plan, const Bound& bound) {
    std::map<std::string, std::unique_ptr<MemoryReader>> readers;
    std::map<std::string, std::unique_ptr<MemoryWriter>> writers;
    exec::Bindings bindings;
    for (const auto& [name, value] : bound.values) {
        readers[name] = std::make_unique<MemoryReader>(value);
        bindings.inputs[name] = readers[name].get();
    }
    for (const plan::OutputPlan& output : plan.outputs) {
        if (output.scratch) continue;  // the executor holds spilled intermediates in memory
        writers[output.name] = std::make_unique<MemoryWriter>(output.root->shape);
        bindings.outputs[output.name] = writers[output.name].get();
    }
    exec::execute(plan, bindings);
    std::map<std::string, DenseTensor> results;
    for (auto& [name, writer] : writers) results[name] = writer->tensor();
    return results;
}

inline bool same_bits(const DenseTensor& left, const DenseTensor& right) {
    return left.shape == right.shape &&
           std::memcmp(left.values.data(), right.values.data(), left.values.size() * sizeof(double)) == 0;
}

// Equal to the naive evaluator's answer within 1e-10 of its largest magnitude (at least 1): accumulated rounding
// grows with the number of summed products, and inputs are standard normal.
inline void require_close(const DenseTensor& actual, const DenseTensor& expected) {
    REQUIRE(actual.shape == expected.shape);
    double scale = 1;
    for (double value : expected.values) scale = std::max(scale, std::abs(value));
    for (std::size_t element = 0; element < expected.values.size(); ++element) {
        INFO("element " << element << ": " << actual.values[element] << " vs reference " << expected.values[element]);
        REQUIRE(std::abs(actual.values[element] - expected.values[element]) <= 1e-10 * scale);
    }
}

// What run_plan_variants ran: plans, and of them those with an expanded output, an output summed in slabs, a fused
// pass over an input (plan/fuse.hpp) and tiles evaluated fused (eval/fused_einsum.hpp).
struct VariantCounts {
    int plans = 0;
    int expanded = 0;
    int in_slabs = 0;
    int fused_passes = 0;
    int fused_tiles = 0;
};

// Each variant of the plan options, planned and run for every thread count in `threads`: every output close to
// `expected` (the naive evaluator's answers) and the same bits for every thread count. A variant the planner refuses
// must be refused as a user error: resource or usage (a budget too small, a forced index no output has), and from
// variant `unsupported_from` on also unsupported (an expansion of a sum that broadcasts).
inline void run_plan_variants(const Bound& bound, const std::vector<plan::PlanOptions>& variants,
                              const std::map<std::string, DenseTensor>& expected, VariantCounts& counts,
                              const std::vector<int>& threads, std::size_t unsupported_from = variants_max) {
    for (std::size_t variant = 0; variant < variants.size(); ++variant) {
        INFO("plan variant " << variant);
        std::map<std::string, DenseTensor> first;
        for (int thread_count : threads) {
            plan::PlanOptions options = variants[variant];
            options.threads = thread_count;
            plan::Plan plan;
            try {
                plan = plan::make_plan(bound.program, options);
            } catch (const Error& error) {
                INFO(error.what());
                REQUIRE((error.kind() == ErrorKind::resource || error.kind() == ErrorKind::usage ||
                         (error.kind() == ErrorKind::unsupported && variant >= unsupported_from)));
                break;
            }
            const std::map<std::string, DenseTensor> results = run_engine(plan, bound);
            ++counts.plans;
            auto any_output = [&](auto&& predicate) {
                return std::any_of(plan.outputs.begin(), plan.outputs.end(), predicate);
            };
            auto fused = [](const plan::OutputPlan& unit) { return unit.split.kernels.fused_operations > 0; };
            counts.expanded +=
                any_output([](const plan::OutputPlan& output) { return output.strategy == plan::Strategy::expand; });
            counts.in_slabs +=
                any_output([](const plan::OutputPlan& output) { return output.tiling.summed_in_slabs(); });
            counts.fused_passes += !plan.passes.empty();
            counts.fused_tiles += any_output(fused) || std::any_of(plan.pieces.begin(), plan.pieces.end(), fused);
            for (const auto& [name, tensor] : results) {
                INFO("output " << name << ", threads " << thread_count);
                require_close(tensor, expected.at(name));
                if (thread_count == threads.front())
                    first[name] = tensor;
                else
                    REQUIRE(same_bits(tensor, first[name]));
            }
        }
    }
}

}  // namespace tilesum::testing
