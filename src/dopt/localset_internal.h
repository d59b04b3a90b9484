/* localset_internal.h -- shared between localset.c (runtime assignment) and
 * localset_build.c (training): the builder must assign its training rows
 * with exactly the arithmetic used at run time, so both call these. */
#ifndef ACEUQ_LOCALSET_INTERNAL_H
#define ACEUQ_LOCALSET_INTERNAL_H

#include "aceuq.h"

/* f (t->d values) = ((b - mean) / scale) . components for one row b (t->K) */
void aceuq_cluster_feature_row(const aceuq_cluster_transform *t, const double *b, double *f);

/* index of the centroid nearest to f (squared Euclidean distance, ties ->
 * lowest index; 0 if f holds a NaN) */
int aceuq_cluster_nearest(const double *centroids, size_t nclusters, size_t d, const double *f);

/* aceuq_pca_fit with the sums taken over the rows order[0..n-1] (a
 * permutation of 0..n-1; NULL = 0..n-1), so that a canonical order gives a
 * result independent of the order of the rows of B (pca.c) */
aceuq_status aceuq_pca_fit_ordered(const double *B, const size_t *order, size_t n, size_t K, size_t max_components,
                                   double rank_rtol, double *mean, double *scale, double *components, size_t *d,
                                   size_t *rank, aceuq_error *err);

#endif
