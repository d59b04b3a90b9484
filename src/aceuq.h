/*
 * aceuq.h -- public C API of libaceuq, the core of aceuq (uncertainty-aware
 * Atomic Cluster Expansion for LAMMPS).
 *
 * The library knows nothing about LAMMPS.  Conventions for every function:
 *  - fallible calls return an aceuq_status; on failure the optional
 *    aceuq_error* (caller-owned, may be NULL) receives the code and a message
 *    that names the file, key/line and the problem;
 *  - inputs are flat, explicitly shaped, const arrays; outputs are
 *    caller-owned unless a function says it allocates;
 *  - no global mutable state, nothing is printed, nothing exits;
 *  - objects are opaque handles made by the aceuq_X_create or aceuq_X_load
 *    functions and released by the matching aceuq_X_free (NULL is ignored).
 */
#ifndef ACEUQ_H
#define ACEUQ_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define ACEUQ_API __attribute__((visibility("default")))
#else
#define ACEUQ_API
#endif

/* ---- version ------------------------------------------------------------ */
#define ACEUQ_VERSION_MAJOR 0
#define ACEUQ_VERSION_MINOR 1
#define ACEUQ_VERSION_PATCH 0

/* "MAJOR.MINOR.PATCH" of the library that is linked (may differ from the
 * header's macros if a stale library is picked up). */
ACEUQ_API const char *aceuq_version(void);

/* ---- errors ------------------------------------------------------------- */
typedef enum aceuq_status {
  ACEUQ_OK = 0,
  ACEUQ_ERR_IO = 1,        /* file missing, unreadable, truncated          */
  ACEUQ_ERR_FORMAT = 2,    /* file readable but malformed                   */
  ACEUQ_ERR_VALUE = 3,     /* argument or file value out of range           */
  ACEUQ_ERR_MISMATCH = 4,  /* inconsistent inputs (elements, sizes, shapes) */
  ACEUQ_ERR_NOMEM = 5,     /* allocation failed                             */
  ACEUQ_ERR_LINALG = 6,    /* BLAS/LAPACK failure (singular matrix, ...)    */
  ACEUQ_ERR_INTERNAL = 7   /* bug: please report                            */
} aceuq_status;

#define ACEUQ_ERROR_MESSAGE_SIZE 1024

/* Caller-owned error report; zero-initialise or aceuq_error_clear() it. */
typedef struct aceuq_error {
  aceuq_status code;
  char message[ACEUQ_ERROR_MESSAGE_SIZE];
} aceuq_error;

ACEUQ_API void aceuq_error_clear(aceuq_error *err);
/* Short constant name of a status code, e.g. "format error". */
ACEUQ_API const char *aceuq_status_name(aceuq_status code);

/* ---- build / linear algebra configuration ------------------------------- */
/* Human-readable description of the BLAS/LAPACK the library was linked with
 * (OpenBLAS configuration string), written into buf (always NUL-terminated). */
ACEUQ_API void aceuq_blas_info(char *buf, size_t size);
/* Number of BLAS threads used by this process.  LAMMPS runs one MPI rank per
 * core, so the plugin pins this to 1 unless the user asks otherwise. */
ACEUQ_API void aceuq_blas_set_threads(int nthreads);
ACEUQ_API int aceuq_blas_get_threads(void);

/* ---- matrices and .npy files (npy.c) ------------------------------------ */
/* A row-major float64 matrix.  ndim is 1 or 2 as stored in the file
 * (a 1-D array of length n is returned as n x 1). */
typedef struct aceuq_array2d {
  size_t rows;
  size_t cols;
  int ndim;
  double *data; /* rows*cols values, allocated by the reader */
} aceuq_array2d;

/* Free a->data (if any) and zero the struct. */
ACEUQ_API void aceuq_array2d_release(aceuq_array2d *a);

/* Read a NumPy .npy file (format 1.0, 2.0 or 3.0) holding a little-endian
 * float64 ('<f8') C-order array of 1 or 2 dimensions.  Allocates out->data;
 * release with aceuq_array2d_release.  Other dtypes, Fortran order, other
 * ranks, truncation or trailing bytes are reported as errors. */
