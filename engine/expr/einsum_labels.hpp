// numpy's einsum subscripts resolved against the operands' shapes, into plain letters the engine evaluates:
// each ellipsis becomes letters the subscripts do not use (numpy's broadcasting: right-aligned, extent 1
// stretches), and each occurrence of a label with extent 1 where the label is larger elsewhere becomes a
// letter of its own, summed over its one value (numpy broadcasts it). Repeated letters within one operand
// remain: they are diagonals, which make_einsum pushes down the DAG (diagonal.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/expr/build.hpp"
#include "engine/expr/subscripts.hpp"

namespace tilesum::expr {

struct EinsumLabels {
    std::vector<std::string> operands;  // letters only, one per axis of each operand
    std::string output;                 // distinct letters
};

// The letters a fresh label is taken from, in this order: capitals first, since scripts mostly use lower
// case and a plan then shows at a glance which indices the engine made up.
inline constexpr const char* fresh_label_pool = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// Rejects, as numpy does, with the operand and label at fault: subscripts naming more or fewer dimensions
// than an operand has, ellipsis dimensions that do not broadcast, ellipsis dimensions the explicit output
// drops, and a label repeated within one operand over axes of different extents. Extents that disagree
// between operands are left for make_einsum, which names their origin.
EinsumLabels resolve_einsum_labels(const Subscripts& subscripts, const std::vector<Operand>& operands,
                                   std::optional<SourceSpan> span);

}  // namespace tilesum::expr
