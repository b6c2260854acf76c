// Planning from C++: outputs built with the expression builders (engine/expr/tensor.hpp) become a Plan, plain data.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/expr/tensor.hpp"
#include "engine/plan/plan_data.hpp"

namespace tilesum {

using Plan = plan::PlanData;
using PlanOptions = plan::PlanOptions;  // budget_bytes, threads, strategy, forced_tiles, machine
using Strategy = plan::Strategy;

// An output to compute: its name (the HDF5 dataset /NAME an HDF5 sink writes) and its expression.
struct Output {
    std::string name;
    expr::Tensor tensor;
};

// HDF5's chunk caches as the planner takes them (PlanOptions::chunk_caches): make_plan fills them in; front ends
// that plan a program themselves (the CLI) set them from here.
plan::ChunkCacheTraits hdf5_chunk_cache_traits();

// Plans the outputs together (they share pieces and passes). Inputs are the input tensors the outputs read, by
// name; two different inputs of one name are Error{usage}, and so are an empty or repeated output name. Planning
// errors as tilesum plan reports them: Error{resource} when even the smallest tile does not fit the budget, naming
// the smallest that works.
Plan make_plan(const std::vector<Output>& outputs, const PlanOptions& options = {});

}  // namespace tilesum
