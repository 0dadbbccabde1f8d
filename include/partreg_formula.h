/**
 * @file partreg_formula.h
 * @brief Model formulas and model frames: from `Y ~ a + b` and a table to
 *        the design matrix, outcome, weights and clusters a fit reads.
 *
 * ## Formula language (R-style)
 *
 *     outcome ~ term + term + ...
 *
 * - `x`: a column; numeric columns enter as they are, text (categorical)
 *   columns with treatment (dummy) coding. Names are letters, digits, `.`
 *   and `_` (and any UTF-8); other names are quoted in backticks: `` `my var` ``.
 * - `factor(x)`: column x as categorical (levels in numeric order).
 * - `a:b`: interaction (any number of parts, at most 8).
 * - `a*b` = `a + b + a:b`; `(a + b)*c` = `a + b + c + a:c + b:c`;
 *   `(a + b + c)^2` = all main effects and two-way interactions.
 * - `I(expr)` with `+ - * / ^`, unary minus, parentheses, numbers, columns
 *   and `log()`, `exp()`, `sqrt()`; `log(expr)`, `exp(expr)`, `sqrt(expr)`
 *   as terms.
 * - `- 1` or `+ 0` drops the intercept, `+ 1` keeps it (the default).
 * - `(1 | G)`: a random intercept for each group of column G (numeric or
 *   text; partreg_random.h), at most one, as a term of its own. The
 *   grouping column is not a predictor (no coefficient, no margin).
 * - `- term` removes a term produced earlier (`a*b - a:b`).
 *
 * Terms keep formula order (`a*b` gives `a`, `b`, `a:b`; R would move
 * every interaction after the main effects); an interaction written with
 * `:` keeps the order it was written in, one made by `*` or `^` lists its
 * parts in order of first appearance; `a:b` and `b:a` are the same term. A term written out twice (`a + b + a`, `a:b + b:a`) is an error;
 * terms that the `*` and `^` expansions produce more than once are merged
 * as in R (`a*b + a*c` has one `a`). `x^2` outside `I()` is refused with a
 * hint, since in R it silently means `x`.
 *
 * ## Column (coefficient) names
 *
 * `(Intercept)`; a numeric term: its text without spaces (`age`,
 * `I(age^2)`, `log(income)`); a categorical variable V (also `factor(V)`)
 * at non-reference level L: `V[L]`; interactions: the parts' names joined
 * by `:` in formula order (`sex[male]:age`), first part varying fastest.
 *
 * Thread-safety: formulas and frames are immutable after creation; const
 * calls may run on one handle from several threads at once.
 */
#ifndef PARTREG_FORMULA_H
#define PARTREG_FORMULA_H

#include <stddef.h>

#include "partreg.h"
#include "partreg_export.h"
#include "partreg_table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ===================================================================== */
/** @name Formulas */
/* ===================================================================== */

/** A parsed model formula (opaque, immutable). */
typedef struct partreg_formula partreg_formula;

/**
 * Parse a model formula.
 *
 * @param text  NUL-terminated formula (borrowed; copied).
 * @param out   on PARTREG_OK a new formula owned by the caller (release with
 *              partreg_formula_free()); otherwise NULL.
 * @param err   optional. For PARTREG_EFORMULA, `err->column` is the 1-based
 *              character position of the problem and the message quotes the
 *              offending token.
 * @return PARTREG_OK; PARTREG_EINVAL (text or out NULL);
 *         PARTREG_EFORMULA: missing `~`, missing outcome, an outcome that
 *         is not a single column, empty right-hand side, unbalanced
 *         parentheses or backticks, unknown function, a trailing or doubled
 *         operator, an unexpected character or token, the outcome on the
 *         right-hand side, a repeated term, a variable repeated inside one
 *         interaction, a number other than 0/1 as a term, `x^n` outside
 *         `I()`, removing a term that is not there, an expression nested
 *         too deeply, more than 8 parts in an interaction or more than 4096
 *         terms. (`y ~ 1` and `y ~ 0` parse: the first is the null model,
 *         the second is refused by partreg_frame_create() for a binary
 *         model and means thresholds only for an ordinal one);
 *         PARTREG_ENOMEM.
 * Thread-safe.
 */
