/**
 * @file partreg.h
 * @brief partreg: regression models of survey participation.
 *
 * This is the umbrella header and the core of the API: version, status
 * codes, per-call error reports, the borrowed data view that every model and
 * inference call takes, and the model fits (binary and cumulative-link).
 *
 * Conventions, for every public function:
 * - Inputs are borrowed for the duration of the call and never modified;
 *   no handle keeps a pointer to caller memory after the call returns.
 * - Fallible calls return a ::partreg_status (PARTREG_OK = 0) and fill the
 *   optional ::partreg_error (pass NULL to ignore it). On failure every
 *   out-parameter handle is set to NULL and nothing leaks.
 * - Handles are created by one constructor and released by one `_free`
 *   function that accepts NULL.
 * - The library has no global state, never prints, never calls abort() or
 *   exit(), and never lets GSL's error handler fire on user input. Distinct
 *   handles may be used from different threads at once; a single handle may
 *   be read (const calls) from several threads at once.
 *
 * Guarantees, each tested (docs/errors.md lists every bad input and its
 * status and message):
 * - No global state, no exits, no printing: the library defines no
 *   writable global or static variables and calls none of abort(), exit(),
 *   printf(), puts(), perror(), stdout/stderr, setlocale(), signal(),
 *   rand(), strtok() or gsl_set_error_handler() (tests/cli_symbols.sh
 *   reads this off the static archive). Output goes only to the FILE* a
 *   caller passes to a write function.
 * - Bad input is a status, never a crash: every malformed file, value,
 *   formula, model or option returns a non-zero ::partreg_status with a
 *   one-line message naming the problem and where (file, line, column,
 *   term); fits that remain possible (collinear or all-zero columns
 *   dropped, quasi-separation) say what was done in their warnings.
 * - GSL's error handler never fires on user input: inputs are validated
 *   first and GSL routines that report rather than raise are used
 *   (tests/test_robust_guarantees.c runs bad and extreme data with a
 *   handler that fails the test). The one exception is memory exhaustion
 *   inside GSL's own allocators (gsl_matrix_alloc and friends), which call
 *   the handler with GSL_ENOMEM before returning NULL; a program that must
 *   survive that calls gsl_set_error_handler_off() once at start-up (as
 *   the partreg command does) and then gets PARTREG_ENOMEM.
 * - Out of memory: every failed allocation (malloc, calloc, realloc, GSL
 *   allocators) is returned as PARTREG_ENOMEM with outputs NULL and
 *   nothing leaked (tests/test_robust_oom.c fails each allocation in turn).
 * - Thread safety: nothing is shared between calls; four analyses run from
 *   four threads at once give the single-thread results bit for bit. A
 *   fit's own worker threads (partreg_fit_options.threads) are joined
 *   before the call returns.
 * - Determinism: the same input, options and thread count give
 *   bit-identical results and output on every run. A fit itself
 *   (estimates, log-likelihood, information) is the same bits at any
 *   thread count.
 * - The shared library exports the functions declared in these headers
 *   (each marked ::PARTREG_API) and nothing else (tests/cli_exports.sh).
 */
#ifndef PARTREG_H
#define PARTREG_H

#include <stddef.h>
#include <stdio.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "partreg_export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Major version (incompatible API changes). */
#define PARTREG_VERSION_MAJOR 0
/** Minor version (backward-compatible additions). */
#define PARTREG_VERSION_MINOR 1
/** Patch version (fixes). */
#define PARTREG_VERSION_PATCH 0
/** Version as a string literal. */
#define PARTREG_VERSION_STRING "0.1.0"

/** The library's version as "MAJOR.MINOR.PATCH" (static storage; never
 *  NULL). Compare with ::PARTREG_VERSION_STRING to detect a header/library
 *  mismatch. Thread-safe. */
PARTREG_API const char *partreg_version(void);

/** Status codes. Values are frozen once released; new codes are appended. */
typedef enum partreg_status {
    PARTREG_OK = 0,              /**< success */
    PARTREG_EINVAL = 1,          /**< invalid argument (NULL, bad size, bad option) */
    PARTREG_ENOMEM = 2,          /**< an allocation failed */
    PARTREG_EIO = 3,             /**< a file could not be opened or read */
    PARTREG_EPARSE = 4,          /**< malformed input file (line and column in the error) */
    PARTREG_EFORMULA = 5,        /**< malformed formula (position in the error) */
    PARTREG_ENOTFOUND = 6,       /**< unknown column, term, level or variable */
    PARTREG_EDATA = 7,           /**< data unusable: non-finite values, bad weights, bad outcome */
    PARTREG_ETOOFEW = 8,         /**< fewer usable rows than parameters */
    PARTREG_EONECLASS = 9,       /**< the outcome takes a single value (or too few levels) */
    PARTREG_ECOLLINEAR = 10,     /**< collinear or constant design columns */
    PARTREG_ESEPARATION = 11,    /**< complete or quasi-complete separation */
    PARTREG_ENOTCONVERGED = 12,  /**< the solver hit its iteration limit */
    PARTREG_ESINGULAR = 13,      /**< information matrix not positive definite */
    PARTREG_EUNSUPPORTED = 14,   /**< a valid request this model cannot serve */
    PARTREG_ENUMERIC = 15        /**< a numerical failure (NaN or overflow) during fitting */
} partreg_status;