ACEUQ_API aceuq_status aceuq_npy_read_file(const char *path, aceuq_array2d *out, aceuq_error *err);
/* Same from memory (e.g. a .npz member); name is used in messages. */
ACEUQ_API aceuq_status aceuq_npy_read_buffer(const void *buffer, size_t size, const char *name,
                                             aceuq_array2d *out, aceuq_error *err);
/* Write a rows x cols row-major float64 matrix as a .npy file (format 1.0). */
ACEUQ_API aceuq_status aceuq_npy_write_file(const char *path, const double *data, size_t rows, size_t cols,
                                            aceuq_error *err);

/* ---- structures from extended XYZ files (extxyz.c) ---------------------- */
typedef struct aceuq_frame {
  size_t natoms;
  char **species;     /* natoms NUL-terminated symbols (point into species_text) */
  char *species_text; /* storage of the symbols */
  double *positions;  /* natoms x 3, Cartesian (Angstrom) */
  double cell[9];     /* rows = lattice vectors a, b, c; zeros if has_cell == 0 */
  int has_cell;       /* the comment line had Lattice="..." */
  int pbc[3];         /* periodic along a, b, c */
  size_t line;        /* 1-based line of the frame's atom-count line */
} aceuq_frame;

/* Read all frames of an extended XYZ file.  Allocates *frames (an array of
 * *nframes frames); free with aceuq_frames_free.  The species and pos
 * columns are found among any others declared by Properties=...; pbc
 * defaults to T T T with a Lattice and F F F without.  Errors name
 * file:line and the problem. */
ACEUQ_API aceuq_status aceuq_extxyz_read_file(const char *path, aceuq_frame **frames, size_t *nframes,
                                              aceuq_error *err);
/* Same from memory; name is used in messages. */
ACEUQ_API aceuq_status aceuq_extxyz_read_buffer(const char *text, size_t size, const char *name,
                                                aceuq_frame **frames, size_t *nframes, aceuq_error *err);
ACEUQ_API void aceuq_frames_free(aceuq_frame *frames, size_t nframes);

/* ---- neighbour lists (neighbors.c) -------------------------------------- */
/* All pairs (i, j, image) with |r_j + image - r_i| < cutoff, where image
 * runs over the lattice translations of the periodic directions (any number
 * of them: cells thinner than the cutoff are handled, an atom may see images
 * of itself; only j == i at zero translation is excluded).  Linked-cell
 * binning, O(N) for fixed density. */
typedef struct aceuq_neighbor_list aceuq_neighbor_list;

/* positions: natoms x 3; cell: 9 numbers, rows = lattice vectors (may be
 * NULL when no direction is periodic, and is then ignored); pbc: 3 flags
 * (NULL = non-periodic).  Allocates *list. */
ACEUQ_API aceuq_status aceuq_neighbor_list_build(size_t natoms, const double *positions, const double *cell,
                                                 const int *pbc, double cutoff, aceuq_neighbor_list **list,
                                                 aceuq_error *err);
ACEUQ_API void aceuq_neighbor_list_free(aceuq_neighbor_list *list);
ACEUQ_API size_t aceuq_neighbor_list_natoms(const aceuq_neighbor_list *list);
/* Number of neighbours of atom i; *index (atom j of each neighbour),
 * *displacement (n x 3, r_j + image - r_i) and *distance (n) point into the
 * list and stay valid until it is freed.  Any of the pointers may be NULL. */
ACEUQ_API size_t aceuq_neighbor_list_get(const aceuq_neighbor_list *list, size_t i, const size_t **index,
                                         const double **displacement, const double **distance);

