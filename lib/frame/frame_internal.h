/* The model frame's private layout, shared by the files that build it
 * (frame.c, frame_rows.c, frame_levels.c, frame_design.c, frame_apply.c).
 * Private to lib/. */
#ifndef PARTREG_FRAME_FRAME_INTERNAL_H
#define PARTREG_FRAME_FRAME_INTERNAL_H

#include <stddef.h>

#include "frame/formula_internal.h"
#include "partreg_formula.h"
#include "partreg_table.h"

/* A level list: names, and for numbers (factor(x), numeric outcomes) the
 * value of each level. */
typedef struct partreg_levels {
    size_t n;
    char **names;
    double *values; /* NULL unless the levels are numbers */
} partreg_levels;

/* One model variable (a distinct right-hand-side column). */
typedef struct partreg_frame_var {
    int categorical;    /* coded with dummies (text, labelled, factor()) */
    int from_factor;    /* factor() of a numeric column */
    partreg_levels lv;  /* categorical: its levels */
    size_t ref;         /* categorical: reference level */
    double *num;        /* numeric: n values on the rows used */
    int *lev;           /* categorical: n level indices on the rows used */
    size_t *cols;       /* design columns whose term involves the variable */
    size_t n_cols;
} partreg_frame_var;

/* Column layout of one term. */
typedef struct partreg_frame_term {
    size_t first_col, n_cols;
    int full; /* a lone categorical variable with a column per level (no intercept, binary) */
    size_t stride[PARTREG_FORMULA_MAX_ORDER];
} partreg_frame_term;

/* Survey design columns over the rows used (frame_survey.c). */
typedef struct partreg_frame_survey {
    /* table columns, found before listwise deletion */
    size_t col_sw, col_strata, col_psu, col_fpc, col_subpop;
    size_t *rep_col;          /* n_rep replicate-weight columns */
    char *subpop_var;         /* "V=L": V (the column is col_subpop) */
    const char *subpop_level; /* "V=L": L (points into the option, read during creation only) */
    /* coded over the rows used (NULL: not given) */
    double *sw;               /* sampling weights */
    size_t *strata;           /* stratum codes 0..strata_lv.n-1 */
    partreg_levels strata_lv; /* stratum values */
    size_t *psu;              /* PSU codes 0..n_psu_codes-1 */
    size_t n_psu_codes;
    double *fpc;
    unsigned char *domain;    /* 1 inside the subpopulation */
    double *repw;             /* n_rep columns of n */
    size_t n_rep;
    char **rep_names;         /* n_rep column names */
} partreg_frame_survey;

struct partreg_frame {
    partreg_formula *f; /* private copy of the formula (variables, atoms, terms) */
    partreg_family family;
    int intercept;      /* column 0 is (Intercept) */
    int has_outcome;
    size_t n, n_dropped, p;
    double *X;          /* n x p row-major */
    double *y;          /* n outcome codes, or NULL */
    double *w;          /* n weights, or NULL */
    size_t *cluster;    /* n cluster codes, or NULL */
    size_t n_clusters;
    size_t *group;      /* n codes of the random intercept's groups (level order), or NULL */
    partreg_levels group_levels; /* their names */
    size_t *rows;       /* table row of each frame row */
    partreg_frame_survey *survey; /* survey design columns, or NULL */
    char **col_names;
    long *col_term;
    partreg_levels outcome; /* outcome levels */
    partreg_frame_var *vars; /* f->n_vars */
    partreg_frame_term *terms; /* f->n_terms */
    size_t n_main_terms;     /* the model formula's terms (location); those after are
                              * scale terms that the formula does not have */
    unsigned char *term_scale; /* f->n_terms flags: the term enters the scale; NULL: none */
};

/* ---- frame_levels.c ---- */

void partreg_levels_clear(partreg_levels *lv);

/* Levels observed in table column j over rows[0..n): a categorical column
 * gives its level names (code order if labelled, byte order otherwise); a
 * numeric column its distinct values in numeric order, named as R prints
 * them. PARTREG_OK or PARTREG_ENOMEM. */