/** Short fixed name of a status, e.g. "PARTREG_ESEPARATION" (static storage). */
PARTREG_API const char *partreg_status_name(partreg_status status);

/** Length of the message buffer in ::partreg_error. */
#define PARTREG_ERROR_MESSAGE_SIZE 512

/** What went wrong in one call. Plain struct owned by the caller; each
 *  fallible call that receives a non-NULL pointer overwrites it. */
typedef struct partreg_error {
    partreg_status status;  /**< same as the call's return value */
    long line;              /**< 1-based input line, or 0 when not applicable */
    long column;            /**< 1-based column or formula position, or 0 */
    long index;             /**< 0-based parameter/column/row index, or -1 */
    char message[PARTREG_ERROR_MESSAGE_SIZE]; /**< one readable sentence, NUL-terminated */
} partreg_error;

/** Model families. */
typedef enum partreg_family {
    PARTREG_BINARY = 0,   /**< P(y = 1 | x) = F(x'beta) */
    PARTREG_ORDINAL = 1   /**< P(Y <= j | x) = F(theta_j - x'beta) */
} partreg_family;

/** Link functions, named by the distribution function F they invert. */
typedef enum partreg_link {
    PARTREG_LOGIT = 0,    /**< F(x) = 1/(1+exp(-x)) */
    PARTREG_PROBIT = 1,   /**< F = standard normal distribution function */
    PARTREG_CLOGLOG = 2,  /**< F(x) = 1 - exp(-exp(x)) */
    PARTREG_LOGLOG = 3,   /**< F(x) = exp(-exp(-x)) (ordinal models only) */
    PARTREG_CAUCHIT = 4   /**< F(x) = 1/2 + atan(x)/pi */
} partreg_link;

/** Name of a link ("logit", ...), or NULL for an invalid value. */
PARTREG_API const char *partreg_link_name(partreg_link link);
/** Parse a link name. PARTREG_OK or PARTREG_EINVAL (err names the valid ones). */
PARTREG_API partreg_status partreg_link_parse(const char *name, partreg_link *out,
                                              partreg_error *err);
/** Name of a family ("binary" or "ordinal"), or NULL for an invalid value. */
PARTREG_API const char *partreg_family_name(partreg_family family);
/** Parse a family name. PARTREG_OK or PARTREG_EINVAL (err names the valid
 *  ones). */
PARTREG_API partreg_status partreg_family_parse(const char *name, partreg_family *out,
                                                partreg_error *err);

/**
 * Kinds of entries of a model's parameter vector. A fit's parameters form
 * one vector made of blocks of one kind each (partreg_fit_n_blocks()):
 * a binary model has one block of coefficients, a cumulative-link model
 * coefficients then thresholds; later models add blocks of the other
 * kinds. Values are frozen; new kinds are appended.
 */
typedef enum partreg_param_kind {
    PARTREG_PARAM_COEFFICIENT = 0,     /**< slope of a design column, the same at every cut ("beta") */
    PARTREG_PARAM_THRESHOLD = 1,       /**< cut point theta_j of an ordinal model ("theta") */
    PARTREG_PARAM_CUT_COEFFICIENT = 2, /**< slope of a design column at one cut ("beta_j") */
    PARTREG_PARAM_SCALE = 3,           /**< coefficient of the log scale ("gamma") */
    PARTREG_PARAM_LOG_SD = 4           /**< log standard deviation of a random intercept ("log_sigma") */
} partreg_param_kind;

/** partreg_fit_param_column() of an entry that multiplies no column. */
#define PARTREG_NO_COLUMN ((size_t)-1)

/**
 * Borrowed view of a model's numeric data: what every fit and inference
 * call reads. All pointers are borrowed for the call only.
 *
 * - `X`: n rows by p columns, row-major, row i starting at X + i*ldx
 *   (ldx >= p). For a binary model with an intercept, the intercept is an
 *   ordinary column of ones. An ordinal model must not contain a constant
 *   column (the thresholds play its role).
 * - `y`: binary: 0 or 1; ordinal: level codes 0..n_levels-1 (lowest first).
 * - `w`: case (frequency) weights, finite and >= 0, or NULL for unit weights.
 * - `column_names`: p names used in messages, or NULL ("x1", "x2", ...).
 */
typedef struct partreg_data {
    size_t n;                        /**< rows */
    size_t p;                        /**< columns of X */
    const double *X;                 /**< n x p, row-major */
    size_t ldx;                      /**< row stride of X (>= p; 0 means p) */
    const double *y;                 /**< n outcomes */
    const double *w;                 /**< n weights or NULL */
    size_t n_levels;                 /**< ordinal: number of outcome levels J; binary: 2 (or 0) */
    const char *const *column_names; /**< p names or NULL */
    const char *const *level_names;  /**< n_levels names or NULL (ordinal thresholds are named "A|B") */
} partreg_data;

