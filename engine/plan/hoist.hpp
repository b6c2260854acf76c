// Rewrite: shared pieces. A one-input reduction (an operand's labels that nothing else in its term reads are summed
// first: a column sum, a trace) and, in a term's best contraction path, a pairwise step of two inputs that reduces them
// (its result is smaller than the larger of the two) is computed once, in full, before the outputs, and the
// term reads it like an input, by hyperslabs as tiles need, when it has none of the output's indices (every tile
// would recompute it) or when the same step occurs in several terms or outputs: the seed's cross terms both need
// Σ_i B_i Z2_ij (as w_j in one and w_k in the other). Other steps stay in their terms, where a tile's input
// slices serve all of its terms. Pieces are held in memory, within a quarter of the budget.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/plan/expand.hpp"

namespace tilesum::plan {

struct SharedPiece {
    expr::NodePtr input;       // the input node terms read it through, named "~0", "~1", ...
    expr::NodePtr definition;  // an einsum over inputs and earlier pieces
    std::size_t bytes = 0;
};

// Which steps become pieces: only those every tile would recompute or several terms share (few passes over
// the inputs, and a tile's input slices serve all of its terms), or every reducing step of two inputs (more
// passes, but each reads its inputs in the order that suits it, not the output's tiles). The planner sizes
// both and keeps the faster.
enum class PiecePolicy { independent_or_shared, every_reduction };

class PieceRegistry {
public:
    PieceRegistry(std::size_t byte_limit, PiecePolicy policy) : byte_limit_(byte_limit), policy_(policy) {}

    // First, every term of every output is counted: how often each reducing step of two inputs occurs.
    void count(const Term& term);
    // Then each term with its pieces in place: a one-input reduction, or a reducing step of two leaves, becomes a
    // piece when it has none of the output's indices (every tile would recompute it) or when it occurs more than
    // once (shared): the centred covariance's column sum of X occurs twice in Σ_n X_ni Σ_m X_mj.
    Term hoist(const Term& term);

    // A whole term (an einsum over inputs) as a piece when it fits: the input node that reads it, or std::nullopt.
    std::optional<expr::NodePtr> whole_term_piece(const Term& term);

    const std::vector<SharedPiece>& pieces() const { return pieces_; }
    std::size_t bytes() const { return bytes_; }

private:
    // The piece computing `step` (an einsum of one or two inputs), made when the policy finds it worth it and it
    // fits; std::nullopt when the step stays in its term.
    std::optional<std::size_t> piece_for(const Term& step, bool independent);
    static bool independent_of_output(const std::string& kept, const Term& term);

    std::size_t byte_limit_;
    PiecePolicy policy_;
    std::size_t bytes_ = 0;
    std::vector<SharedPiece> pieces_;
    std::map<std::string, std::size_t> by_key_;
    std::map<std::string, int> occurrences_;
};

}  // namespace tilesum::plan
