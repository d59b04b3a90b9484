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
/* The OPENBLAS_CORETYPE that would give this CPU faster kernels than the ones
 * OpenBLAS picked ("SkylakeX" for AVX-512, "Haswell" for AVX2 + FMA), or NULL
 * when OpenBLAS already uses the best kernels the CPU can run.  A DYNAMIC_ARCH
 * OpenBLAS that does not know the CPU model falls back to its SSE kernels
 * (Debian's 0.3.21 on recent Xeons: 2-4x slower GEMMs for grades and entropy);
 * AVX2 kernels on an AVX-512 CPU (older OpenBLAS releases on newer AMD CPUs)
 * are also named (grade GEMMs 1.4-1.6x slower than SkylakeX on an AMD EPYC of
 * the Zen 5 class).  An OPENBLAS_CORETYPE set by the user is respected by the
 * tools and build/lmp; this function still names the better kernels.  OpenBLAS
 * reads OPENBLAS_CORETYPE once, when it is loaded, so the choice can only be
 * applied to a new process (see src/cli/blas_select.h and build/lmp). */
ACEUQ_API const char *aceuq_blas_preferred_coretype(void);

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
  char config_type[64]; /* the comment's config_type=... ("" if absent) */
  /* labels, when the file has them (aceuq label writes all three) */
  int has_energy;
  double energy;      /* energy=... (eV) */
  int has_virial;
  double virial[9];   /* virial="9 values" (eV), or -stress * volume from stress="9 values" */
  double *forces;     /* natoms x 3 from a forces:R:3 (or force:R:3) column; NULL if absent */
} aceuq_frame;

/* Read all frames of an extended XYZ file.  Allocates *frames (an array of
 * *nframes frames); free with aceuq_frames_free.  The species and pos
 * columns are found among any others declared by Properties=...; pbc
 * defaults to T T T with a Lattice and F F F without; config_type is kept
 * (at most 63 characters), and so are the labels energy=, virial= (or
 * stress=, ASE's sign: virial = -stress * |det cell|) and a forces column.
 * Errors name file:line and the problem. */
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
 * A term more than 80 below the running max counts as e^-80 of it (a floor,
 * not a branch): a sum of n terms is overestimated by at most n 1.8e-35 of
 * itself.  exp is evaluated to 1.1e-12 relative accuracy.
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

/* Plain sums of K for the entropy, where no log-sum-exp is needed: every row
 * has its self term K_ii = 1 and all terms are <= 1 (floored at e^-80).  Self: sums[i] += sum_j K(x_i, x_j) over all rows of X (n x d),
 * self term included, each pair evaluated once.  Cross, the primitive of the
 * symmetric MPI ring: rsum[i] += sum_j K(y_i, x_j) and csum[j] += sum_i
 * K(y_i, x_j), each pair evaluated once for both directions. */
ACEUQ_API aceuq_status aceuq_kernel_self_sums(aceuq_kernel_workspace *ws, const double *X, size_t n, size_t d,
                                              double h, double *sums, aceuq_error *err);
ACEUQ_API aceuq_status aceuq_kernel_cross_sums(aceuq_kernel_workspace *ws, const double *Y, size_t ny,
                                               const double *X, size_t nx, size_t d, double h, double *rsum,
                                               double *csum, aceuq_error *err);

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
/* A basis to fit (aceuq fit): a basis specification (docs/basis_spec.md:
 * elements, cutoff, radial basis, nmax/lmax per rank; its B-functions are
 * enumerated, coefficients 0, linear embedding) or any potential file that
 * aceuq_potential_load reads (its basis is used). */
ACEUQ_API aceuq_status aceuq_potential_load_basis(const char *path, aceuq_potential **out, aceuq_error *err);
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
/* Notes the reader left about the file: keys it ignored as ML-PACE does
 * (unknown keys, embedding keys outside a single-species block whose value
 * differs from the one used, ...) and conventions it applied.  Each note is
 * "<file>:<line>: <key path>: <text>"; show them to the user (the plugin logs
 * them).  Note i for 0 <= i < aceuq_potential_num_notes(); beyond the first
 * 64, notes are only counted (aceuq_potential_notes_dropped). */
ACEUQ_API size_t aceuq_potential_num_notes(const aceuq_potential *pot);
ACEUQ_API const char *aceuq_potential_note(const aceuq_potential *pot, size_t i);
ACEUQ_API size_t aceuq_potential_notes_dropped(const aceuq_potential *pot);

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

/* ---- linear-ACE design matrix (fit_design.c) ---------------------------- */
/* Columns of the design matrix of a linear ACE model E_i = sum_f c_f b_f(i)
 * + E0[mu_i] on this potential's B-basis: for each species mu in order its
 * projection_size(mu, LINEAR) functions (B-basis order = .asi order), then
 * one column per species (its number of atoms: the reference energies). */
ACEUQ_API size_t aceuq_fit_design_columns(const aceuq_potential *pot);
/* Rows of one structure (positions, cell and pbc as aceuq_neighbor_list_build
 * takes them; mu[natoms] species indices): energy_row[ncols] (sum of the
 * atoms' projections and the species counts), force_rows[3 natoms][ncols]
 * (row 3k+a: d/dx_k,a of -energy_row, so that force_rows c = forces) and
 * virial_rows[6][ncols] (W_ab = sum_ij -r_ij,a d/dr_ij,b of the energy row,
 * order xx yy zz xy xz yz, as `aceuq eval`); row-major, overwritten; either
 * of force_rows / virial_rows may be NULL.  B-basis potentials only. */
