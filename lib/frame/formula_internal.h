/* The parsed formula as the model frame reads it: the outcome, the distinct
 * right-hand-side variables, the atoms (variables, factor(v), compiled
 * expressions) and the terms (ordered lists of atoms). Private to lib/. */
#ifndef PARTREG_FRAME_FORMULA_INTERNAL_H
#define PARTREG_FRAME_FORMULA_INTERNAL_H

#include <stddef.h>

#include "frame/expr.h"
#include "partreg_formula.h"

/* Most atoms one interaction term may multiply. */
#define PARTREG_FORMULA_MAX_ORDER 8
/* Most terms a formula may expand to ((a+b+c)^3 and friends). */
#define PARTREG_FORMULA_MAX_TERMS 4096

typedef enum partreg_atom_kind {
    PARTREG_ATOM_VAR,    /* a bare column: numeric or categorical by its type */
    PARTREG_ATOM_FACTOR, /* factor(v): always categorical */
    PARTREG_ATOM_EXPR    /* I(...), log(...), exp(...), sqrt(...): numeric */
} partreg_atom_kind;

typedef struct partreg_atom {
    partreg_atom_kind kind;
    char *text;        /* term text without spaces; for VAR/FACTOR the variable name is vars[var] */
    size_t var;        /* VAR and FACTOR: index into partreg_formula.vars */
    partreg_expr expr; /* EXPR: compiled code */
    long pos;          /* 1-based character position in the formula */
} partreg_atom;

typedef struct partreg_term {
    size_t atoms[PARTREG_FORMULA_MAX_ORDER]; /* indices into partreg_formula.atoms, formula order */
    size_t n_atoms;
    char *label; /* atom texts joined by ':' */
    long pos;
} partreg_term;

struct partreg_formula {
    char *text;     /* the formula as given */
    char *response; /* outcome column name */
    long response_pos;
    int has_intercept;
    char **vars; /* distinct right-hand-side column names, first appearance first */
    long *var_pos;
    size_t n_vars;
    partreg_atom *atoms;
    size_t n_atoms;
    partreg_term *terms;
    size_t n_terms;
    char *group;    /* grouping column of the random-intercept term (1 | G), or NULL */
    long group_pos; /* its 1-based character position */
};

/* Tokens of the formula language. */
typedef enum partreg_tok_kind {
    PARTREG_TOK_END,
    PARTREG_TOK_IDENT,  /* name or `quoted name` */
    PARTREG_TOK_NUMBER,
    PARTREG_TOK_TILDE,
    PARTREG_TOK_PLUS,
    PARTREG_TOK_MINUS,
    PARTREG_TOK_STAR,
    PARTREG_TOK_SLASH,
    PARTREG_TOK_CARET,
    PARTREG_TOK_COLON,
    PARTREG_TOK_LPAREN,
    PARTREG_TOK_RPAREN,
    PARTREG_TOK_COMMA,
    PARTREG_TOK_PIPE    /* '|' of a random-intercept term (1 | G) */
} partreg_tok_kind;

typedef struct partreg_token {
    partreg_tok_kind kind;
    size_t start, len;       /* bytes in the formula text (backticks included) */
    size_t name_start, name_len; /* IDENT: the name without backticks */
    double value;            /* NUMBER */
    long pos;                /* 1-based character position */
} partreg_token;

/* Split text into tokens (ending with one PARTREG_TOK_END). On success
 * *toks is a new array of *n tokens owned by the caller (free()).
 * PARTREG_EFORMULA (unexpected character, unterminated backtick, empty
 * backtick name) with the position, or PARTREG_ENOMEM. */
partreg_status partreg_formula_lex(const char *text, partreg_token **toks, size_t *n,
                                   partreg_error *err);

/* 1-based character (UTF-8 code point) position of byte offset `off`. */
long partreg_formula_char_pos(const char *text, size_t off);

/* Release everything a (possibly half-built) formula owns, and the formula. */
void partreg_formula_destroy(partreg_formula *f);

#endif
