// Rewrite: distributes sums and scalings over einsums and elementwise products, so that an output becomes a
// sum of terms, each one einsum over inputs with a coefficient. Identical terms (same einsum up to renaming of
// summed labels) are merged. The seed's E becomes four einsums whose best contraction paths never build
// anything 3-D, instead of one contraction of two (q, n, n) tensors.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/expr/node.hpp"

namespace tilesum::plan {

struct Term {
    double coefficient = 1;
    std::vector<expr::NodePtr> inputs;        // input or function nodes (FunctionLeaves), possibly repeated
    std::vector<std::string> operand_labels;  // one per input
    std::string output_labels;                // the node's axes, in order

    std::string subscripts() const;  // "i,jk,i,kj->k"
};

inline constexpr std::size_t max_expanded_terms = 64;

// A function (exp(X), maximum(X, 0), ...) is a barrier to expansion below it: it becomes a leaf of the terms, as an
// input is. Terms tell their leaves apart by name (canonical_key), so each function leaf is a copy of the function
// node named by its script name, or else by its text (expr/printer.hpp); a different function with the same text
// gets "#2", "#3". One FunctionLeaves shared by the outputs of a program lets their terms share pieces.
class FunctionLeaves {
public:
    expr::NodePtr leaf(const expr::NodePtr& function);

private:
    std::map<const expr::Node*, expr::NodePtr> leaves_;
    std::map<std::string, std::vector<expr::NodePtr>> by_text_;
    std::vector<expr::NodePtr> keep_;
};

// The functions below `root` that no other function is below of, in the order first met: where expansion stops
// and what is below is evaluated tile by tile (what `tilesum plan` lists).
std::vector<const expr::Node*> function_barriers(const expr::Node& root);

// Whether two DAGs compute the same thing node for node (names of intermediates aside).
bool same_structure(const expr::Node& left, const expr::Node& right);

// The node as a sum of terms, or std::nullopt when it cannot be expanded here (and then `why`, when given, says
// why in one line): more than max_expanded_terms terms, more than 52 distinct labels in one term, or a sum that
// broadcasts a term along an output axis no factor of it supplies (`A + x`, x a row: an einsum over inputs cannot
// repeat x along A's rows). Broadcasting that a product or an einsum resolves does expand: `A * x` is
// einsum('ij,j->ij', A, x), `einsum('ij->j', A + x)` is A's column sums plus m * x.
std::optional<std::vector<Term>> expand_terms(const expr::NodePtr& node, std::string* why = nullptr,
                                              FunctionLeaves* leaves = nullptr);

// A form two terms share exactly when they are the same einsum up to operand order and label names (output
// labels keep their positions). Sound, not complete: some equal terms may get different keys.
std::string canonical_key(const Term& term);

// `terms` with the terms canonical_key finds identical merged (coefficients added) and zero terms dropped (all but
// one when every term is zero, to keep the shape).
std::vector<Term> merge_identical(const std::vector<Term>& terms);

// The terms as a DAG: a sum of einsum nodes over inputs (one einsum when there is one term of coefficient 1).
expr::NodePtr terms_to_node(const std::vector<Term>& terms, const expr::Node& original);

}  // namespace tilesum::plan
