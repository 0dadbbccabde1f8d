/* Compiled numeric expressions of a formula (the insides of I(), log(),
 * exp(), sqrt()): postfix code evaluated per row with forward-mode
 * derivatives. Private to lib/. */
#ifndef PARTREG_FRAME_EXPR_H
#define PARTREG_FRAME_EXPR_H

#include <stddef.h>

#include "partreg.h"

/* Deepest evaluation stack an expression may need; the parser refuses
 * deeper expressions, so evaluation never allocates. */
#define PARTREG_EXPR_MAX_STACK 64

typedef enum partreg_expr_op {
    PARTREG_EXPR_CONST, /* push value */
    PARTREG_EXPR_VAR,   /* push variable `var` (formula variable index) */
    PARTREG_EXPR_NEG,
    PARTREG_EXPR_ADD,
    PARTREG_EXPR_SUB,
    PARTREG_EXPR_MUL,
    PARTREG_EXPR_DIV,
    PARTREG_EXPR_POW,
    PARTREG_EXPR_LOG,
    PARTREG_EXPR_EXP,
    PARTREG_EXPR_SQRT
} partreg_expr_op;

typedef struct partreg_expr_instr {
    partreg_expr_op op;
    size_t var;   /* PARTREG_EXPR_VAR */
    double value; /* PARTREG_EXPR_CONST */
} partreg_expr_instr;

typedef struct partreg_expr {
    partreg_expr_instr *ins;
    size_t n, cap;
    size_t depth;     /* stack depth after the code so far (compile time) */
    size_t max_depth; /* deepest stack the code needs */
} partreg_expr;

/* Append one instruction, tracking the stack depth. PARTREG_OK or
 * PARTREG_ENOMEM (the code is unchanged). */
partreg_status partreg_expr_emit(partreg_expr *e, partreg_expr_op op, size_t var, double value);

/* Release the code (the struct itself is the caller's). */
void partreg_expr_clear(partreg_expr *e);

/* The value at the variable values vals[] (indexed by formula variable).
 * If dvar >= 0, *der is d(expression)/d(variable dvar), else *der is 0.
 * Non-finite results are returned as they are (the caller reports them);
 * code that is not a balanced expression (never emitted by the parser)
 * gives NaN. */
double partreg_expr_eval(const partreg_expr *e, const double *vals, long dvar, double *der);

/* 1 if the expression reads variable v. */
int partreg_expr_uses(const partreg_expr *e, size_t v);

#endif
