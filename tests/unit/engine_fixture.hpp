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

}  // namespace tilesum::testing
