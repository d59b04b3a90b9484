/* quests_kernel_internal.h -- reference implementation of the kernel sums
 * for tests: direct loops, no GEMM, no pruning of small terms. */
#ifndef ACEUQ_QUESTS_KERNEL_INTERNAL_H
#define ACEUQ_QUESTS_KERNEL_INTERNAL_H

#include "aceuq.h"

/* Same contract as aceuq_kernel_accumulate, with |y - x|^2 summed directly
 * over components and every term exponentiated. */
aceuq_status aceuq_kernel_accumulate_direct(const double *Y, size_t ny, const double *X, size_t nx, size_t d,
                                            double h, aceuq_kernel_row *rows, aceuq_error *err);

#endif