partreg_status partreg_levels_observed(const partreg_table *t, size_t j, const size_t *rows,
                                       size_t n, partreg_levels *out, partreg_error *err);

/* Map table column j over rows[0..n) onto the level list: lev[i] = level
 * index, or -1 where the cell is missing. A categorical column matches by
 * name; a numeric one by value when lv->values is set, else by its printed
 * name. PARTREG_OK; PARTREG_EDATA with *bad = the first row (index into
 * rows) whose value is not a level (no message: the caller writes it);
 * PARTREG_ENOMEM. */
partreg_status partreg_levels_map(const partreg_table *t, size_t j, const size_t *rows, size_t n,
                                  const partreg_levels *lv, int *lev, size_t *bad,
                                  partreg_error *err);

/* Printable value of table cell (row r, column j) into buf. */
void partreg_frame_cell_text(const partreg_table *t, size_t j, size_t r, char *buf, size_t size);

/* Outcome levels and codes (family not yet decided): fills fr->outcome and
 * fr->y from column j. */
partreg_status partreg_frame_outcome(partreg_frame *fr, const partreg_table *t, size_t j,
                                     const partreg_frame_options *opt, partreg_error *err);

/* Message for a categorical column used as a number (PARTREG_EDATA). */
partreg_status partreg_frame_not_numeric(const partreg_table *t, size_t j, const char *usage,
                                         partreg_error *err);

/* ---- frame_design.c ---- */

/* Columns, names and variable-to-column lists from the variables' codings.
 * PARTREG_OK, PARTREG_EDATA (a categorical variable with one level),
 * PARTREG_ENOMEM. */
partreg_status partreg_frame_layout(partreg_frame *fr, partreg_error *err);

/* Fill fr->X from the variables' values on `threads` threads (0 = all
 * cores; fewer below 65,536 rows per thread); X is the same for every
 * count. fr->X is allocated when NULL, else it is the caller's memory of
 * n x p doubles at least. t (for line numbers in messages) may be NULL. PARTREG_OK,
 * PARTREG_EDATA (a non-finite expression: the first row, then the first
 * atom), PARTREG_ENOMEM. */
partreg_status partreg_frame_build_X(partreg_frame *fr, const partreg_table *t, int threads,
                                     partreg_error *err);

/* How a variable enters the design row: what a caller that changes one
 * variable of a row of X, instead of rebuilding the row, may write
 * (partreg_frame_variable_entry). */
typedef enum partreg_frame_entry_kind {
    PARTREG_ENTRY_OTHER,     /* through an interaction or a transformed term */
    PARTREG_ENTRY_LINEAR,    /* numeric, in one column of its own holding its value
                              * (dx/dv is that column's unit vector on every row) */
    PARTREG_ENTRY_INDICATORS /* categorical, in one term of its own: the row holds
                              * 1.0 in the column of its level and 0 in the term's
                              * other columns (partreg_frame_level_column) */
} partreg_frame_entry_kind;

typedef struct partreg_frame_entry {
    partreg_frame_entry_kind kind;
    size_t first;  /* LINEAR: its column; INDICATORS: the first column of its term */
    size_t n_cols; /* columns of the term (1 for LINEAR) */
} partreg_frame_entry;

/* How variable v (< the formula's variables) enters the design row. */
partreg_frame_entry partreg_frame_variable_entry(const partreg_frame *fr, size_t v);

/* The column that holds 1.0 when categorical variable v (of kind
 * PARTREG_ENTRY_INDICATORS) is at level l, or -1 when that level has no
 * column (the reference under treatment coding). */
long partreg_frame_level_column(const partreg_frame *fr, size_t v, size_t l);

/* ---- frame_create.c ---- */

/* As partreg_frame_create(), for a table the caller frees right after (on
 * success or not) without reading it again: numeric columns that serve one
 * variable alone are taken from it instead of copied when no row is
 * dropped (the analysis pipeline: one copy of 8 n bytes fewer per
 * variable). The frame is the same as partreg_frame_create() gives. */
