/* Evaluation of compiled formula expressions with forward-mode automatic
 * differentiation: every stack slot holds a pair (u, u') where u' is the
 * derivative with respect to one chosen variable, propagated by the usual
 * rules:
 *   (u +- v)' = u' +- v'          (u v)' = u' v + u v'
 *   (u / v)'  = (u' v - u v') / v^2
 *   (u^v)'    = v u^(v-1) u'                      when v' = 0
 *             = u^v (v' log u + v u' / u)          otherwise
 *   log(u)'   = u'/u,  exp(u)' = exp(u) u',  sqrt(u)' = u' / (2 sqrt(u)).
 * Terms whose factor u' or v' is exactly zero are skipped, so a constant
 * power of a negative number (I(x^2) at x < 0) keeps a finite derivative. */
#include "frame/expr.h"

#include <math.h>
#include <stdlib.h>

partreg_status partreg_expr_emit(partreg_expr *e, partreg_expr_op op, size_t var, double value)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 8;
        partreg_expr_instr *ins = realloc(e->ins, cap * sizeof *ins);
        if (!ins)
            return PARTREG_ENOMEM;
        e->ins = ins;
        e->cap = cap;
    }
    e->ins[e->n].op = op;
    e->ins[e->n].var = var;
    e->ins[e->n].value = value;
    e->n++;
    switch (op) {
    case PARTREG_EXPR_CONST:
    case PARTREG_EXPR_VAR:
        e->depth++;
        break;
    case PARTREG_EXPR_ADD:
    case PARTREG_EXPR_SUB:
    case PARTREG_EXPR_MUL:
    case PARTREG_EXPR_DIV:
    case PARTREG_EXPR_POW:
        e->depth--;
        break;
    default:
        break;
    }
    if (e->depth > e->max_depth)
        e->max_depth = e->depth;
    return PARTREG_OK;
}

void partreg_expr_clear(partreg_expr *e)
{
    free(e->ins);
    e->ins = NULL;
    e->n = e->cap = e->depth = e->max_depth = 0;
}

int partreg_expr_uses(const partreg_expr *e, size_t v)
{
    for (size_t k = 0; k < e->n; k++)
        if (e->ins[k].op == PARTREG_EXPR_VAR && e->ins[k].var == v)
            return 1;
    return 0;
}

/* Stack slots an instruction pops. */
static size_t expr_pops(partreg_expr_op op)
{
    switch (op) {
    case PARTREG_EXPR_CONST:
    case PARTREG_EXPR_VAR:
        return 0;
    case PARTREG_EXPR_NEG:
    case PARTREG_EXPR_LOG:
    case PARTREG_EXPR_EXP:
    case PARTREG_EXPR_SQRT:
        return 1;
    default:
        return 2;
    }
}

double partreg_expr_eval(const partreg_expr *e, const double *vals, long dvar, double *der)
{
    double u[PARTREG_EXPR_MAX_STACK], d[PARTREG_EXPR_MAX_STACK];
    size_t top = 0; /* number of slots in use */
    for (size_t k = 0; k < e->n; k++) {
        const partreg_expr_instr *in = &e->ins[k];
        double a, da, b, db;
        /* the parser emits balanced code no deeper than the stack; this
         * check only keeps other code from reading outside it */
        if (top < expr_pops(in->op) || (top == PARTREG_EXPR_MAX_STACK && !expr_pops(in->op))) {
            *der = NAN;
            return NAN;
        }
        switch (in->op) {
        case PARTREG_EXPR_CONST:
            u[top] = in->value;
            d[top++] = 0.0;
            break;
        case PARTREG_EXPR_VAR:
            u[top] = vals[in->var];
            d[top++] = (dvar >= 0 && in->var == (size_t)dvar) ? 1.0 : 0.0;
            break;
        case PARTREG_EXPR_NEG:
            u[top - 1] = -u[top - 1];
            d[top - 1] = -d[top - 1];
            break;
        case PARTREG_EXPR_LOG:
            a = u[top - 1];
            da = d[top - 1];
            u[top - 1] = log(a);
            d[top - 1] = da != 0.0 ? da / a : 0.0;
            break;
        case PARTREG_EXPR_EXP:
            a = exp(u[top - 1]);
            u[top - 1] = a;
            d[top - 1] = d[top - 1] != 0.0 ? a * d[top - 1] : 0.0;
            break;
        case PARTREG_EXPR_SQRT:
            a = sqrt(u[top - 1]);
            u[top - 1] = a;
            d[top - 1] = d[top - 1] != 0.0 ? d[top - 1] / (2.0 * a) : 0.0;
            break;
        default: /* binary operators */
            top--;
            a = u[top - 1];
            da = d[top - 1];
            b = u[top];
            db = d[top];
            switch (in->op) {
            case PARTREG_EXPR_ADD:
                u[top - 1] = a + b;
                d[top - 1] = da + db;
                break;
            case PARTREG_EXPR_SUB:
                u[top - 1] = a - b;
                d[top - 1] = da - db;
                break;
            case PARTREG_EXPR_MUL:
                u[top - 1] = a * b;
                d[top - 1] = (da != 0.0 ? da * b : 0.0) + (db != 0.0 ? a * db : 0.0);
                break;
            case PARTREG_EXPR_DIV:
                u[top - 1] = a / b;
                d[top - 1] = (da != 0.0 ? da / b : 0.0) - (db != 0.0 ? a * db / (b * b) : 0.0);
                break;
            default: { /* PARTREG_EXPR_POW */
                double p = b == 2.0 ? a * a : pow(a, b), dp = 0.0;
                if (db == 0.0) {
                    if (da != 0.0)
                        dp = (b == 2.0 ? 2.0 * a : b * pow(a, b - 1.0)) * da;
                } else {
                    dp = p * (db * log(a) + (da != 0.0 ? b * da / a : 0.0));
                }
                u[top - 1] = p;
                d[top - 1] = dp;
                break;
            }
            }
            break;
        }
    }
    if (top != 1) { /* malformed code: no value */
        *der = NAN;
        return NAN;
    }
    *der = d[0];
    return u[0];
}