/** What to do with collinear or constant columns. */
typedef enum partreg_collinear_policy {
    PARTREG_COLLINEAR_DROP = 0,  /**< drop them (as R and Stata do); the fit names them */
    PARTREG_COLLINEAR_ERROR = 1  /**< refuse with PARTREG_ECOLLINEAR naming them */
} partreg_collinear_policy;

/** Which information matrix the model covariance inverts. */
typedef enum partreg_information {
    PARTREG_INFO_OBSERVED = 0,  /**< negative Hessian at the estimate (Stata, statsmodels) */
    PARTREG_INFO_EXPECTED = 1   /**< Fisher information (R's glm for non-canonical links; binary only) */
} partreg_information;

/**
 * Which implementation of the models' row loops a fit runs
 * (partreg_fit_options.kernel). Every route computes the same
 * log-likelihood, gradient and information: the fast routes (scalar, AVX2,
 * AVX-512) give one another's results bit for bit, and the reference
 * route, the plain loops that define the models (slow; for checking),
 * agrees with them to rounding (docs/performance.md, "Kernel routes").
 * A fit reads the CPU's capabilities once, when it is created.
 */
typedef enum partreg_kernel {
    PARTREG_KERNEL_AUTO = 0,      /**< the widest route this build has and this CPU runs (default) */
    PARTREG_KERNEL_REFERENCE = 1, /**< the plain reference loops of each model (several times slower) */
    PARTREG_KERNEL_SCALAR = 2,    /**< the fast route in the CPU's baseline instructions (SSE2 on x86-64) */
    PARTREG_KERNEL_AVX2 = 3,      /**< the fast route with AVX2 (x86-64) */
    PARTREG_KERNEL_AVX512 = 4     /**< the fast route with AVX-512 (x86-64-v4: AVX-512 F, VL, DQ, BW, CD) */
} partreg_kernel;

/**
 * Worker threads that fits share (opaque). A fit starts and stops its own
 * threads, about 0.1 ms on a two-core machine: a quarter of a 10^4-row
 * binary fit. Programs that fit many models (bootstraps, simulations,
 * specification searches) can start them once and hand them to every fit
 * (partreg_fit_options.workers). The results are the same bits either way
 * (a fit's sums do not depend on its threads).
 */
typedef struct partreg_workers partreg_workers;

/**
 * Start worker threads for fits to share.
 *
 * @param threads  threads including the caller's: 0 for one per online
 *                 core; at most 64 are used.
 * @param out      on PARTREG_OK, the workers, owned by the caller (free with
 *                 partreg_workers_free once no fit uses them).
 * @param err      optional error report.
 * @return PARTREG_OK, PARTREG_EINVAL (threads < 0, NULL out) or
 *         PARTREG_ENOMEM. With one thread (or when the system starts no
 *         more) the workers hold none and fits run on the calling thread.
 * A fit uses the workers for its passes when they are free; a fit that
 * finds them busy with another thread's fit starts its own threads, as
 * without them, so any number of threads may share one set. While idle
 * the threads sleep. Thread-safe.
 */
PARTREG_API partreg_status partreg_workers_create(int threads, partreg_workers **out,
                                                  partreg_error *err);

/** Stop and free the workers; no fit may be using them. NULL: no-op. */
PARTREG_API void partreg_workers_free(partreg_workers *workers);

/**
 * The processes of a distributed fit (opaque): each holds a share of the
 * rows, in process order, and every process gets the same fit. Made from
 * an MPI communicator by partreg_mpi_comm_create() in the optional
 * libpartreg_mpi (partreg_mpi.h); given to a fit in
 * partreg_fit_options.comm (docs/scaling.md).
 */
typedef struct partreg_comm partreg_comm;

/** Release a communicator (not the MPI communicator it wraps). NULL is a
 *  no-op. */
PARTREG_API void partreg_comm_free(partreg_comm *comm);
/** This process's rank in comm (0 for NULL). */
PARTREG_API int partreg_comm_rank(const partreg_comm *comm);
/** Number of processes in comm (1 for NULL). */
PARTREG_API int partreg_comm_size(const partreg_comm *comm);

/** Solver settings. Get the defaults from partreg_fit_options_default()
 *  and change fields; fields added later take the place of the reserve at
 *  the end, so the size never changes. */
