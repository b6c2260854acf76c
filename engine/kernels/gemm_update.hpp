// C (+)= A · B on sub-blocks of larger row-major buffers, through BLAS: what a streamed GEMM (exec/gemm_run.cpp)
// runs per slab, adding each slab's product into the C block in place (beta = 1) instead of into a fresh result
// that is then added serially. Each call is single-threaded BLAS (TBB owns the cores).
#pragma once

#include "engine/common/shape.hpp"

namespace tilesum::kernels {

// A row-major matrix inside a larger buffer: element (r, c) of the operand as BLAS sees it is at
// data[r * leading + c], or at data[c * leading + r] when `transposed`.
struct StridedMatrix {
    const double* data = nullptr;
    Extent leading = 0;
    bool transposed = false;
};

// c (m x n, leading dimension ldc) = a (m x k) · b (k x n), or c += a · b when `accumulate`.
void gemm_update(Extent m, Extent n, Extent k, StridedMatrix a, StridedMatrix b, double* c, Extent ldc,
                 bool accumulate);

}  // namespace tilesum::kernels