PARTREG_API partreg_status partreg_formula_parse(const char *text, partreg_formula **out,
                                                 partreg_error *err);

/** Release a formula. NULL is a no-op. */
PARTREG_API void partreg_formula_free(partreg_formula *f);

/** The formula text as given (borrowed; valid while f lives). */
PARTREG_API const char *partreg_formula_text(const partreg_formula *f);

/** Outcome (left-hand side) column name (borrowed; valid while f lives). */
PARTREG_API const char *partreg_formula_response(const partreg_formula *f);

/** 1 if the formula keeps the intercept (no `- 1` / `+ 0`), else 0. */
PARTREG_API int partreg_formula_has_intercept(const partreg_formula *f);

/** Number of terms (the intercept not counted). */
PARTREG_API size_t partreg_formula_n_terms(const partreg_formula *f);

/** Label of term k (`age`, `I(age^2)`, `factor(cyl)`, `sex:age`), or NULL
 *  when k is out of range. Borrowed; valid while f lives. */
PARTREG_API const char *partreg_formula_term_label(const partreg_formula *f, size_t k);

/** The grouping column of the formula's random-intercept term `(1 | G)`
 *  (partreg_random.h), or NULL when it has none. Borrowed; valid while f
 *  lives. The grouping column is not one of the formula's variables. */
PARTREG_API const char *partreg_formula_group(const partreg_formula *f);

/** Number of distinct columns on the right-hand side. */
PARTREG_API size_t partreg_formula_n_variables(const partreg_formula *f);

/** Name of right-hand-side column v, in order of first appearance, or NULL
 *  when out of range. Borrowed; valid while f lives. */
PARTREG_API const char *partreg_formula_variable(const partreg_formula *f, size_t v);

/* ===================================================================== */
/** @name Model frames */
/* ===================================================================== */

/** What the caller asked of the model frame. Get the defaults from
 *  partreg_frame_options_default() and change fields; fields added later
 *  take the place of the reserve. All pointers are borrowed for the call to partreg_frame_create(). */
typedef struct partreg_frame_options {
    /** 1 (default): the family follows the outcome: 2 levels = binary, 3 or
     *  more = ordinal. 0: use `family`. */
    int family_auto;
    /** Family when family_auto == 0 (default PARTREG_BINARY). */
    partreg_family family;
    /** Outcome levels, lowest first (`--levels "A,B,C"`), or NULL: numeric
     *  order for a numeric outcome, code order for a labelled (.sav/.dta)
     *  one, byte order (strcmp) for text. For a numeric outcome the entries
     *  are read as numbers ("1", "2.5") and matched by value; otherwise by
     *  exact text. For a binary model the last level is the event. */
    const char *const *levels;
    size_t n_levels;              /**< entries in levels */
    /** Reference levels (`--ref VAR=LEVEL`): ref_variables[k] is a
     *  categorical variable of the model (column name, also for
     *  `factor(V)`), ref_levels[k] one of its level names. */
    const char *const *ref_variables;
    const char *const *ref_levels; /**< see ref_variables */
    size_t n_refs;                 /**< entries in ref_variables and ref_levels */
    const char *weights;           /**< case-weight column, or NULL (default) */
    const char *cluster;           /**< cluster-id column (numeric or text), or NULL (default) */
    /** Threads that fill the design matrix (default 0 = all cores; frames
     *  under 65,536 rows per thread use fewer). The matrix and any error
     *  are the same for every value. */
    int threads;
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    union {
        struct {
            /** Survey design columns (partreg_survey.h), each NULL by
             *  default. Sampling (probability) weights: finite, >= 0; not
             *  with `weights`. The frame's weights
             *  (partreg_frame_weights()) are then these, 0 on the rows
             *  outside the subpopulation. */
            const char *sampling_weights;
            const char *strata; /**< stratum of each row (numeric or text) */
            const char *psu;    /**< primary sampling unit within its stratum (numeric or text) */
            const char *fpc;    /**< first-stage finite population correction (numeric) */
            /** Subpopulation: a column (numeric: 0 is outside, any other
             *  value inside; text: 0, false or no, in any case, outside,
             *  1, true or yes inside), or "V=L": the rows where column V
             *  has value L. */
            const char *subpop;
            /** Replicate weights "PREFIX*": every column whose name starts
             *  with PREFIX, in table order (full replicate weights, finite,
             *  >= 0). */
            const char *repweights;
            /** 0 (default): refuse an ordinal outcome that looks continuous,
             *  unless its levels are listed in `levels`: more than 50
             *  distinct values, or more than 10 that average fewer than 5
             *  rows each (J > 10 and 5 J > n). Such an outcome is almost
             *  always a measurement to be recoded into categories; fitted as
             *  it is it would get one threshold per value. 1: fit it as
             *  ordinal anyway (`--many-levels`). */
            int many_levels;
            /** Scale terms of a location-scale model (`--scale "z + w"`): the
             *  right-hand side of a formula, or NULL (default). A term that is
             *  in the formula marks its columns as scale columns too; one that
             *  is not adds its columns after the formula's, as scale-only
             *  columns (partreg_frame_column_roles()). Its variables join the
             *  model's: listwise deletion, coding and `--ref` apply to them. */
            const char *scale;
        };
        unsigned char partreg_reserved_[256];
    };
} partreg_frame_options;