ACEUQ_API aceuq_status aceuq_fit_design_rows(const aceuq_potential *pot, size_t natoms, const int *mu,
                                             const double *positions, const double *cell, const int *pbc,
                                             double *energy_row, double *force_rows, double *virial_rows,
                                             aceuq_error *err);

/* ---- weighted least squares, streamed (fit_solve.c) --------------------- */
/* Accumulates sqrt(w) [X | y] row block by row block into the R factor of a
 * Householder QR (memory O(ncols^2), normal equations never formed). */
typedef struct aceuq_fit_accumulator aceuq_fit_accumulator;
ACEUQ_API aceuq_status aceuq_fit_accumulator_create(size_t ncols, aceuq_fit_accumulator **out, aceuq_error *err);
ACEUQ_API void aceuq_fit_accumulator_free(aceuq_fit_accumulator *a);
/* n rows (row-major n x ncols), their targets and weights (NULL: all 1);
 * non-finite values and negative weights are errors naming the row. */
ACEUQ_API aceuq_status aceuq_fit_accumulator_add(aceuq_fit_accumulator *a, const double *rows,
                                                 const double *targets, const double *weights, size_t n,
                                                 aceuq_error *err);
ACEUQ_API size_t aceuq_fit_accumulator_rows(const aceuq_fit_accumulator *a);
/* Ridge: minimise sum w (y - x.c)^2 + lambda |c|^2 (lambda >= 0; 0 = least
 * squares, refused when X is rank-deficient); *rss (may be NULL) = the
 * weighted residual sum of squares. */
ACEUQ_API aceuq_status aceuq_fit_solve_ridge(const aceuq_fit_accumulator *a, double lambda, double *coef, double *rss,
                                             aceuq_error *err);
/* Bayesian ridge (evidence maximisation of the noise precision alpha and the
 * weight precision lambda, Gamma priors a1, a2, l1, l2; sklearn's
 * BayesianRidge algorithm, without intercept): posterior mean coef, and the
 * posterior covariance (ncols x ncols, row-major; NULL to skip). */
typedef struct aceuq_fit_bayes_options {
  int max_iter;          /* 300 */
  double tol;            /* 1e-3: stop when sum |c_new - c_old| < tol */
  double alpha_1, alpha_2, lambda_1, lambda_2; /* 1e-6 each */
  double alpha_init;     /* 0: 1 / var(sqrt(w) y) */
  double lambda_init;    /* 1 */
} aceuq_fit_bayes_options;
typedef struct aceuq_fit_bayes_result {
  double alpha, lambda; /* noise and weight precisions at the end */
  double gamma;         /* effective number of parameters */
  double rss;           /* weighted residual sum of squares */
  int iterations, converged;
} aceuq_fit_bayes_result;
ACEUQ_API void aceuq_fit_bayes_options_default(aceuq_fit_bayes_options *o);
ACEUQ_API aceuq_status aceuq_fit_solve_bayes(const aceuq_fit_accumulator *a, const aceuq_fit_bayes_options *opt,
                                             double *coef, double *covariance, aceuq_fit_bayes_result *res,
                                             aceuq_error *err);
/* Write the linear ACE potential E_i = sum_f coef_f b_f(i) on pot's B-basis
 * as a pacemaker .yaml (linear embedding FinnisSinclairShiftedScaled [1, 1],
 * one density; coef in design-column order without the E0 columns: the
 * .yaml format has no reference energies).  comment goes into the header
 * line.  Written to path.tmp, then renamed. */
ACEUQ_API aceuq_status aceuq_potential_write_linear_yaml(const aceuq_potential *pot, const double *coef,
                                                         const char *path, const char *comment, aceuq_error *err);
/* Write the potential in ML-PACE's C-tilde format (.yace, what `pair_style
 * pace` reads): the C-tilde basis the evaluator uses (built from the
 * B-basis of a .yaml), 17 significant digits (reads back bit for bit). */
ACEUQ_API aceuq_status aceuq_potential_write_yace(const aceuq_potential *pot, const char *path, aceuq_error *err);

/* ---- Bayesian posterior of a linear fit (fit_posterior.c) --------------- */
/* nsamples coefficient vectors (row-major nsamples x K) drawn from
 * N(mean, covariance) (covariance K x K symmetric positive semi-definite)
 * with a deterministic generator of seed: machine- and thread-independent. */
ACEUQ_API aceuq_status aceuq_fit_posterior_samples(const double *mean, const double *covariance, size_t K,
                                                   size_t nsamples, unsigned long long seed, double *samples,
                                                   aceuq_error *err);
/* ---- POPS misspecification posterior (fit_pops.c) ---------------------- */
/* Pointwise optimal corrections of a Bayesian-ridge fit (coef, alpha, lambda
 * of aceuq_fit_solve_bayes on the accumulator a) in the metric
 * (X^T X + lambda/alpha I)^-1; rows whose weighted residual is below
 * min_relative_error (popsregression: 0.01) x the RMSE of the weighted
 * residuals are left out; hypercube posterior along the eigenvectors of the
 * corrections' second moment (eigenvalue > 1e-8 of the largest).  The
 * training rows (the same rows, weights and targets the accumulator got, in
 * any order) are streamed twice: aceuq_fit_pops_add ... end_pass, then again
 * add ... end_pass; then samples.  Memory O(K^2). */