typedef struct partreg_fit_options {
    int max_iter;               /**< Newton iterations at most (default 100) */
    int max_halvings;           /**< step halvings per iteration at most (default 40) */
    double rel_tol;             /**< converged when the Newton decrement g'I^-1 g < rel_tol (1 + |loglik|) ... (default 1e-12) */
    double step_tol;            /**< ... and every step |s_j| < step_tol (1 + |theta_j|) (default 1e-10); docs/methods.md */
    double collinear_tol;       /**< drop a column when sqrt(1 - R^2) on the earlier kept columns is below this (default 1e-7, R's lm tolerance) */
    double separation_step;     /**< a parameter diverges when its Newton step stays above separation_step (1 + |theta_j|) ... (default 1e-3) */
    int separation_patience;    /**< ... for this many iterations with a negligible decrement (default 8) */
    partreg_collinear_policy collinear;  /**< default PARTREG_COLLINEAR_DROP */
    partreg_information information;     /**< default PARTREG_INFO_OBSERVED */
    int threads;                /**< worker threads for accumulation (default 0 = all cores; a fit's passes use fewer where a thread would have under 2,000 rows, the inference functions' under 20,000) */
    size_t block_rows;          /**< rows per accumulation block (default 0 = automatic) */
    size_t warm_start_rows;     /**< fits of at least this many rows start from the maximiser on an evenly spread 1/16 subsample, which saves full passes; the estimate is the same (default 50000; 0 = never) */
    partreg_workers *workers;   /**< worker threads to run the passes on (partreg_workers_create), at most `threads` of them, lent for the call only (the fit keeps no reference); default NULL: the fit starts its own */
    union {
        struct {
            partreg_kernel kernel; /**< the route of the row loops (default PARTREG_KERNEL_AUTO = 0); a route this CPU or build lacks is refused with PARTREG_EUNSUPPORTED */
            /** Processes that fit together (default NULL: this one alone).
             *  With a communicator every process passes its own share of
             *  the rows (data: this process's rows, in the rows' order;
             *  the shares in process order make the data) and gets the
             *  same fit: the same bits as one process given all rows
             *  (docs/scaling.md). Every process calls the fit and the
             *  inference functions on it together. The fit keeps the
             *  pointer for those calls: comm must outlive it. */
            const partreg_comm *comm;
        };
        /** Reserved: fields added in later releases take its place, so that
         *  the struct's size never changes (docs/DESIGN.md, "Public structs"). */
        unsigned char partreg_reserved_[256];
    };
} partreg_fit_options;

/** The default solver settings (see each field). Thread-safe. */
PARTREG_API partreg_fit_options partreg_fit_options_default(void);

/** Why the solver stopped. */
typedef enum partreg_stop_reason {
    PARTREG_STOP_CONVERGED = 0,   /**< Newton decrement and relative step below tolerance */
    PARTREG_STOP_MAX_ITER = 1,    /**< iteration limit reached */
    PARTREG_STOP_NO_PROGRESS = 2, /**< step-halving could not improve the log-likelihood */
    PARTREG_STOP_SEPARATION = 3   /**< estimates diverge (separation) */
} partreg_stop_reason;

/** An estimated model (opaque). */
typedef struct partreg_fit partreg_fit;

/**
 * What model to fit (opaque): the family and link, and the settings that
 * models beyond the plain binary and cumulative-link ones read. Made by
 * partreg_model_spec_create(), freed by partreg_model_spec_free(); a fit
 * keeps no reference to it.
 */
typedef struct partreg_model_spec partreg_model_spec;

/** Penalties on the log-likelihood (values frozen; new ones appended). */
typedef enum partreg_penalty {
    PARTREG_PENALTY_NONE = 0,  /**< maximum likelihood */
    /** Firth (1993): maximise l(beta) + log det I(beta) / 2, I the expected
     *  information (the Jeffreys prior), as R's logistf (logit) and
     *  brglm2 (type = "MPL_Jeffreys", every link), Stata's firthlogit.
     *  Estimates stay finite under separation. */
    PARTREG_PENALTY_FIRTH = 1
} partreg_penalty;

/**
 * A specification of the plain model of a family with a link.
 *
 * @param family  PARTREG_BINARY or PARTREG_ORDINAL.
 * @param link    a link (whether it suits the family is checked by the fit).
 * @param out     on PARTREG_OK a new specification owned by the caller.
 * @param err     optional error report.
 * @return PARTREG_OK, PARTREG_EINVAL (unknown family or link, NULL out),
 *         PARTREG_ENOMEM. Thread-safe.
 */
PARTREG_API partreg_status partreg_model_spec_create(partreg_family family,
                                                     partreg_link link,
                                                     partreg_model_spec **out,
                                                     partreg_error *err);

/** Release a specification. NULL is a no-op. */
PARTREG_API void partreg_model_spec_free(partreg_model_spec *spec);

/**
 * Penalise the log-likelihood of the specified model.
 *
 * PARTREG_PENALTY_FIRTH: the fit maximises the penalised log-likelihood
 * l*(beta) = l(beta) + log det I(beta) / 2 with I the expected
 * information, by scoring steps (the expected information as the
 * Newton matrix, as logistf and brglm2 do); partreg_fit_loglik() is l*,
 * the model covariance is I(beta_hat)^-1, profile intervals profile l*
 * with the full model's penalty (logistf's default), and separation
 * leaves the estimates finite. The penalty needs a model whose objective
 * gives the expected information and its derivative (the binary model,
 * every link).
 *
 * @return PARTREG_OK; PARTREG_EINVAL (NULL spec, unknown penalty);
 *         PARTREG_EUNSUPPORTED (the model has no expected information,
 *         e.g. an ordinal model). Not thread-safe for the same spec.
 */
PARTREG_API partreg_status partreg_model_spec_set_penalty(partreg_model_spec *spec,
                                                          partreg_penalty penalty,
                                                          partreg_error *err);

