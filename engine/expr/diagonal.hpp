// Diagonals (numpy's repeated subscript labels, einsum("ii->i", A)) without a diagonal kernel: the diagonal is
// pushed down the DAG until it reaches inputs. An einsum renames its output letters so the merged axes share
// one (its operands then repeat a letter, and the push goes on into them); a sum or product pushes it into each
// operand's aligned axes; an input becomes a diagonal view (Node::diagonal_of), an input of its own whose
// reader reads the base input one diagonal index at a time (io/diagonal_view_reader.hpp).
#pragma once

#include <string>

#include "engine/expr/node.hpp"

namespace tilesum::expr {

// Marks an axis of extent 1 that take_diagonal removes (read at index 0): how a sum pushes a diagonal into
// an operand that broadcasts along some of the merged axes.
inline constexpr char dropped_label = '_';

// `labels`: one letter per axis of `node`. Axes sharing a letter become one axis, their diagonal (their
// extents must be equal); axes labelled dropped_label (extent 1) disappear. `order`: the result's letters,
// each distinct letter of `labels` once, in the order wanted. Returns `node` itself when labels == order.
NodePtr take_diagonal(const NodePtr& node, const std::string& labels, const std::string& order);

// The view of `input` that reads it as it is (its own view when it is one already): what a slice or a reciprocal
// starts from, so that every view reads its base input directly.
DiagonalView view_of(const Node& input);

// How plans and messages name a view, one entry per base axis: "diag(A,0,0,1)" takes A[i,i,j], a dropped axis
// shows as '-'; a view with starts or steps is "view(A,3+2*0,1,5)": A[3 + 2i, j, 5]; a reciprocal view is prefixed
// "1/": "1/diag(D,0,1)" reads 1 / D[i, j].
std::string view_name(const DiagonalView& view);

}  // namespace tilesum::expr