typedef struct aceuq_fit_pops aceuq_fit_pops;
ACEUQ_API aceuq_status aceuq_fit_pops_create(const aceuq_fit_accumulator *a, const double *coef, double alpha,
                                             double lambda, double min_relative_error, aceuq_fit_pops **out,
                                             aceuq_error *err);
ACEUQ_API void aceuq_fit_pops_free(aceuq_fit_pops *p);
ACEUQ_API aceuq_status aceuq_fit_pops_add(aceuq_fit_pops *p, const double *rows, const double *targets,
                                          const double *weights, size_t n, aceuq_error *err);
ACEUQ_API aceuq_status aceuq_fit_pops_end_pass(aceuq_fit_pops *p, aceuq_error *err);
/* rows seen, rows kept by the residual filter, modes of the hypercube */
ACEUQ_API void aceuq_fit_pops_info(const aceuq_fit_pops *p, size_t *rows, size_t *kept, size_t *modes);
/* (1/kept) sum_i dw_i dw_i^T (K x K; the "ensemble" Sigma_mis), after the first pass */
ACEUQ_API aceuq_status aceuq_fit_pops_moment(const aceuq_fit_pops *p, double *moment, aceuq_error *err);
/* min and max of x . dw over the hypercube (exact, from its corners), after both passes */
ACEUQ_API aceuq_status aceuq_fit_pops_bounds(const aceuq_fit_pops *p, const double *x, double *lo, double *hi,
                                             aceuq_error *err);
/* nsamples coefficient vectors coef + dw_s (row-major nsamples x K), dw_s
 * uniform in the hypercube (seeded stream, machine-independent), and
 * sigma_mis = mean dw_s dw_s^T (K x K; may be NULL). */
ACEUQ_API aceuq_status aceuq_fit_pops_samples(const aceuq_fit_pops *p, size_t nsamples, unsigned long long seed,
                                              double *samples, double *sigma_mis, aceuq_error *err);

/* Bootstrap multiplicity of structure `index` in committee member `member`:
 * Poisson(1) (the streamed form of resampling with replacement), a pure
 * function of (seed, member, index). */
ACEUQ_API int aceuq_fit_bootstrap_count(unsigned long long seed, size_t member, size_t index);

/* The posterior file of a fitted potential (npz, docs/posterior_format.md),
 * columns in projection (= .asi) order.  Members: format [2, alpha, lambda,
 * seed], sizes (functions per element, the potential's element order), mean
 * (K), covariance (K x K; Sigma_epi); when given: samples (Bayesian, nsamples
 * x K), pops_samples (npops x K), pops_sigma_mis (K x K), committee
 * (ncommittee x K). */
typedef struct aceuq_fit_posterior {
  const double *mean, *covariance;
  double alpha, lambda;
  unsigned long long seed;
  const double *samples;
  size_t nsamples;
  const double *pops_samples, *pops_sigma_mis;
  size_t npops;
  const double *committee;
  size_t ncommittee;
} aceuq_fit_posterior;
ACEUQ_API aceuq_status aceuq_fit_posterior_write(const char *path, const aceuq_potential *pot,
                                                 const aceuq_fit_posterior *post, aceuq_error *err);
/* A posterior file, read back and checked against the potential it belongs
 * to (element count and functions per element). */
typedef struct aceuq_posterior aceuq_posterior;
typedef enum aceuq_member_kind {
  ACEUQ_MEMBERS_BAYES = 0,    /* `samples`: draws from N(mean, Sigma_epi) */
  ACEUQ_MEMBERS_POPS = 1,     /* `pops_samples`: POPS hypercube */
  ACEUQ_MEMBERS_COMMITTEE = 2 /* `committee`: bootstrap fits */
} aceuq_member_kind;
ACEUQ_API aceuq_status aceuq_posterior_load(const char *path, const aceuq_potential *pot, aceuq_posterior **out,
                                            aceuq_error *err);
ACEUQ_API void aceuq_posterior_free(aceuq_posterior *p);
/* K, the number of coefficients (all elements) */
ACEUQ_API size_t aceuq_posterior_size(const aceuq_posterior *p);
ACEUQ_API const double *aceuq_posterior_mean(const aceuq_posterior *p);
/* Sigma_epi, the Bayesian posterior covariance (K x K row-major, the file's `covariance`), or NULL */
ACEUQ_API const double *aceuq_posterior_covariance(const aceuq_posterior *p);
/* members of a kind: count, and their coefficient vectors (row-major count x K; NULL if none) */
ACEUQ_API size_t aceuq_posterior_num_members(const aceuq_posterior *p, aceuq_member_kind kind);
ACEUQ_API const double *aceuq_posterior_members(const aceuq_posterior *p, aceuq_member_kind kind);

/* ---- energy spreads of posterior members (uq_spread.c) ------------------ */
/* The members of one kind as offsets d_s = c_s - mean: E_i(c_s) = E_i + b(i) . d_s for the
 * linear potential whose coefficients are the posterior mean (the fitted .yaml).  pot must be
 * the potential the posterior was loaded for. */
typedef struct aceuq_spread aceuq_spread;
ACEUQ_API aceuq_status aceuq_spread_create(const aceuq_posterior *post, const aceuq_potential *pot,
                                           aceuq_member_kind kind, aceuq_spread **out, aceuq_error *err);
/* The same over caller-owned offsets (e.g. one copy per node in MPI shared memory, as the pair
 * style keeps them): D is members x K row-major, d_s = c_s - mean, K = all elements' linear
 * projections; it must outlive the spread.  aceuq_posterior_offsets writes them. */