/* ---- QUESTS descriptor (quests_descriptor.c) ---------------------------- */
/* Per-atom descriptor of the QUESTS method (Schwalbe-Koda et al., Nat.
 * Commun. 16, 4014 (2025)), length 2k-1:
 *   w(r) = (1 - (r/rc)^2)^2 for r < rc, else 0
 *   x1[a] = w(r_a) / (r_a + 1e-16),  a = 0..k-1 over the k nearest
 *           neighbours by distance (0 where fewer than k are within rc)
 *   Q_ab  = sqrt(w_a w_b) / (|d_a - d_b| + 1e-15), a != b; Q_aa = 0
 *   each row of the k x k matrix Q sorted ascending -> S[a][0..k-1];
 *   x2[k-1-l] = (1/k) sum_a S[a][l], l = 1..k-1 (largest first)
 * Neighbours at or beyond rc contribute exact zeros, so a list of the
 * neighbours within rc reproduces QUESTS (which takes the k nearest of all).
 * Ties at the k-th slot: neighbours are ordered by squared distance
 * dx*dx+dy*dy+dz*dz, then by dx, then dy, then dz.  This depends on the
 * geometry only, never on the order of the list (atom order, MPI
 * decomposition); QUESTS itself breaks such ties arbitrarily, so for
 * perfect lattices the x2 part may differ from QUESTS (x1 never does). */
typedef struct aceuq_quests_workspace aceuq_quests_workspace;

/* k >= 2, cutoff > 0.  The workspace is reused for any number of atoms. */
ACEUQ_API aceuq_status aceuq_quests_workspace_create(int k, double cutoff, aceuq_quests_workspace **ws,
                                                     aceuq_error *err);
ACEUQ_API void aceuq_quests_workspace_free(aceuq_quests_workspace *ws);
/* 2k - 1 */
ACEUQ_API size_t aceuq_quests_descriptor_length(int k);

/* Descriptor of one atom from the displacement vectors (n x 3, any order,
 * any count, self excluded) of its neighbours; writes 2k-1 doubles to out.
 * No allocation. */
ACEUQ_API aceuq_status aceuq_quests_descriptor(aceuq_quests_workspace *ws, size_t n,
                                               const double *displacements, double *out, aceuq_error *err);

/* Descriptors of all atoms of a structure (natoms x (2k-1) into out), with
 * the periodicity given by cell/pbc exactly as aceuq_neighbor_list_build. */
ACEUQ_API aceuq_status aceuq_quests_structure_descriptors(size_t natoms, const double *positions,
                                                          const double *cell, const int *pbc, int k,
                                                          double cutoff, double *out, aceuq_error *err);
/* Descriptors of a frame with the QUESTS convention for periodicity: only a
 * frame periodic in all three directions uses its cell; any other frame
 * (partial PBC such as slabs, or no cell) is treated as a finite cluster and
 * its cell is ignored. */
ACEUQ_API aceuq_status aceuq_quests_frame_descriptors(const aceuq_frame *frame, int k, double cutoff, double *out,
                                                      aceuq_error *err);

/* ---- Gaussian kernel sums, entropy, dH (quests_kernel.c) ---------------- */
/* K(x, y) = exp(-|x - y|^2 / (2 h^2)).  Squared distances use the GEMM form
 * |x|^2 + |y|^2 - 2 x.y, clamped at 0.
 *
 * Per-row accumulator of L = ln sum_j K(y, x_j) over any number of blocks of
 * x (log-sum-exp, finite even if every term underflows):
 *   L = max + ln(scaled_sum),  scaled_sum = sum_j exp(a_j - max),
 *   a_j = -|y - x_j|^2 / (2 h^2).
 * Terms with a_j < max - 64 are dropped (each < 1.6e-28 of the sum).
 * plain_tiny = plain double sum of exp(a_j) over terms with a_j < -708, used
 * to reproduce a plain (non-log-sum-exp) double sum, which is what QUESTS
 * computes, including exact zero (dH = +inf) when all terms underflow. */
typedef struct aceuq_kernel_row {
  double max;        /* largest a_j seen (-HUGE_VAL before any term) */
  double scaled_sum; /* sum_j exp(a_j - max) */
  double plain_tiny; /* sum of exp(a_j) over a_j < -708 */
} aceuq_kernel_row;