/**
 * FLIC (Puhr, Heinze, Nold, Lusa and Geroldinger 2017, Statistics in
 * Medicine 36:2302): after the Firth fit, replace the intercept by the
 * value that makes the (weighted) mean fitted probability equal the
 * observed event share, the slopes kept: for the logit link the maximum
 * likelihood intercept with the Firth linear predictor as offset
 * (logistf::flic), for other links the same calibration-in-the-large
 * condition sum_i w_i (y_i - F(eta_i)) = 0. The intercept's variance and
 * covariances come from the inverse expected information at the FLIC
 * estimate (as logistf::flic), the slopes keep the Firth covariance.
 * Needs an intercept column and the Firth penalty.
 *
 * @return PARTREG_OK; PARTREG_EINVAL (NULL spec, no Firth penalty set).
 */
PARTREG_API partreg_status partreg_model_spec_set_flic(partreg_model_spec *spec, int on,
                                                       partreg_error *err);

/**
 * Nominal effects (partial proportional odds): the design columns
 * columns[0..n) get one slope per cut instead of one slope, as R's
 * `clm(nominal = ~ x)`, VGAM's `cumulative(parallel = FALSE ~ x)` and
 * Stata's `gologit2, npl(x)`:
 *
 *     P(Y <= j | x) = F(theta_j - x_p'beta - x_n'beta_j)
 *
 * (x_n the nominal columns, x_p the others); a positive beta_j raises
 * P(Y > j). The parameter vector then holds the blocks "beta" (the other
 * location columns), "theta", "beta_j" (cut-major: every nominal column
 * at the first cut, then at the second, ...) and, with scale effects,
 * "gamma". Replaces any earlier nominal setting; n = 0 removes it.
 *
 * @param spec     an ordinal (cumulative-link) specification.
 * @param n        number of columns.
 * @param columns  n distinct design column indices (borrowed; checked
 *                 against the data's p by the fit).
 * @param err      optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (NULL spec, NULL columns with n > 0,
 *         a repeated column); PARTREG_EUNSUPPORTED (the specification is
 *         not a cumulative-link one); PARTREG_ENOMEM. On failure the
 *         specification is unchanged. Not thread-safe for one spec.
 */
PARTREG_API partreg_status partreg_model_spec_set_nominal(partreg_model_spec *spec, size_t n,
                                                          const size_t *columns,
                                                          partreg_error *err);

/**
 * Scale effects (location-scale model), as R's `clm(scale = ~ z)` and
 * Stata's `oglm, het(z)`:
 *
 *     P(Y <= j | x) = F((theta_j - x'beta) / exp(z'gamma))
 *
 * with z the design columns columns[0..n) (block "gamma", in that order).
 * A column with scale_only[i] non-zero enters the scale alone (no
 * location slope): a scale variable that is not in the model's formula;
 * scale_only NULL means every column also enters the location. Replaces
 * any earlier scale setting; n = 0 removes it. Every link.
 *
 * @return PARTREG_OK; PARTREG_EINVAL (NULL spec, NULL columns with n > 0,
 *         a repeated column); PARTREG_EUNSUPPORTED (not a cumulative-link
 *         specification); PARTREG_ENOMEM. On failure the specification is
 *         unchanged. Not thread-safe for one spec.
 */
PARTREG_API partreg_status partreg_model_spec_set_scale(partreg_model_spec *spec, size_t n,
                                                        const size_t *columns,
                                                        const unsigned char *scale_only,
                                                        partreg_error *err);

/**
 * Fit a binary or cumulative-link model by Newton-Raphson with the analytic
 * Hessian and step-halving (docs/methods.md).
 *
 * @param data    borrowed data; see ::partreg_data for the layout.
 * @param family  PARTREG_BINARY or PARTREG_ORDINAL.
 * @param link    a link valid for the family (LOGLOG is ordinal-only).
 * @param opt     solver settings, or NULL for partreg_fit_options_default().
 * @param out     on PARTREG_OK, PARTREG_ENOTCONVERGED or PARTREG_ESEPARATION
 *                a new fit owned by the caller (free with partreg_fit_free),
 *                which says what happened (partreg_fit_converged(),
 *                partreg_fit_separated()); otherwise NULL.
 * @param err     optional error report.
 * @return PARTREG_OK; PARTREG_ENOTCONVERGED or PARTREG_ESEPARATION (a fit
 *         is still returned so the caller can inspect it; its standard
 *         errors are not to be trusted and reports say so);
 *         PARTREG_EINVAL (bad arguments), PARTREG_EDATA (non-finite X or y,
 *         y out of range, negative or non-finite weights, all-zero weights),
 *         PARTREG_EONECLASS (one outcome class; for ordinal, fewer than 3
 *         observed levels or an unobserved level — message names it),
 *         PARTREG_ETOOFEW (fewer rows than parameters),
 *         PARTREG_ECOLLINEAR (only with PARTREG_COLLINEAR_ERROR, or when
 *         nothing is left), PARTREG_ENOMEM, PARTREG_ENUMERIC,
 *         PARTREG_EUNSUPPORTED (opt->kernel names a route this CPU or
 *         this build does not have, or expected information for a model
 *         without it).
 * Thread-safe.
 */