ACEUQ_API aceuq_status aceuq_spread_create_shared(const aceuq_potential *pot, size_t members, const double *D,
                                                  aceuq_spread **out, aceuq_error *err);
ACEUQ_API aceuq_status aceuq_posterior_offsets(const aceuq_posterior *post, aceuq_member_kind kind, double *D,
                                               aceuq_error *err);
ACEUQ_API void aceuq_spread_free(aceuq_spread *sp);
ACEUQ_API size_t aceuq_spread_members(const aceuq_spread *sp);
/* n atoms of species mu, their linear projections proj (row-major n x K_mu): per atom over the
 * members of b(i) . d_s: std (centred), rms (uncentred, POPS's Sigma_mis form), lo = min, hi = max
 * (any output may be NULL; lo/hi are offsets from E_i).  work: n x members doubles (caller's). */
ACEUQ_API aceuq_status aceuq_spread_atoms(const aceuq_spread *sp, int mu, size_t n, const double *proj, double *std,
                                          double *rms, double *lo, double *hi, double *work, aceuq_error *err);
/* The deviations themselves: dev[i * members + s] = b(i) . d_s (row-major n x members; one GEMM). */
ACEUQ_API aceuq_status aceuq_spread_deviations(const aceuq_spread *sp, int mu, size_t n, const double *proj,
                                               double *dev, aceuq_error *err);
/* Epistemic variance with the posterior covariance S = Sigma_epi (K x K, all elements): var[i] =
 * b(i)' S_mu b(i) for n atoms of species mu (S_mu: the block of mu; the variance the Bayesian
 * samples are drawn from), and x' S x for the summed projections x of a set of atoms.  POPS's full
 * standard deviation is sqrt(rms^2 + var) (Sigma_mis + Sigma_epi; docs/posterior_format.md).
 * aceuq_spread_create copies the posterior's covariance when it has one; a shared spread gets
 * the caller's (e.g. node-shared) K x K matrix with aceuq_spread_set_covariance (kept, not
 * copied).  work: n x K_mu doubles (caller's).  Errors if there is no covariance. */
ACEUQ_API void aceuq_spread_set_covariance(aceuq_spread *sp, const double *S);
ACEUQ_API int aceuq_spread_has_covariance(const aceuq_spread *sp);
ACEUQ_API aceuq_status aceuq_spread_epistemic(const aceuq_spread *sp, int mu, size_t n, const double *proj,
                                              double *var, double *work, aceuq_error *err);
ACEUQ_API aceuq_status aceuq_spread_total_epistemic(const aceuq_spread *sp, const double *x, double *var,
                                                    aceuq_error *err);
/* POPS's full standard deviation sqrt(rms^2 + var) from the members' rms and the epistemic variance. */
ACEUQ_API double aceuq_spread_full_std(double rms, double epistemic_var);
/* std (centred), rms, min and max of M deviations (any output may be NULL); the total of a set of
 * atoms is reduced from the sum of their deviation rows. */
ACEUQ_API void aceuq_spread_reduce(const double *w, size_t M, double *std, double *rms, double *lo, double *hi);
/* The same for an extensive quantity: x = the projections summed over a set of atoms, all
 * elements' blocks concatenated (K values): the atoms' deviations are correlated, so the spread of
 * their total energy comes from x . d_s, not from the atomic spreads. */
ACEUQ_API aceuq_status aceuq_spread_total(const aceuq_spread *sp, const double *x, double *std, double *rms,
                                          double *lo, double *hi, aceuq_error *err);
/* Force spreads.  Enabling builds the members' merged product coefficients (per element: unique
 * products x (members + 1) doubles).  Then, right after aceuq_evaluate_atom of atom i (mu_i, n
 * neighbours; dE_drij may be NULL) on workspace ws, the gradients of every member's energy
 * deviation b(i) . d_s and, in lane s = members, of the potential's own E_i = b(i) . c:
 *   dev_drij[(j * 3 + a) * (members + 1) + s] = d (b(i) . d_s) / d r_ij,a   (n x 3 x (members+1))
 * Member force deviations, LAMMPS-style: dF_i,s += dev_drij[j][.][s], dF_j,s -= dev_drij[j][.][s];
 * member s's forces are the potential's plus dF_s (exact for the linear potential).  Lane
 * `members` is dE_i/dr_ij of the potential, so on spread steps the caller can evaluate atoms
 * without forces and take them from there: one force contraction (a GEMM) for all.
 * Precision: ACEUQ_FORCES_DOUBLE is exact to round-off; ACEUQ_FORCES_SINGLE sums the members'
 * adjoints and contracts them in float (twice the members per vector in the adjoint sums, twice
 * the neighbours per vector in the contraction): each atom's member gradients to ~5e-7 of the
 * largest, per-atom force spreads within ~6e-7 eV/A for Cu (up to 5e-3 relative where the spreads
 * are tiny, ~1e-4 eV/A: the adjoint sums and the sum over the centres cancel); lane `members`,
 * the potential's own forces, stays double and is bit-for-bit the same; aceuq_spread_forces_float
 * also sums the member force deviations in float.  Enabling again with the other precision rebuilds. */
typedef enum aceuq_force_precision { ACEUQ_FORCES_DOUBLE = 0, ACEUQ_FORCES_SINGLE = 1 } aceuq_force_precision;
ACEUQ_API aceuq_status aceuq_spread_enable_forces(aceuq_spread *sp, aceuq_force_precision precision,
                                                  aceuq_error *err);
