#include "engine/kernels/gemm_update.hpp"

#include <cblas.h>

namespace tilesum::kernels {

void gemm_update(Extent m, Extent n, Extent k, StridedMatrix a, StridedMatrix b, double* c, Extent ldc,
                 bool accumulate) {
    cblas_dgemm(CblasRowMajor, a.transposed ? CblasTrans : CblasNoTrans, b.transposed ? CblasTrans : CblasNoTrans,
                static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0, a.data, static_cast<int>(a.leading),
                b.data, static_cast<int>(b.leading), accumulate ? 1.0 : 0.0, c, static_cast<int>(ldc));
}

}  // namespace tilesum::kernels
