// Slabs of a summed label: which labels a tile of a root may cut into slabs, and, for a root that is a sum of terms,
// what each term contributes to one slab. The planner (plan/cuttable.cpp) and the evaluator (tile_eval.cpp) share
// these rules, so that what is planned is what is evaluated.
#pragma once

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "engine/common/shape.hpp"
#include "engine/expr/node.hpp"

namespace tilesum::eval {

// The summed labels a tile of `root` may cut into slabs, in order of appearance, with their extents: those of an
// einsum; of a sum of terms, those its einsum terms sum, with one extent wherever summed and never an output label
// of a term. In one slab, a term that lacks a cut label is added only in the first slab along it.
std::vector<std::pair<char, Extent>> slab_labels(const expr::Node& root);

// The slab `summed` of a sum of terms, for its term `term`: the ranges of the cut labels the term sums, or
// std::nullopt when the term takes no part in this slab. A term lacking a cut label is added once, in the first
// slab along that label, so that over all slabs every term is added exactly once.
std::optional<std::map<char, Range>> term_slab(const expr::Node& term, const std::map<char, Range>& summed);

// Whether `terms` partial sums (slabs of an output tile, tiles of a fused pass) are added with compensated
// summation, which holds a compensation as large as the sum beside it (kernels/accurate_sum.hpp): the executor
// adds them so, and the planner counts the compensation's bytes.
bool compensated_terms(Extent terms);

}  // namespace tilesum::eval