ACEUQ_API int aceuq_spread_has_forces(const aceuq_spread *sp);
ACEUQ_API aceuq_status aceuq_spread_gradients(const aceuq_spread *sp, aceuq_workspace *ws, int mu_i, size_t n,
                                              double *dev_drij, aceuq_error *err);
/* The same summed straight into member force deviations (what a force loop needs; no n x 3 x
 * (members+1) array): dF holds one row of 3 x members values per atom, dF[(row 3 + a) M + s];
 * for each neighbour j inside the cutoff, row_of[j] its row (rows may repeat and equal row_i:
 * periodic images),
 *   dF[row_of[j]][a][s] -= g_j,a,s,   dF[row_i][a][s] += g_j,a,s,   g = d (b(i) . d_s) / d r_ij,a,
 * and dE_drij[3 j + a] = dE_i / dr_ij,a of the potential (n x 3; 0 beyond the cutoff), from the
 * same pass.  The numbers are those of aceuq_spread_gradients scattered the same way (to round-off:
 * the sum over j is grouped differently). */
ACEUQ_API aceuq_status aceuq_spread_forces(const aceuq_spread *sp, aceuq_workspace *ws, int mu_i, size_t n,
                                           const int *row_of, int row_i, double *dF, double *dE_drij,
                                           aceuq_error *err);
/* The same into rows of floats, for ACEUQ_FORCES_SINGLE only (ACEUQ_ERR_VALUE otherwise): the sums
 * over the centres touch half the memory (what a large run's member force rows cost: 3 x members
 * values per local and ghost atom); they add ~1e-7 of the summed terms to the members' float
 * rounding.  dE_drij, the potential's own forces, is the same double as from aceuq_spread_forces. */
ACEUQ_API aceuq_status aceuq_spread_forces_float(const aceuq_spread *sp, aceuq_workspace *ws, int mu_i, size_t n,
                                                 const int *row_of, int row_i, float *dF, double *dE_drij,
                                                 aceuq_error *err);
/* Spread of one atom's member force vectors dF (3 x members: dF[a * M + s]):
 * sqrt(mean_s |dF_s - mean dF|^2); the _float version for the rows of aceuq_spread_forces_float
 * (summed in double). */
ACEUQ_API double aceuq_spread_force_std(const double *dF, size_t M);
ACEUQ_API double aceuq_spread_force_std_float(const float *dF, size_t M);

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
 *   Ainv[:, :r] = D^-1 pinv(B[sel] D^-1 V_r V_r^T),  Ainv[:, r:] = 0
 * (K x K row-major, written to Ainv; gamma = max_k |(b Ainv)_k| as for any
 * .asi).  On full-rank input the selection is pacemaker's.  selected (may be
 * NULL) receives the r chosen row indices (at most K entries). */
ACEUQ_API aceuq_status aceuq_activeset_select(const double *B, size_t n, size_t K,
                                              const aceuq_activeset_build_options *opt, double *Ainv,
                                              size_t *selected, aceuq_activeset_report *report,
                                              aceuq_error *err);
/* Notes on aceuq_activeset_select (activeset_build.c):
 *  - Ainv[:, :r] = D^-1 V_r (B[sel] D^-1 V_r)^-1: the pseudo-inverse of the
 *    selected rows truncated to the numerical rank (V_r V_r^T projects out
 *    the directions below the rank cut; = D^-1 pinv(B[sel] D^-1) = B[sel]^-1
 *    when r = K).  gamma of a row is then exactly MaxVol's |C| of that row,
 *    so gamma <= tol on every training row once MaxVol converged.  (The
 *    untruncated D^-1 pinv(B[sel] D^-1) changed single grades by up to 0.18
 *    on Cu.pbe.in training data and can exceed tol on rows MaxVol accepted.)
 *  - rank: singular values of B D^-1 above rank_rtol x the largest, from the
 *    SVD of the K x K R factor of a QR factorisation of B accumulated block
 *    by block (backward stable: singular values to ~1e-16 x the largest, so
 *    rank_rtol down to ~1e-13 is meaningful; the Gram matrix would square
 *    the conditioning -- see activeset_build.c);
 *  - "zero-variance columns" are columns whose n values are all equal; an
 *    all-zero column gets D = 1 and a zero row in Ainv (a function never
 *    active in training does not raise gamma: the grade measures the
 *    directions the data spans);
 *  - selected[] is in ascending row order and column i of Ainv belongs to
 *    selected[i] (B[selected[i]] Ainv = e_i up to round-off);
 *  - memory: the caller's B plus n x r doubles (MaxVol in place) plus
 *    O(n + K^2);
 *  - stability: the selection depends on the order of the rows only through
 *    ties (dgetrf's first largest pivot, MaxVol's first largest |C|), i.e.
 *    environments equal to the last bit or within round-off of a tie;
 *    otherwise reordering the rows gives the same selected environments and
 *    the same gammas up to round-off (amplified by the conditioning of the
 *    rank cut: 1e-10 on Cu.pbe.in training data with reordered atoms).
 *  - report->max_gamma is over all n rows with the returned Ainv.
 *
 * Streaming (batch) builder for data that does not fit in memory: the same
 * construction from passes over the data in batches of rows (any sizes):
 *   create(K, opt)
 *   pass 1: add_statistics(rows, n) for every batch   (column sums of
 *           squares and ranges, the K x K R factor of B = QR by TSQR)
 *   prepare()                                         (D, rank r, V_r)
 *   pass 2: add_candidates(rows, n, first_index) for every batch:
 *           active set <- MaxVol(active U batch), r rows kept with their
 *           global indices first_index + i (any numbering of the caller, below
 *           2^62; it only identifies rows in `selected` and orders ties)
 *   pass 3+ (refinement, repeat while it finds rows above tol and passes are
 *           left): refine(rows, n, first_index) for every batch, then
 *           end_refinement(&exceeded, &max_gamma): exceeded = the rows with
 *           gamma > tol under the current selection (0: every row of the pass
 *           is <= tol, nothing changes); otherwise the c rows of largest
 *           gamma seen in the pass, c = max(4r, largest candidate batch)
 *           (all rows above tol, or the worst of them, and the rows just
 *           below, which the merge must keep inside: with 4r alone, 100k
 *           synthetic rows needed 9 passes instead of 5), are merged: active
 *           set <- MaxVol(active U collected);
 *   finish(Ainv, selected, report)     (Ainv as aceuq_activeset_select)
 * Before the first candidates the active set holds r placeholder rows of
 * tiny volume (eps e_k in the leading singular coordinates), so batches
 * smaller than r or spanning fewer directions are fine; each merge starts
 * from the better (by volume) of the LU start on the union and the current
 * set, so the volume never decreases.  finish() fails if placeholders are
 * left (run refinement passes: a pass always finds a row above tol while one
 * is left).  MEMORY: O(K^2 + m K) doubles, m = the largest batch, independent
 * of the number of environments: about 4 K^2 + c K held (model, active set,
 * one K x K grade operator, the refinement buffer of c rows; the K x K R
 * factor and a 1024-row QR block until prepare) plus, while merging,
 * (r + max(m, c)) r for MaxVol.  The selection is not the in-memory one
 * (cumulative MaxVol is greedy over batches and depends on the batch order
 * and boundaries); both give gamma <= tol on all rows when converged.  report->max_gamma: the max gamma of the
 * last refinement pass if it found no row above tol and nothing changed
 * since, else NaN (compute it with the written matrix).  report->iterations
 * sums the swaps of all merges, report->max_c is that of the last merge. */