/* Set n accumulators to the empty state. */
ACEUQ_API void aceuq_kernel_rows_init(aceuq_kernel_row *rows, size_t n);
/* Combine accumulator b into a (a receives the state of both term sets). */
ACEUQ_API void aceuq_kernel_row_merge(aceuq_kernel_row *a, const aceuq_kernel_row *b);
/* ln sum_j K, finite whenever at least one term was added (-inf if none). */
ACEUQ_API double aceuq_kernel_row_log(const aceuq_kernel_row *row);
/* ln of the plain double sum as QUESTS computes it: -inf when every term
 * underflows to 0 in double precision, else equal to aceuq_kernel_row_log
 * up to rounding (and to the precision of subnormal sums). */
ACEUQ_API double aceuq_kernel_row_log_plain(const aceuq_kernel_row *row);

/* Blocked GEMM workspace for descriptors of dimension d; memory bounded
 * (a few MB) whatever the number of rows. */
typedef struct aceuq_kernel_workspace aceuq_kernel_workspace;
ACEUQ_API aceuq_status aceuq_kernel_workspace_create(size_t d, aceuq_kernel_workspace **ws, aceuq_error *err);
ACEUQ_API void aceuq_kernel_workspace_free(aceuq_kernel_workspace *ws);

/* For each row y_i of Y (ny x d) add the terms K(y_i, x_j) of all rows of X
 * (nx x d) to rows[i].  The primitive for distributed use: call once per
 * block of X (e.g. blocks passed around an MPI ring). */
ACEUQ_API aceuq_status aceuq_kernel_accumulate(aceuq_kernel_workspace *ws, const double *Y, size_t ny,
                                               const double *X, size_t nx, size_t d, double h,
                                               aceuq_kernel_row *rows, aceuq_error *err);

/* Differential entropy dH(y_i | X) = -ln sum_j K(y_i, x_j) (no 1/N) for every
 * row of Y.  dH_plain (may be NULL) gets the QUESTS value (+inf when every
 * kernel underflows); dH_finite (may be NULL) the log-sum-exp value, always
 * finite for nx >= 1. */
ACEUQ_API aceuq_status aceuq_quests_delta_entropy(const double *Y, size_t ny, const double *X, size_t nx,
                                                  size_t d, double h, double *dH_plain, double *dH_finite,
                                                  aceuq_error *err);
/* Entropy H = -(1/N) sum_i ln((1/N) sum_j K(x_i, x_j)) and diversity
 * D = ln sum_i 1 / sum_j K(x_i, x_j) of X (N x d, self pairs included).
 * Either output may be NULL. */
ACEUQ_API aceuq_status aceuq_quests_entropy(const double *X, size_t n, size_t d, double h, double *entropy,
                                            double *diversity, aceuq_error *err);


/* ---- ACE potentials (pacemaker .yaml B-basis, ML-PACE .yace C-tilde) ---- */
/* A loaded potential: read-only after loading, shared by all threads. */
typedef struct aceuq_potential aceuq_potential;
/* Per-thread scratch memory for aceuq_evaluate_atom, reused for all atoms. */
typedef struct aceuq_workspace aceuq_workspace;

typedef enum aceuq_projection_kind {
  ACEUQ_PROJECTIONS_NONE = 0,
  ACEUQ_PROJECTIONS_LINEAR = 1,    /* b_f, B-basis order (rank-1 first) = .asi column order */
  ACEUQ_PROJECTIONS_NONLINEAR = 2  /* dF/drho_p * b_f, density-major (index p*K + f) */
} aceuq_projection_kind;

/* Load a .yaml/.yml (B-basis; the C-tilde basis is built at load) or .yace
 * file.  Errors name file, line and key. */