partreg_status partreg_frame_create_taking(partreg_table *table, const partreg_formula *f,
                                           const partreg_frame_options *opt, partreg_frame **out,
                                           partreg_error *err);

/* ---- frame_parts.c ---- */

/* The formula f with the terms of `scale` (the right-hand side of a
 * formula: "z + w") that f does not have appended, into *out, and one flag
 * per term of *out saying whether it enters the scale (malloc'd, into
 * *term_scale). PARTREG_OK; PARTREG_EFORMULA (a malformed scale formula,
 * with positions in `scale`; no terms; the outcome among them);
 * PARTREG_ENOMEM. */
partreg_status partreg_formula_add_scale(const partreg_formula *f, const char *scale,
                                         partreg_formula **out, unsigned char **term_scale,
                                         partreg_error *err);

/* The location columns that `list` ("x + V": variables or terms of the
 * formula) selects, ascending, into a malloc'd *cols of *n entries.
 * `option` names the list in messages ("--nominal"). PARTREG_OK;
 * PARTREG_EFORMULA (malformed list, no entries); PARTREG_ENOTFOUND (an
 * entry is neither a variable nor a term of the formula); PARTREG_ENOMEM. */
partreg_status partreg_frame_select_columns(const partreg_frame *fr, const char *option,
                                            const char *list, size_t **cols, size_t *n,
                                            partreg_error *err);

/* ---- frame_survey.c ---- */

/* 1 when opt names any survey design column. */
int partreg_frame_options_have_survey(const partreg_frame_options *opt);

/* Find the survey columns of opt in t (fr->survey is made), check their
 * types and the options that do not combine with a design, and append
 * the columns to *used (reallocated) for listwise deletion. Nothing is
 * done without survey options. */
partreg_status partreg_frame_survey_find(partreg_frame *fr, const partreg_table *t,
                                         const partreg_frame_options *opt, size_t **used,
                                         size_t *n_used, partreg_error *err);

/* Code the survey columns over the rows used (after listwise deletion);
 * fr->w becomes the fit weights (sampling weights, 0 outside the
 * subpopulation). */
partreg_status partreg_frame_survey_code(partreg_frame *fr, const partreg_table *t,
                                         const partreg_frame_options *opt, partreg_error *err);

void partreg_frame_survey_free(partreg_frame_survey *s);

/* The survey columns of rows of a table read in blocks (frame_stream.c),
 * coded as partreg_frame_survey_code codes them: NULL for a column not
 * given; fitw the fit weights. */
typedef struct partreg_frame_survey_rows {
    double *sw, *fpc, *fitw;
    size_t *stratum;       /* codes of the coding frame's strata levels */
    size_t *psu;           /* PSU codes (frame_stream.c: first appearance in the file) */
    unsigned char *domain; /* 1 inside the subpopulation */
} partreg_frame_survey_rows;

/* Code rows[0..m) of table t (a block with the file's columns) by the
 * coding frame's survey columns and strata levels, into out (m entries
 * each, malloc'ed; free with partreg_frame_survey_rows_free). Errors name
 * the line, as partreg_frame_survey_code's do. */
partreg_status partreg_frame_survey_code_rows(const partreg_frame *coding, const partreg_table *t,
                                              const size_t *rows, size_t m,
                                              const partreg_frame_options *opt,
                                              partreg_frame_survey_rows *out, partreg_error *err);
void partreg_frame_survey_rows_free(partreg_frame_survey_rows *r);

/* Whether a text cell is in the subpopulation of --subpop "V=level" (level
 * given) or of a 0/1 column (level NULL): 1, 0, or -1 for a text that is
 * not 0/1, false/true or no/yes. */
int partreg_frame_subpop_text(const char *level, const char *text);

/* ---- frame.c ---- */

/* An empty frame holding a private copy of formula f. */
partreg_status partreg_frame_alloc(const partreg_formula *f, partreg_frame **out,
                                   partreg_error *err);

#endif