typedef struct aceuq_activeset_builder aceuq_activeset_builder;
/* opt may be NULL (defaults).  K = projection length. */
ACEUQ_API aceuq_status aceuq_activeset_builder_create(size_t K, const aceuq_activeset_build_options *opt,
                                                      aceuq_activeset_builder **out, aceuq_error *err);
ACEUQ_API void aceuq_activeset_builder_free(aceuq_activeset_builder *b);
ACEUQ_API aceuq_status aceuq_activeset_builder_add_statistics(aceuq_activeset_builder *b, const double *rows,
                                                              size_t n, aceuq_error *err);
ACEUQ_API aceuq_status aceuq_activeset_builder_prepare(aceuq_activeset_builder *b, aceuq_error *err);
/* numerical rank r after prepare() (0 before) */
ACEUQ_API size_t aceuq_activeset_builder_rank(const aceuq_activeset_builder *b);
ACEUQ_API aceuq_status aceuq_activeset_builder_add_candidates(aceuq_activeset_builder *b, const double *rows,
                                                              size_t n, size_t first_index, aceuq_error *err);
ACEUQ_API aceuq_status aceuq_activeset_builder_refine(aceuq_activeset_builder *b, const double *rows, size_t n,
                                                      size_t first_index, aceuq_error *err);
/* exceeded / max_gamma (may be NULL): rows above tol and the largest gamma
 * seen in the pass (with the selection before the merge). */
ACEUQ_API aceuq_status aceuq_activeset_builder_end_refinement(aceuq_activeset_builder *b, size_t *exceeded,
                                                              double *max_gamma, aceuq_error *err);
/* Ainv: K x K; selected (may be NULL): r ascending global indices. */
ACEUQ_API aceuq_status aceuq_activeset_builder_finish(aceuq_activeset_builder *b, double *Ainv, size_t *selected,
                                                      aceuq_activeset_report *report, aceuq_error *err);

/* Write an .asi file (uncompressed npz, "<El>.npy" float64 C-order K x K per
 * element, readable by pacemaker/ML-PACE and by aceuq_activeset_load). */
ACEUQ_API aceuq_status aceuq_activeset_write(const char *path, int nelements, const char *const *elements,
                                             const double *const *Ainv, const size_t *K, aceuq_error *err);

/* ---- clustering-enhanced local D-optimality: .asil files (localset.c) --- */
/* Per element mu: a feature transform of the projection vector b (length K,
 * the same kind as the inverses),
 *   f = ((b - mean) / scale) . components          (components: K x d)
 * centroids of n_c clusters in f-space, and one K x K inverse per cluster.
 * An atom belongs to the cluster with the nearest centroid (squared
 * Euclidean distance; ties -> lowest index) and gamma_local = max_k |(b
 * Ainv_c)_k|.  File format: docs/asil_format.md. */
typedef struct aceuq_localset aceuq_localset;

typedef struct aceuq_cluster_transform {
  size_t K, d, nclusters;
  const double *mean;       /* K */
  const double *scale;      /* K, all > 0 */
  const double *components; /* K x d row-major */
  const double *centroids;  /* nclusters x d row-major */
} aceuq_cluster_transform;

/* Read and validate an .asil file against pot (format version, elements,
 * kind, shapes, finite values, one inverse per cluster). */
ACEUQ_API aceuq_status aceuq_localset_load(const char *path, const aceuq_potential *pot, aceuq_localset **out,
                                           aceuq_error *err);