/** The default options (automatic family, default level orders, no
 *  weights or clusters). Thread-safe. */
PARTREG_API partreg_frame_options partreg_frame_options_default(void);

/** A model frame: the rows used and their numeric coding (opaque,
 *  immutable; it keeps no pointer to the table or formula it came from). */
typedef struct partreg_frame partreg_frame;

/**
 * Build the model frame of formula `f` on `table`.
 *
 * Rows with a missing value in any variable the model uses (outcome, terms,
 * weights, cluster) are dropped and counted (partreg_frame_n_dropped()).
 * The design matrix is one row-major n x p array: first `(Intercept)` (a
 * binary model with an intercept), then each term's columns. Ordinal models
 * never get an intercept column (the thresholds play its role, with or
 * without `- 1`).
 *
 * Coding: categorical variables (text, labelled, `factor(x)`) use treatment
 * coding against the reference level: the first level in the order (byte
 * order for text, numeric order for `factor(x)`, code order for labelled
 * columns) unless opt->ref_* says otherwise. Only levels present in the rows
 * used are kept. In a binary model without an intercept, the first term
 * that is a categorical variable alone gets one column per level, as in R.
 * Interactions always use reference coding for each categorical part (R
 * switches to full coding for a part whose main effect is absent; partreg
 * does not). An interaction column that is all zero is left for the fit's
 * collinearity check, which drops and names it.
 *
 * The outcome: binary 0/1 with the LAST level the event (a numeric 0/1
 * outcome: event 1); ordinal level codes 0..J-1 in level order. A level
 * listed in opt->levels but absent from the data is kept (the fit refuses
 * it with a message naming it).
 *
 * @param table  borrowed data.
 * @param f      borrowed formula.
 * @param opt    options, or NULL for partreg_frame_options_default().
 * @param out    on PARTREG_OK a new frame owned by the caller (release with
 *               partreg_frame_free()); otherwise NULL.
 * @param err    optional; `err->line` is set when a data line is at fault.
 * @return PARTREG_OK;
 *         PARTREG_EDATA also for an outcome that looks continuous (see
 *         many_levels); PARTREG_ENOMEM, when the design matrix does not fit
 *         in memory, names its size and the term with the most columns;
 *         PARTREG_EINVAL: NULL table/f/out, n_levels > 0 with NULL levels,
 *         a `--ref` on a numeric variable, a numeric column used both
 *         as a number and as factor(), a family value out of range;
 *         PARTREG_ENOTFOUND: unknown column (the message suggests the
 *         closest name), `--ref` variable not in the model, unknown
 *         `--ref` level (the message lists the levels);
 *         PARTREG_EDATA: a categorical column where a number is needed
 *         (message: the column, its first non-numeric value and line, what
 *         to do), an outcome value missing from opt->levels (value and line),
 *         a duplicated or non-numeric entry of opt->levels, an expression
 *         that is not finite on some row (term and line), a negative or
 *         non-finite weight (line), a categorical weights column, a binary
 *         family with more than 2 outcome levels;
 *         PARTREG_EONECLASS: fewer than 2 outcome levels, or an ordinal
 *         family with fewer than 3;
 *         PARTREG_ETOOFEW: no row left after listwise deletion;
 *         PARTREG_EFORMULA: a binary model with no columns at all;
 *         PARTREG_ENOMEM.
 * Thread-safe.
 */