PARTREG_API partreg_status partreg_fit_create(const partreg_data *data, partreg_family family,
                                              partreg_link link, const partreg_fit_options *opt,
                                              partreg_fit **out, partreg_error *err);

/**
 * Fit the model a specification describes; otherwise as
 * partreg_fit_create() (same statuses, ownership and thread-safety).
 * spec is borrowed for the call.
 */
PARTREG_API partreg_status partreg_fit_create_spec(const partreg_data *data,
                                                   const partreg_model_spec *spec,
                                                   const partreg_fit_options *opt,
                                                   partreg_fit **out, partreg_error *err);

/**
 * Fit P(y = 1 | x) = F(x'beta) from GSL objects: X [n x p] (with its own
 * intercept column if wanted), y [n] of 0/1, w [n] weights or NULL.
 * Same statuses, ownership and thread-safety as partreg_fit_create().
 */
PARTREG_API partreg_status partreg_binary_fit(partreg_link link, const gsl_matrix *X,
                                              const gsl_vector *y, const gsl_vector *w,
                                              const partreg_fit_options *opt, partreg_fit **out,
                                              partreg_error *err);

/**
 * Fit P(Y <= j | x) = F(theta_j - x'beta) from GSL objects: X [n x p]
 * without an intercept, y [n] of level codes 0..n_levels-1, w [n] or NULL.
 * Same statuses, ownership and thread-safety as partreg_fit_create().
 */
PARTREG_API partreg_status partreg_ordinal_fit(partreg_link link, const gsl_matrix *X,
                                               const gsl_vector *y, size_t n_levels,
                                               const gsl_vector *w, const partreg_fit_options *opt,
                                               partreg_fit **out, partreg_error *err);

/** Release a fit. NULL is a no-op. */
PARTREG_API void partreg_fit_free(partreg_fit *fit);

/** Family of the fit. */
PARTREG_API partreg_family partreg_fit_family(const partreg_fit *fit);
/** Short name of the fit's model, e.g. "binary", "cumulative" (static storage). */
PARTREG_API const char *partreg_fit_model_name(const partreg_fit *fit);
/** The fit's model in words for reports, e.g. "Ordinal (cumulative-link)" (static storage). */
PARTREG_API const char *partreg_fit_model_title(const partreg_fit *fit);
/** Outcomes a prediction gives: 1 for a binary model (the event), J for
 *  an ordinal one (one probability per level). */
PARTREG_API size_t partreg_fit_n_outcomes(const partreg_fit *fit);
/** Link of the fit. */
PARTREG_API partreg_link partreg_fit_link(const partreg_fit *fit);
/** Number of rows used (rows with zero weight included). */
PARTREG_API size_t partreg_fit_n_obs(const partreg_fit *fit);
/** Sum of the case weights (n_obs without weights). */
PARTREG_API double partreg_fit_sum_weights(const partreg_fit *fit);
/** Number of design columns p given to the fit (dropped ones included). */
PARTREG_API size_t partreg_fit_n_columns(const partreg_fit *fit);
/** Number of ordinal levels J (2 for a binary fit). */
PARTREG_API size_t partreg_fit_n_levels(const partreg_fit *fit);
/** Number of threshold entries (J-1 for ordinal, 0 for binary). */
PARTREG_API size_t partreg_fit_n_thresholds(const partreg_fit *fit);
/** Number of estimated parameters k: the entries of the parameter vector
 *  that are estimated (those of dropped columns are not), the k of AIC. */
PARTREG_API size_t partreg_fit_n_estimated(const partreg_fit *fit);
/** The earlier name of partreg_fit_n_estimated(), kept for source
 *  compatibility. */
#define partreg_fit_n_params partreg_fit_n_estimated

/** Coefficients, one per design column (p entries; dropped columns are 0).
 *  Borrowed; valid until the fit is freed. */
PARTREG_API const gsl_vector *partreg_fit_coef(const partreg_fit *fit);
/** Thresholds theta_1..theta_{J-1} (empty pointer NULL for binary fits).
 *  Borrowed; valid until the fit is freed. */
PARTREG_API const gsl_vector *partreg_fit_thresholds(const partreg_fit *fit);
/** 1 if design column j was dropped as collinear or constant, else 0. */
PARTREG_API int partreg_fit_column_dropped(const partreg_fit *fit, size_t j);

/** Length K of the parameter vector: every block's entries, those of
 *  dropped columns included (p + J - 1 for a cumulative-link model). The
 *  "parameter index" of the functions below and of partreg_fit_vcov(),
 *  partreg_fit_estimate() and the tests runs over 0..K-1. */
PARTREG_API size_t partreg_fit_n_parameters(const partreg_fit *fit);
/** The parameter vector (K entries; 0 where a dropped column's entry is
 *  not estimated). Borrowed; valid until the fit is freed. */