ACEUQ_API void aceuq_localset_free(aceuq_localset *ls);
ACEUQ_API aceuq_projection_kind aceuq_localset_kind(const aceuq_localset *ls);
ACEUQ_API size_t aceuq_localset_size(const aceuq_localset *ls, int mu);
ACEUQ_API size_t aceuq_localset_num_clusters(const aceuq_localset *ls, int mu);
/* K x K row-major inverse of cluster c of species mu (owned by ls) */
ACEUQ_API const double *aceuq_localset_matrix(const aceuq_localset *ls, int mu, size_t c);
/* The transform of species mu (pointers into ls). */
ACEUQ_API aceuq_status aceuq_localset_transform(const aceuq_localset *ls, int mu, aceuq_cluster_transform *out,
                                                aceuq_error *err);
/* Nearest-centroid cluster of n projection rows (n x K row-major).  work:
 * at least t->d doubles (caller-owned, reused; no allocation).  A row with a
 * NaN gets cluster 0 (its grade is NaN anyway). */
ACEUQ_API aceuq_status aceuq_cluster_assign(const aceuq_cluster_transform *t, const double *proj, size_t n,
                                            int *cluster, double *work, aceuq_error *err);
/* The features f (n x t->d row-major) of n projection rows: the numbers
 * aceuq_cluster_assign compares with the centroids (bit for bit). */
ACEUQ_API aceuq_status aceuq_cluster_features(const aceuq_cluster_transform *t, const double *proj, size_t n,
                                              double *features, aceuq_error *err);

/* ---- the uncertainty engine (uq_engine.c) -------------------------------- */
/* Every per-atom uncertainty the loaded files allow, from blocks of projection rows of one
 * element: gamma (active set), gamma_local and cluster (local model), and the members' energy
 * deviations b(i) . d_s (posterior).  One recipe for the pair style, `aceuq eval` and `aceuq
 * activeset`.  The inverses and transforms are caller-owned and must outlive the engine (the pair
 * style keeps them in node-shared memory); the engine owns only bounded scratch buffers (its block
 * of rows x K), so use one engine per thread. */
typedef struct aceuq_uq_element {
  size_t K;                              /* projections of the element (the rows' length) */
  const double *Ainv;                    /* K x K inverse active set, or NULL: no gamma */
  const aceuq_cluster_transform *local;  /* local model (copied; its arrays are not), or NULL */
  const double *const *local_Ainv;       /* local->nclusters pointers to the K x K cluster inverses
                                            (the pointers are copied, the matrices are not) */
} aceuq_uq_element;
typedef struct aceuq_uq_engine aceuq_uq_engine;
/* el[nelements]; spread may be NULL (no deviations); it must belong to the same potential. */
ACEUQ_API aceuq_status aceuq_uq_engine_create(int nelements, const aceuq_uq_element *el,
                                              const aceuq_spread *spread, aceuq_uq_engine **out,
                                              aceuq_error *err);
/* The same over loaded files (any of as, ls, spread may be NULL; they must outlive the engine):
 * what `aceuq eval` and `aceuq activeset` use. */
ACEUQ_API aceuq_status aceuq_uq_engine_create_from_sets(const aceuq_potential *pot, const aceuq_activeset *as,
                                                        const aceuq_localset *ls, const aceuq_spread *spread,
                                                        aceuq_uq_engine **out, aceuq_error *err);
ACEUQ_API void aceuq_uq_engine_free(aceuq_uq_engine *e);
/* Rows per internal block: callers that buffer rows (the pair style) use this many. */
ACEUQ_API size_t aceuq_uq_engine_block_rows(const aceuq_uq_engine *e);
typedef enum aceuq_uq_signal { ACEUQ_UQ_GAMMA = 0, ACEUQ_UQ_GAMMA_LOCAL = 1, ACEUQ_UQ_DEVIATIONS = 2 } aceuq_uq_signal;
ACEUQ_API int aceuq_uq_engine_has(const aceuq_uq_engine *e, int mu, aceuq_uq_signal what);
/* Outputs for n rows (each NULL to skip; asking for what the engine lacks is an error). */
typedef struct aceuq_uq_block {
  double *gamma;        /* n: max_k |b(i) . Ainv[:, k]| */
  double *gamma_scale;  /* n: round-off scale of gamma (slow: checks, not MD) */
  double *gamma_local;  /* n: gamma with the inverse of the atom's cluster */
  int *cluster;         /* n: nearest-centroid cluster (0-based) */
  double *deviations;   /* n x members: b(i) . d_s */
  double *epistemic;    /* n: b(i)' Sigma_epi b(i) (aceuq_spread_epistemic; needs the covariance) */
} aceuq_uq_block;
ACEUQ_API aceuq_status aceuq_uq_evaluate(aceuq_uq_engine *e, int mu, size_t n, const double *proj,
                                         const aceuq_uq_block *out, aceuq_error *err);

/* One element of a local active set for aceuq_localset_write: the transform
 * (K, d, nclusters and its arrays) and the inverses, cluster c at
 * Ainv + c*K*K (nclusters x K x K, row-major). */
typedef struct aceuq_localset_element {
  aceuq_cluster_transform transform;
  const double *Ainv;
} aceuq_localset_element;

/* Write an .asil file (uncompressed npz, docs/asil_format.md) with the
 * elements elements[0..nelements-1] and their data.  kind: the projections
 * the inverses are for (ACEUQ_PROJECTIONS_LINEAR or _NONLINEAR).  Checks
 * shapes (1 <= d <= K, nclusters >= 1), finite values, scale > 0 and
 * distinct element symbols; errors name the file and the element. */