PARTREG_API partreg_status partreg_frame_create(const partreg_table *table,
                                                const partreg_formula *f,
                                                const partreg_frame_options *opt,
                                                partreg_frame **out, partreg_error *err);

/**
 * The same coding (variables, levels, references, columns, outcome levels,
 * family) applied to another table, e.g. for predictions. The outcome is
 * optional: when the column is present its values are coded (rows where it
 * is missing are kept, with y = NaN; partreg_frame_has_outcome() says 1),
 * otherwise partreg_frame_data() gives y = NULL. Weights and clusters are
 * not carried over. Rows with a missing predictor are dropped and counted.
 *
 * @return PARTREG_OK (*out a new frame owned by the caller);
 *         PARTREG_EINVAL (NULL arguments); PARTREG_ENOTFOUND (a model
 *         column absent from newdata); PARTREG_EDATA (a column of the
 *         wrong type, a level or outcome value the model has not seen —
 *         with its line —, a non-finite expression); PARTREG_ETOOFEW (no
 *         complete row); PARTREG_ENOMEM. On failure *out = NULL.
 * Thread-safe.
 */
PARTREG_API partreg_status partreg_frame_apply(const partreg_frame *fr,
                                               const partreg_table *newdata, partreg_frame **out,
                                               partreg_error *err);

/** Release a frame. NULL is a no-op. */
PARTREG_API void partreg_frame_free(partreg_frame *fr);

/** Fill *out with a view of the frame's data (n, p, X with ldx = p, y, w,
 *  n_levels, column_names, level_names). Every pointer is borrowed and
 *  valid while the frame lives. Thread-safe. */
PARTREG_API void partreg_frame_data(const partreg_frame *fr, partreg_data *out);

/** Family chosen (from the options or, when automatic, the outcome). */
PARTREG_API partreg_family partreg_frame_family(const partreg_frame *fr);
/** Number of rows used (after listwise deletion). */
PARTREG_API size_t partreg_frame_n_rows(const partreg_frame *fr);
/** Number of table rows dropped for missing values. */
PARTREG_API size_t partreg_frame_n_dropped(const partreg_frame *fr);
/** Table row index (0-based data row) of each frame row: n_rows entries,
 *  borrowed, valid while the frame lives. */
PARTREG_API const size_t *partreg_frame_row_index(const partreg_frame *fr);
/** 1 if the design matrix has an `(Intercept)` column (column 0). */
PARTREG_API int partreg_frame_has_intercept(const partreg_frame *fr);
/** 1 if the frame has outcome values (always for partreg_frame_create()). */
PARTREG_API int partreg_frame_has_outcome(const partreg_frame *fr);

/** Number of design columns p. */
PARTREG_API size_t partreg_frame_n_columns(const partreg_frame *fr);
/** Name of design column j (borrowed), or NULL when out of range. */
PARTREG_API const char *partreg_frame_column_name(const partreg_frame *fr, size_t j);
/** Term of design column j: an index for partreg_frame_term_label(), or -1
 *  for the intercept and for j out of range. */
PARTREG_API long partreg_frame_column_term(const partreg_frame *fr, size_t j);
/** Roles of a design column (bits of partreg_frame_column_roles()). */
enum {
    PARTREG_ROLE_LOCATION = 1u << 0, /**< a term of the model formula (the location) */
    PARTREG_ROLE_SCALE = 1u << 1     /**< a scale term (partreg_frame_options.scale) */
};