ACEUQ_API aceuq_status aceuq_potential_load(const char *path, aceuq_potential **out, aceuq_error *err);
ACEUQ_API void aceuq_potential_free(aceuq_potential *pot);
ACEUQ_API int aceuq_potential_num_elements(const aceuq_potential *pot);
/* Element symbol of species index mu (0-based, the potential's order). */
ACEUQ_API const char *aceuq_potential_element(const aceuq_potential *pot, int mu);
/* Species index of an element symbol, -1 if the potential does not have it. */
ACEUQ_API int aceuq_potential_element_index(const aceuq_potential *pot, const char *symbol);
/* Cutoff of the ordered species pair (mu_i, mu_j); the largest cutoff for -1, -1. */
ACEUQ_API double aceuq_potential_cutoff(const aceuq_potential *pot, int mu_i, int mu_j);
/* Length of the projection vector of species mu (0 for a .yace potential). */
ACEUQ_API size_t aceuq_potential_projection_size(const aceuq_potential *pot, int mu,
                                                 aceuq_projection_kind kind);
/* Number of pairs of B functions whose order ML-PACE leaves unspecified
 * (equal sort keys): projections of such functions may be swapped relative
 * to an .asi file made by pacemaker. */
ACEUQ_API size_t aceuq_potential_ordering_ties(const aceuq_potential *pot);

ACEUQ_API aceuq_status aceuq_workspace_create(const aceuq_potential *pot, aceuq_workspace **out,
                                              aceuq_error *err);
ACEUQ_API void aceuq_workspace_free(aceuq_workspace *ws);

/* Energy of atom i of species mu_i with n neighbours (species mu_j[n],
 * displacements rij[3n] = x_j - x_i; neighbours beyond the pair cutoff are
 * ignored).  dE_drij[3n] (may be NULL) receives dE_i/dr_ij: forces
 * f_i += dE_drij[j], f_j -= dE_drij[j]; virial W_ab = sum_j -rij_a dE_drij_b.
 * projections: NULL or aceuq_potential_projection_size(pot, mu_i, kind)
 * doubles. */
ACEUQ_API aceuq_status aceuq_evaluate_atom(const aceuq_potential *pot, aceuq_workspace *ws, int mu_i,
                                           size_t n, const int *mu_j, const double *rij, double *energy,
                                           double *dE_drij, aceuq_projection_kind kind,
                                           double *projections, aceuq_error *err);

/* ---- D-optimality active sets and extrapolation grades ------------------ */
/* An active set (pacemaker .asi): per element mu the square matrix Ainv_mu
 * (pseudo-inverse of the active-set projection rows) of size K_mu (linear)
 * or K_mu * ndensity_mu (non-linear projections). */
typedef struct aceuq_activeset aceuq_activeset;

/* Read an .asi file (.npz, stored or compressed; one "<El>.npy" float64
 * C-order square matrix per element) and validate it against pot: every
 * element present, no unknown element, sizes matching the potential, one
 * kind for all elements, finite entries.  Errors name the file and member. */
ACEUQ_API aceuq_status aceuq_activeset_load(const char *path, const aceuq_potential *pot, aceuq_activeset **out,
                                            aceuq_error *err);
ACEUQ_API void aceuq_activeset_free(aceuq_activeset *as);
/* ACEUQ_PROJECTIONS_LINEAR or _NONLINEAR (the projections the grades need) */
ACEUQ_API aceuq_projection_kind aceuq_activeset_kind(const aceuq_activeset *as);
/* Matrix size K of species mu (0 for a bad index) and its K x K row-major
 * entries Ainv[j*K + k], owned by the active set. */
ACEUQ_API size_t aceuq_activeset_size(const aceuq_activeset *as, int mu);
ACEUQ_API const double *aceuq_activeset_matrix(const aceuq_activeset *as, int mu);

/* Scratch memory for aceuq_dopt_grade_batch (one per thread), bounded:
 * a few MB independent of the number of atoms. */
typedef struct aceuq_grade_workspace aceuq_grade_workspace;
ACEUQ_API aceuq_status aceuq_grade_workspace_create(size_t max_K, aceuq_grade_workspace **out, aceuq_error *err);
ACEUQ_API void aceuq_grade_workspace_free(aceuq_grade_workspace *ws);
ACEUQ_API size_t aceuq_grade_workspace_bytes(const aceuq_grade_workspace *ws);