ACEUQ_API aceuq_status aceuq_localset_write(const char *path, aceuq_projection_kind kind, int nelements,
                                            const char *const *elements, const aceuq_localset_element *data,
                                            aceuq_error *err);

/* k-means (kmeans.c) of the n rows of X (n x d row-major, finite, at least k
 * distinct rows) into k clusters: greedy k-means++ initialisation (per
 * centre 2 + ln k candidates drawn with D^2 weights, the one lowering the
 * potential most kept) with a local splitmix64 generator seeded by seed
 * (no global state), then Lloyd iterations until no
 * assignment changes or max_iters (>= 1) centroid updates; a cluster left
 * empty is re-seeded with the row farthest from its centroid.  Deterministic
 * and independent of the order of the rows (all work is done in
 * lexicographic row order).  centroids: k x d (output); assign (n, may be
 * NULL): the nearest centroid of each row (squared distance, ties -> lowest
 * index); sizes (k, may be NULL): rows per cluster (a 0 only if max_iters ran
 * out right after a re-seed). */
ACEUQ_API aceuq_status aceuq_kmeans(const double *X, size_t n, size_t d, size_t k, unsigned long long seed,
                                    int max_iters, double *centroids, int *assign, size_t *sizes, aceuq_error *err);

/* Standardisation + PCA (pca.c) of n x K rows B, the feature transform of the
 * clustering: mean[K]; scale[K] = population standard deviation, or 1 for a
 * zero-variance column (std <= 1e-12 max |column|), which also gets a zero
 * row in the components (it carries no information); components = the
 * leading d right singular vectors of the standardised matrix (eigenvectors
 * of the correlation matrix, largest |entry| of each made positive), written
 * K x d row-major into components (room for K * min(max_components, K)
 * doubles; K * min(10, K) for max_components 0).  rank (may be NULL) = singular values > rank_rtol * largest;
 * d = min(max_components, rank), at least 1 (one zero vector if nothing
 * varies); max_components 0 means 10. */
ACEUQ_API aceuq_status aceuq_pca_fit(const double *B, size_t n, size_t K, size_t max_components, double rank_rtol,
                                     double *mean, double *scale, double *components, size_t *d, size_t *rank,
                                     aceuq_error *err);

/* The local active set of one element, made by aceuq_localset_build; the
 * arrays are owned by the result (aceuq_localset_result_release). */
typedef struct aceuq_localset_result {
  aceuq_localset_element element;  /* transform + per-cluster inverses, ready for aceuq_localset_write */
  aceuq_activeset_report *reports; /* element.transform.nclusters: the selection in each cluster */
  int *cluster;                    /* n: final cluster of each training row (= aceuq_cluster_assign) */
  double *global_Ainv;             /* K x K: the global active set (aceuq_activeset_select on all rows) */
  aceuq_activeset_report global;   /* its report; global.rank sets the size thresholds */
  size_t initial_clusters;         /* clusters made by k-means (the requested or the auto number) */
  size_t dissolved;                /* clusters dissolved by the merge rule */
  double silhouette;               /* mean centroid silhouette of the final clusters (0 for one) */
  double silhouette_reference;     /* the same for k-means with as many clusters on the Gaussian null
                                      reference (0 for one cluster); structure if clearly below silhouette */
  double *storage_;                /* owned memory block (internal) */
} aceuq_localset_result;

/* Clustering-enhanced local active set of one element from its n x K
 * training projections B (docs/asil_format.md):
 *  1. global active set (aceuq_activeset_select on all rows): rank r;
 *  2. feature transform aceuq_pca_fit (d = min(10, rank of the standardised
 *     rows)) and features f of every row;
 *  3. k-means (aceuq_kmeans, seed) on f with k = nclusters (capped at the
 *     number of distinct feature vectors) or, for nclusters = 0 (auto), the
 *     k in 2..8 whose clusters all have >= 4 max(r, 1) rows and whose gain
 *     s - s_ref is largest and >= 0.10 (ties -> smaller k), k = 1 if no k
 *     qualifies: s = mean centroid silhouette (b - a) / b of the rows (a, b:
 *     distance to the nearest / second nearest centroid), s_ref = the same
 *     for k-means on a Gaussian null reference (min(n, 4096) rows with the
 *     variances of the features, generated from seed);
 *  4. merge rule: every row goes to its nearest centroid (exactly as
 *     aceuq_cluster_assign will at run time); while more than one cluster is
 *     left and one has fewer than 2 max(r, 1) rows, the smallest such (lowest
 *     index on ties) is dissolved -- its centroid removed, its rows then go
 *     to their nearest remaining centroid;
 *  5. aceuq_activeset_select on the rows of each cluster; a cluster whose
 *     selection fails is dissolved likewise and step 4 is repeated.
 * With one cluster left the result is the global active set.  Sums over rows
 * run in a canonical (sorted) row order, so the element (transform and
 * inverses) does not depend on the order of the rows of B.  opt may be
 * NULL (defaults).  out is overwritten (not released) on entry; release it
 * with aceuq_localset_result_release even after a failure. */
ACEUQ_API aceuq_status aceuq_localset_build(const double *B, size_t n, size_t K, size_t nclusters,
                                            const aceuq_activeset_build_options *opt, unsigned long long seed,
                                            aceuq_localset_result *out, aceuq_error *err);
ACEUQ_API void aceuq_localset_result_release(aceuq_localset_result *r);

#ifdef __cplusplus
}
#endif

#endif /* ACEUQ_H */