/** Roles of design column j: ::PARTREG_ROLE_LOCATION for the formula's
 *  columns, ::PARTREG_ROLE_SCALE for the scale terms' (both for a scale
 *  term that is also in the formula); 0 when j is out of range. */
PARTREG_API unsigned partreg_frame_column_roles(const partreg_frame *fr, size_t j);

/** Number of terms (as in the formula). */
PARTREG_API size_t partreg_frame_n_terms(const partreg_frame *fr);
/** Label of term k (as partreg_formula_term_label()), or NULL. */
PARTREG_API const char *partreg_frame_term_label(const partreg_frame *fr, size_t k);

/** Number of outcome levels J (2 for binary). */
PARTREG_API size_t partreg_frame_n_levels(const partreg_frame *fr);
/** Name of outcome level k, lowest first (borrowed), or NULL. */
PARTREG_API const char *partreg_frame_level_name(const partreg_frame *fr, size_t k);
/** Outcome column name (borrowed). */
PARTREG_API const char *partreg_frame_response(const partreg_frame *fr);

/** Case weights (n_rows entries, borrowed) or NULL when none. */
PARTREG_API const double *partreg_frame_weights(const partreg_frame *fr);
/** Groups of the random-intercept term `(1 | G)`: codes 0..n_groups-1
 *  (n_rows entries, borrowed) in the order of the group column's levels
 *  (numeric order for numbers, byte order for text, code order for
 *  labelled columns), or NULL when the formula has no such term;
 *  *n_groups (if not NULL) receives the number of groups in the rows used
 *  (0 when none). Rows with a missing group are dropped with the others. */
PARTREG_API const size_t *partreg_frame_groups(const partreg_frame *fr, size_t *n_groups);
/** The grouping column of `(1 | G)` (borrowed), or NULL. */
PARTREG_API const char *partreg_frame_group_variable(const partreg_frame *fr);
/** Name of group g (borrowed), or NULL when g is out of range or there are
 *  no groups. */
PARTREG_API const char *partreg_frame_group_label(const partreg_frame *fr, size_t g);
/** Cluster codes 0..G-1 (n_rows entries, in order of first appearance,
 *  borrowed) or NULL when no cluster column; *n_clusters (if not NULL)
 *  receives G (0 when none). */
PARTREG_API const size_t *partreg_frame_clusters(const partreg_frame *fr, size_t *n_clusters);

/* ---- survey design columns (partreg_frame_options) ------------------- */
/** 1 when the frame has survey design columns (sampling weights, strata,
 *  PSUs, fpc, subpopulation or replicate weights), else 0. */
PARTREG_API int partreg_frame_has_survey(const partreg_frame *fr);
/** Sampling weights (n_rows entries, borrowed) or NULL when none. */
PARTREG_API const double *partreg_frame_sampling_weights(const partreg_frame *fr);
/** Stratum codes 0..H-1 (n_rows entries, in order of the strata's values,
 *  borrowed) or NULL; *n_codes (if not NULL) receives H (0 when none). */
PARTREG_API const size_t *partreg_frame_strata(const partreg_frame *fr, size_t *n_codes);
/** The value of stratum code h as text (borrowed), or NULL. */
PARTREG_API const char *partreg_frame_stratum_name(const partreg_frame *fr, size_t h);
/** PSU codes (n_rows entries, borrowed) or NULL; *n_codes receives their
 *  number. A PSU is the pair (stratum, code). */
PARTREG_API const size_t *partreg_frame_psu(const partreg_frame *fr, size_t *n_codes);
/** First-stage fpc of each row (n_rows entries, borrowed) or NULL. */
PARTREG_API const double *partreg_frame_fpc(const partreg_frame *fr);
/** Subpopulation flags (n_rows entries: 1 inside, 0 outside; borrowed)
 *  or NULL when no subpopulation was given. */
