// tilesum as a library: lazy einsum expressions over data larger than memory, planned under a byte budget and run
// tile by tile from HDF5, .npy or memory into HDF5 or memory.
//
//   #include <tilesum/tilesum.hpp>
//
//   tilesum::Sources sources;
//   auto A = sources.hdf5("A", "in.h5", "/A");                 // (n, n): shape, dtype, chunks from the file
//   auto B = sources.memory("B", b.data(), {q});              // (q,): borrowed, not copied
//   auto C = tilesum::einsum("i,jk->ijk", {B, A});            // lazy: nothing is computed or stored
//   using namespace tilesum::indexing;
//   auto D = tilesum::index(C, {all(), range(0, 20)});         // C[:, :20]: reads only A[:20, :]
//   tilesum::PlanOptions options;
//   options.budget_bytes = std::size_t{1} << 30;
//   tilesum::Plan plan = tilesum::make_plan({{"E", tilesum::einsum("ijk,ikj->k", {C, C})}}, options);
//   std::cout << plan.explain();                              // what `tilesum plan` prints
//   std::string json = plan.to_json();                        // save, compare (==), send; Plan::from_json reads it
//   auto sink = tilesum::Sink::hdf5("out.h5");
//   tilesum::RunStats stats = tilesum::run(plan, sources, sink);
//
// Errors are tilesum::Error with a kind (error.hpp): syntax, semantic, unsupported, resource and usage are mistakes
// the caller can fix; io is a failed read or write; interrupted a cancelled run; internal a bug in tilesum.
// docs/cpp-api.md has the whole story; examples/cpp is a project that uses the installed library.
#pragma once

#include "engine/api/machine_profile_file.hpp"
#include "engine/api/planning.hpp"
#include "engine/api/run.hpp"
#include "engine/api/sources.hpp"
#include "engine/api/version.hpp"
#include "engine/common/error.hpp"
#include "engine/common/shape.hpp"
#include "engine/expr/numpy_ops.hpp"
#include "engine/expr/slice.hpp"
#include "engine/expr/tensor.hpp"
#include "engine/plan/plan_data.hpp"

namespace tilesum {

using expr::einsum;
using expr::index;  // numpy's basic indexing: index(X, {all(), range(0, 20)}) is X[:, :20]
using expr::Tensor;
// numpy's array functions that are einsums: matmul(A, B) is A @ B, transpose(A) is A.T, sum(X, AxisList{0}) is
// X.sum(axis=0); numpy's axes (negative from the end) and errors.
using expr::AxisList;
using expr::diagonal;
using expr::dot;
using expr::inner;
using expr::matmul;
using expr::mean;
using expr::outer;
using expr::sum;
using expr::swapaxes;
using expr::tensordot;
using expr::trace;
using expr::transpose;
// Elementwise functions (numpy's names; the comparison operators < <= > >= come with Tensor).
using expr::abs;
using expr::cos;
using expr::equal;
using expr::exp;
using expr::expm1;
using expr::log;
using expr::log1p;
using expr::maximum;
using expr::minimum;
using expr::not_equal;
using expr::pow;
using expr::sign;
using expr::sin;
using expr::sqrt;
using expr::tanh;
using expr::where;
namespace indexing {
using expr::all;
using expr::at;
using expr::etc;
using expr::range;
}  // namespace indexing

}  // namespace tilesum