/* Grades of n atoms of one element:
 *   gamma[i] = max_k | sum_j proj[i*K + j] * Ainv[j*K + k] |
 * computed chunk-wise with dgemm.  roundoff (may be NULL) receives
 * max_k sum_j |proj[i*K + j] * Ainv[j*K + k]|, the scale of the cancellation
 * error of gamma (costs a scalar O(K^2) loop per atom: for checks, not MD).
 * A NaN projection gives a NaN grade. */
ACEUQ_API aceuq_status aceuq_dopt_grade_batch(aceuq_grade_workspace *ws, const double *Ainv, size_t K,
                                              const double *proj, size_t n, double *gamma, double *roundoff,
                                              aceuq_error *err);

/* ---- active-set construction (activeset_build.c, maxvol.c) --------------- */
/* MaxVol (Goreinov-Tyrtyshnikov; the algorithm of pacemaker's maxvolpy):
 * rows[r] of the n x r row-major matrix A (n >= r) whose r x r block has
 * locally maximal |det|: LU with partial pivoting picks the start, then
 * single-row swaps while max |C| > tol, C = A A[rows]^-1 (tol < 1 is taken
 * as 1).  *iters = swaps made, *max_c = final max |C| (<= tol when
 * converged; may be NULL).  A singular start block is an ACEUQ_ERR_LINALG
 * error. */
ACEUQ_API aceuq_status aceuq_maxvol(const double *A, size_t n, size_t r, double tol, int max_iters, size_t *rows,
                                    int *iters, double *max_c, aceuq_error *err);

typedef struct aceuq_activeset_build_options {
  double tol;       /* MaxVol tolerance (default 1.01) */
  int max_iters;    /* MaxVol swap limit (default 300) */
  double rank_rtol; /* numerical rank: singular values > rank_rtol * largest (default 1e-6) */
} aceuq_activeset_build_options;
/* defaults above */
ACEUQ_API void aceuq_activeset_build_options_default(aceuq_activeset_build_options *opt);

/* What the selection did for one element (all fields filled by the builder). */
typedef struct aceuq_activeset_report {
  size_t environments;  /* rows given */
  size_t functions;     /* K: projection length */
  size_t rank;          /* numerical rank r = number of selected rows */
  size_t zero_columns;  /* columns with zero variance (all rows equal); they carry no information */
  int iterations;       /* MaxVol swaps */
  double max_c;         /* final MaxVol max |C| */
  double max_gamma;     /* max gamma of the given rows with the written inverse */
  double condition;     /* sigma_max / sigma_min of the selected, column-scaled block */
} aceuq_activeset_report;

/* Active set of one element from the n x K row-major projections B (one row
 * per training environment).  Numerically rank-deficient bases are handled
 * explicitly: D = column rms (zero columns: 1), the numerical rank r of B D^-1
 * from its singular values, MaxVol on the leading r right-singular
 * coordinates B D^-1 V_r, and
 *   Ainv[:, :r] = D^-1 pinv(B[sel] D^-1),  Ainv[:, r:] = 0
 * (K x K row-major, written to Ainv; gamma = max_k |(b Ainv)_k| as for any
 * .asi).  On full-rank input the selection is pacemaker's.  selected (may be
 * NULL) receives the r chosen row indices (at most K entries). */
ACEUQ_API aceuq_status aceuq_activeset_select(const double *B, size_t n, size_t K,
                                              const aceuq_activeset_build_options *opt, double *Ainv,
                                              size_t *selected, aceuq_activeset_report *report,
                                              aceuq_error *err);

/* Write an .asi file (uncompressed npz, "<El>.npy" float64 C-order K x K per
 * element, readable by pacemaker/ML-PACE and by aceuq_activeset_load). */
ACEUQ_API aceuq_status aceuq_activeset_write(const char *path, int nelements, const char *const *elements,
                                             const double *const *Ainv, const size_t *K, aceuq_error *err);

#ifdef __cplusplus
}
#endif

#endif /* ACEUQ_H */