PARTREG_API const unsigned char *partreg_frame_subpop(const partreg_frame *fr);
/** Replicate weights (R columns of n_rows: column r at [r n_rows ..];
 *  borrowed) or NULL; *R (if not NULL) receives their number. */
PARTREG_API const double *partreg_frame_replicate_weights(const partreg_frame *fr, size_t *R);
/** Name of replicate-weight column r (borrowed), or NULL. */
PARTREG_API const char *partreg_frame_replicate_name(const partreg_frame *fr, size_t r);
/* ---- model variables: for marginal effects and joint tests ---------- */

/** Number of model variables: each distinct column on the right-hand side,
 *  in order of first appearance. */
PARTREG_API size_t partreg_frame_n_variables(const partreg_frame *fr);
/** Name of variable v (the column name, also for `factor(V)`), or NULL. */
PARTREG_API const char *partreg_frame_variable_name(const partreg_frame *fr, size_t v);
/** Find a variable by name: PARTREG_OK with *v set, or PARTREG_ENOTFOUND. */
PARTREG_API partreg_status partreg_frame_find_variable(const partreg_frame *fr, const char *name,
                                                       size_t *v, partreg_error *err);
/** 1 if variable v is categorical (text, labelled or inside factor()). */
PARTREG_API int partreg_frame_variable_is_categorical(const partreg_frame *fr, size_t v);
/** Number of levels of categorical variable v (0 for numeric). */
PARTREG_API size_t partreg_frame_variable_n_levels(const partreg_frame *fr, size_t v);
/** Name of level k of categorical variable v (borrowed), or NULL. */
PARTREG_API const char *partreg_frame_variable_level_name(const partreg_frame *fr, size_t v,
                                                          size_t k);
/** Index of the reference level of categorical variable v (0 for numeric). */
PARTREG_API size_t partreg_frame_variable_reference(const partreg_frame *fr, size_t v);
/** Design columns whose term involves variable v, ascending: *n_cols
 *  entries, borrowed, valid while the frame lives (NULL when none). */
PARTREG_API const size_t *partreg_frame_variable_columns(const partreg_frame *fr, size_t v,
                                                         size_t *n_cols);
/** Observed values of numeric variable v on the rows used (n_rows entries,
 *  borrowed), or NULL for a categorical variable or v out of range. */
PARTREG_API const double *partreg_frame_variable_values(const partreg_frame *fr, size_t v);
/** Observed level indices of categorical variable v on the rows used
 *  (n_rows entries, borrowed), or NULL for a numeric variable. */
PARTREG_API const int *partreg_frame_variable_levels(const partreg_frame *fr, size_t v);

/** One variable held at a value by partreg_frame_design_row(). */
typedef struct partreg_setting {
    size_t variable; /**< model variable index */
    double value;    /**< numeric variable: its value */
    size_t level;    /**< categorical variable: level index */
} partreg_setting;

/**
 * Design row of frame row i (p entries into x), with the variables in
 * set[0..n_set) held at the given values, everything else as observed.
 * If d_variable >= 0 (a numeric variable), dx (p entries) receives the
 * derivative of every design column with respect to that variable, by
 * forward-mode differentiation through I(), log(), exp(), sqrt(), powers
 * and interactions; columns not involving it get 0. dx may be NULL when
 * d_variable < 0.
 *
 * @return PARTREG_OK; PARTREG_EINVAL (i, a setting's variable or level out
 *         of range, d_variable categorical or out of range, x NULL, dx NULL
 *         with d_variable >= 0); PARTREG_EDATA (an expression is not finite
 *         at the values given; x and dx are filled anyway);
 *         PARTREG_ENOMEM (only for formulas with more than 64 variables and
 *         atoms, which need scratch space).
 * Thread-safe (the frame is only read).
 */
PARTREG_API partreg_status partreg_frame_design_row(const partreg_frame *fr, size_t i,
                                                    const partreg_setting *set, size_t n_set,
                                                    long d_variable, double *x, double *dx,
                                                    partreg_error *err);

#ifdef __cplusplus
}
#endif

#endif /* PARTREG_FORMULA_H */