PARTREG_API const gsl_vector *partreg_fit_parameters(const partreg_fit *fit);
/** Kind of parameter j (j < K; otherwise PARTREG_PARAM_COEFFICIENT). */
PARTREG_API partreg_param_kind partreg_fit_param_kind(const partreg_fit *fit, size_t j);
/** Term name of parameter j as the reports print it: the design column's
 *  name ("k5", "sex[male]:age") for coefficients, "A|B" for the threshold
 *  between levels A and B; NULL when j >= K. Borrowed; valid until the fit
 *  is freed. */
PARTREG_API const char *partreg_fit_param_term(const partreg_fit *fit, size_t j);
/** The cut "A|B" a cut-specific coefficient belongs to, else NULL.
 *  Borrowed; valid until the fit is freed. */
PARTREG_API const char *partreg_fit_param_cut(const partreg_fit *fit, size_t j);
/** Degrees of freedom of parameter j's reference distribution in
 *  partreg_fit_estimate(): INFINITY for the normal (the default), finite
 *  for Student's t (survey designs, CR2, multiple imputation); NaN when
 *  j >= K. */
PARTREG_API double partreg_fit_param_df(const partreg_fit *fit, size_t j);
/** The design column parameter j multiplies, or PARTREG_NO_COLUMN. */
PARTREG_API size_t partreg_fit_param_column(const partreg_fit *fit, size_t j);
/** Number of blocks of the parameter vector. */
PARTREG_API size_t partreg_fit_n_blocks(const partreg_fit *fit);
/** Name of block b ("beta", "theta", ...; static storage), NULL when b is
 *  out of range. */
PARTREG_API const char *partreg_fit_block_name(const partreg_fit *fit, size_t b);
/** Kind of the entries of block b. */
PARTREG_API partreg_param_kind partreg_fit_block_kind(const partreg_fit *fit, size_t b);
/** Parameter index of block b's first entry. */
PARTREG_API size_t partreg_fit_block_first(const partreg_fit *fit, size_t b);
/** Number of entries of block b (0 when b is out of range). */
PARTREG_API size_t partreg_fit_block_size(const partreg_fit *fit, size_t b);

/**
 * Covariance in force, K x K over the parameter vector
 * (partreg_fit_n_parameters(): p coefficients then J-1 thresholds for a
 * cumulative-link model; rows/columns of dropped coefficients are 0).
 * Borrowed; valid until the fit is freed or its covariance replaced
 * (partreg_fit_set_vcov()).
 */
PARTREG_API const gsl_matrix *partreg_fit_vcov(const partreg_fit *fit);

/** Maximised log-likelihood (the penalised one of a penalised fit). */
PARTREG_API double partreg_fit_loglik(const partreg_fit *fit);
/** The penalty of the fit (PARTREG_PENALTY_NONE for maximum likelihood). */
PARTREG_API partreg_penalty partreg_fit_penalty(const partreg_fit *fit);
/** 1 when the intercept is FLIC's (partreg_model_spec_set_flic()), else 0. */
PARTREG_API int partreg_fit_flic(const partreg_fit *fit);
/** The log-likelihood without the penalty at the estimate (the same as
 *  partreg_fit_loglik() for an unpenalised fit). */
PARTREG_API double partreg_fit_loglik_unpenalised(const partreg_fit *fit);
/** Log-likelihood of the null model (intercept only / thresholds only) on the same rows and weights. */
PARTREG_API double partreg_fit_null_loglik(const partreg_fit *fit);
/** Newton iterations taken. */
PARTREG_API int partreg_fit_iterations(const partreg_fit *fit);
/** 1 if the solver converged, else 0. */
PARTREG_API int partreg_fit_converged(const partreg_fit *fit);
/** Why the solver stopped. */
PARTREG_API partreg_stop_reason partreg_fit_stop_reason(const partreg_fit *fit);
/** 1 if separation was detected (some estimates run off to infinity). */
PARTREG_API int partreg_fit_separated(const partreg_fit *fit);
/** 1 if parameter j (0..K-1) runs off to infinity under separation. */
PARTREG_API int partreg_fit_param_diverges(const partreg_fit *fit, size_t j);
/** Maximum absolute gradient entry at the estimate. */
PARTREG_API double partreg_fit_max_gradient(const partreg_fit *fit);
/** Rows of the fit whose fitted cumulative probabilities cross (some
 *  P(Y = j) < 0 at the estimate), which cut-specific slopes allow; 0 for
 *  models where they cannot cross and for fits that did not converge. A
 *  fit with crossing rows also has a warning that counts them. */
PARTREG_API size_t partreg_fit_n_crossing_rows(const partreg_fit *fit);

/** Goodness-of-fit summary (all computed at fit time). */
typedef struct partreg_fit_stats {
    double loglik;          /**< maximised log-likelihood */
    double null_loglik;     /**< null-model log-likelihood */
    double deviance;        /**< -2 loglik (binary 0/1 data: the residual deviance) */
    double null_deviance;   /**< -2 null_loglik */
    double aic;             /**< -2 loglik + 2k */
    double bic;             /**< -2 loglik + k log(N), N = sum of weights */
    double lr_chi2;         /**< 2 (loglik - null_loglik) */
    double lr_df;           /**< k - k_null */
    double lr_p;            /**< upper tail of chi-square(lr_df) at lr_chi2; with a random
                                 intercept (absent from the null model) the 50:50 mixture
                                 of chi-square(lr_df - 1) and chi-square(lr_df) */
    double r2_mcfadden;     /**< 1 - loglik/null_loglik */
    double r2_cox_snell;    /**< 1 - exp(2 (null_loglik - loglik) / N) */
    double r2_nagelkerke;   /**< Cox-Snell / (1 - exp(2 null_loglik / N)) */
    size_t n_params;        /**< k */
    double n_weighted;      /**< N, the sum of the weights */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[128];
} partreg_fit_stats;
/* Under a survey design (partreg_fit_set_survey()) the log-likelihood is a
 * pseudo-likelihood: bic, lr_chi2, lr_df, lr_p, r2_cox_snell and
 * r2_nagelkerke are NaN. The LR test takes the rows as independent with
 * the model's variance: under a robust or cluster covariance the reports
 * give the Wald test of all slopes (partreg_fit_joint_test()) in its
 * place. */

/** Fill *out with the fit's summary statistics. Thread-safe. */
PARTREG_API void partreg_fit_get_stats(const partreg_fit *fit, partreg_fit_stats *out);

/** One row of a coefficient or threshold table. */
typedef struct partreg_estimate {
    double estimate;   /**< point estimate */
    double std_error;  /**< square root of the covariance diagonal */
    double z;          /**< estimate / std_error */
    double p_value;    /**< two-sided normal p-value */
    double conf_low;   /**< Wald lower bound at the requested level */
    double conf_high;  /**< Wald upper bound */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[64];
} partreg_estimate;

/**
 * Wald summary of parameter j (0..K-1: for a cumulative-link model
 * 0..p-1 coefficients, p..p+J-2 thresholds) under the covariance in
 * force, with a `level` confidence interval (0 < level < 1): p-value
 * and interval from the normal, or from Student's t where the parameter
 * has finite degrees of freedom (partreg_fit_param_df()); z is
 * estimate / std_error either way. A dropped coefficient gets NaN
 * statistics.
 * PARTREG_OK or PARTREG_EINVAL (j out of range, level outside (0,1)).
 */
PARTREG_API partreg_status partreg_fit_estimate(const partreg_fit *fit, size_t j, double level,
                                                partreg_estimate *out, partreg_error *err);

/**
 * Fitted probabilities for the rows of `data` (same columns as the fit)
 * into `probs` [n x partreg_fit_n_outcomes()]: binary P(y=1), ordinal
 * P(Y = j) for each level j. `probs` is caller-allocated with that shape.
 * PARTREG_OK, PARTREG_EINVAL (shape mismatch), PARTREG_EDATA (non-finite X).
 */
PARTREG_API partreg_status partreg_fit_predict(const partreg_fit *fit, const partreg_data *data,
                                               gsl_matrix *probs, partreg_error *err);

/**
 * Cumulative probabilities P(Y <= j), j = 0..J-2, for ordinal fits into
 * `cum` [n x (J-1)]. PARTREG_EUNSUPPORTED for models that have none
 * (binary fits).
 */
PARTREG_API partreg_status partreg_fit_predict_cumulative(const partreg_fit *fit,
                                                          const partreg_data *data, gsl_matrix *cum,
                                                          partreg_error *err);

/** Number of warnings the fit recorded (dropped columns, separation, ...). */
PARTREG_API size_t partreg_fit_n_warnings(const partreg_fit *fit);
/** Warning i as one sentence (borrowed; valid until the fit is freed). */
PARTREG_API const char *partreg_fit_warning(const partreg_fit *fit, size_t i);

/**
 * @name Strings in the output formats
 * The one escaping of every string the library and the `partreg` command
 * write (names of columns, levels, terms, formulas, titles): whatever bytes
 * a string holds, the JSON stays valid JSON, a CSV field stays one field,
 * and a terminal shows no control sequence. Each returns 0, or -1 when the
 * stream reported a write error. Thread-safe for distinct streams.
 * @{
 */
/** `s` as a JSON string literal, with its quotes: '"', '\\' and control
 *  characters escaped (`\n`, `\t`, `\u001b`, ...), bytes that are not valid
 *  UTF-8 written as U+FFFD. NULL writes `null`. */
PARTREG_API int partreg_write_json_string(FILE *out, const char *s);
/** `s` as one CSV field (RFC 4180): quoted, with quotes doubled, when it
 *  holds `delimiter`, a quote, CR or LF, or starts or ends with a space;
 *  as it is otherwise. NULL writes an empty field. */
PARTREG_API int partreg_write_csv_field(FILE *out, const char *s, char delimiter);
/** `s` for a terminal or a plain-text report: control characters (C0,
 *  DEL) and bytes that are not valid UTF-8 as `\xHH`, the rest as it is.
 *  NULL writes nothing. */
PARTREG_API int partreg_write_text(FILE *out, const char *s);
/** @} */

#ifdef __cplusplus
}
#endif

#include "partreg_inference.h"
#include "partreg_random.h"

#endif /* PARTREG_H */
