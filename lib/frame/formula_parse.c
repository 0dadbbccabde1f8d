/* Recursive-descent parser of model formulas: the outcome, then the term
 * algebra of the right-hand side (Wilkinson & Rogers 1973, as R implements
 * it in terms.formula):
 *
 *   sum   := ['+'|'-'] prod (('+'|'-') prod)*      A + B union, A - B removal
 *   prod  := inter ('*' inter)*                    A*B = A + B + A:B
 *   inter := power (':' power)*                    A:B = {a:b for a in A, b in B}
 *   power := primary ['^' integer]                 (A)^k = A*A*...*A (groups only)
 *   primary := '(' sum ')' | 0 | 1 | name | factor(name)
 *            | I(expr) | log(expr) | exp(expr) | sqrt(expr)
 *            | '(' 1 '|' name ')'                random intercept (one, on its own)
 *
 * and the arithmetic inside I() and the functions:
 *
 *   expr  := mul (('+'|'-') mul)*      mul := unary (('*'|'/') unary)*
 *   unary := ('-'|'+') unary | pow     pow := atom ['^' unary]
 *   atom  := number | name | '(' expr ')' | log|exp|sqrt '(' expr ')'
 *
 * (so -x^2 = -(x^2) and 2^-1 = 0.5, as in R). Expressions compile to
 * postfix code (frame/expr.h). Terms are sets of atoms; a term written out
 * twice is an error, duplicates made by '*' and '^' merge as in R. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "frame/formula_internal.h"

/* Deepest recursion the parser allows (parentheses, unary operators). */
#define MAX_NESTING 200

typedef struct fterm {
    size_t atoms[PARTREG_FORMULA_MAX_ORDER];
    size_t n;
    int explicit_; /* written out by the user rather than made by '*' or '^' */
    long pos;
} fterm;

typedef struct tset {
    fterm *t;
    size_t n, cap;
    int literal; /* the operand was a bare number (intercept marker) */
    int random;  /* the operand was the random-intercept term (1 | G) */
    long random_pos;
    double lit_value;
    long lit_pos;
    size_t lit_tok;
} tset;

typedef struct parser {
    const char *text;
    partreg_token *toks;
    size_t n_toks, i;
    partreg_formula *f;
    partreg_error *err;
    int nesting;
    int group_depth;
} parser;

/* ---- errors ------------------------------------------------------------ */

static partreg_status fail_at(parser *p, long pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static partreg_status fail_at(parser *p, long pos, const char *fmt, ...)
{
    char msg[PARTREG_ERROR_MESSAGE_SIZE - 16];
    va_list ap;
    va_start(ap, fmt);
    /* clang-tidy 14 forgets the va_start above in every translation unit
     * after the first it analyses in one run. */
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return partreg_error_set_at(p->err, PARTREG_EFORMULA, 0, pos, "formula: %s", msg);
}

static partreg_status oom(parser *p)
{
    partreg_error_set(p->err, PARTREG_ENOMEM, "out of memory parsing the formula");
    return PARTREG_ENOMEM; /* a constant, so callers see that outputs are unset */
}

static const partreg_token *cur(const parser *p)
{
    return &p->toks[p->i];
}

static partreg_tok_kind cur_kind(const parser *p)
{
    return p->toks[p->i].kind;
}

/* Printable form of a token for messages. */
#define TOK_FMT "'%.*s'"
#define TOK_ARG(p, t) (int)((t)->len > 40 ? 40 : (t)->len), (p)->text + (t)->start

static int is_binary_op(partreg_tok_kind k)
{
    return k == PARTREG_TOK_PLUS || k == PARTREG_TOK_MINUS || k == PARTREG_TOK_STAR ||
           k == PARTREG_TOK_SLASH || k == PARTREG_TOK_CARET || k == PARTREG_TOK_COLON ||
           k == PARTREG_TOK_TILDE || k == PARTREG_TOK_COMMA;
}

/* An operand was expected at the current token and is missing. */
static partreg_status fail_operand(parser *p, const char *what)
{
    const partreg_token *t = cur(p);
    const partreg_token *prev = p->i > 0 ? &p->toks[p->i - 1] : NULL;
    if (t->kind == PARTREG_TOK_END && prev && is_binary_op(prev->kind))
        return fail_at(p, prev->pos,
                       "the formula ends with " TOK_FMT " at position %ld: %s is missing after it",
                       TOK_ARG(p, prev), prev->pos, what);
    if (t->kind == PARTREG_TOK_END)
        return fail_at(p, t->pos, "the formula ends where %s is expected (position %ld)", what,
                       t->pos);
    if (t->kind == PARTREG_TOK_RPAREN && prev && prev->kind == PARTREG_TOK_LPAREN)
        return fail_at(p, prev->pos, "empty parentheses '()' at position %ld", prev->pos);
    if (t->kind == PARTREG_TOK_TILDE)
        return fail_at(p, t->pos, "unexpected second '~' at position %ld", t->pos);
    return fail_at(p, t->pos, "unexpected " TOK_FMT " at position %ld: %s is expected there",
                   TOK_ARG(p, t), t->pos, what);
}

/* ---- variables and atoms --------------------------------------------- */

static partreg_status check_not_response(parser *p, const partreg_token *t)
{
    const partreg_formula *f = p->f;
    if (strlen(f->response) == t->name_len &&
        memcmp(f->response, p->text + t->name_start, t->name_len) == 0)
        return fail_at(p, t->pos,
                       "the outcome '%s' also appears on the right-hand side at position %ld",
                       f->response, t->pos);
    return PARTREG_OK;
}

/* Index of variable named by IDENT token t, adding it when new. */
static partreg_status add_var(parser *p, const partreg_token *t, size_t *out)
{
    partreg_formula *f = p->f;
    partreg_status st = check_not_response(p, t);
    if (st)
        return st;
    for (size_t v = 0; v < f->n_vars; v++)
        if (strlen(f->vars[v]) == t->name_len &&
            memcmp(f->vars[v], p->text + t->name_start, t->name_len) == 0) {
            *out = v;
            return PARTREG_OK;
        }
    char **vars = realloc(f->vars, (f->n_vars + 1) * sizeof *vars);
    if (!vars)
        return oom(p);
    f->vars = vars;
    long *vp = realloc(f->var_pos, (f->n_vars + 1) * sizeof *vp);
    if (!vp)
        return oom(p);
    f->var_pos = vp;
    char *name = malloc(t->name_len + 1);
    if (!name)
        return oom(p);
    memcpy(name, p->text + t->name_start, t->name_len);
    name[t->name_len] = '\0';
    f->vars[f->n_vars] = name;
    f->var_pos[f->n_vars] = t->pos;
    *out = f->n_vars++;
    return PARTREG_OK;
}

/* Source text of tokens [a, b] with the spaces between them removed. */
static char *join_tokens(const parser *p, size_t a, size_t b)
{
    size_t len = 0;
    for (size_t k = a; k <= b; k++)
        len += p->toks[k].len;
    char *s = malloc(len + 1), *w = s;
    if (!s)
        return NULL;
    for (size_t k = a; k <= b; k++) {
        memcpy(w, p->text + p->toks[k].start, p->toks[k].len);
        w += p->toks[k].len;
    }
    *w = '\0';
    return s;
}

/* Add an atom (taking ownership of text and expr, even on failure); the
 * same kind and text as an existing atom gives the existing index. */
static partreg_status add_atom(parser *p, partreg_atom_kind kind, char *text, size_t var,
                               partreg_expr *expr, long pos, size_t *out)
{
    partreg_formula *f = p->f;
    for (size_t a = 0; a < f->n_atoms; a++)
        if (f->atoms[a].kind == kind && strcmp(f->atoms[a].text, text) == 0) {
            free(text);
            if (expr)
                partreg_expr_clear(expr);
            *out = a;
            return PARTREG_OK;
        }
    partreg_atom *atoms = realloc(f->atoms, (f->n_atoms + 1) * sizeof *atoms);
    if (!atoms) {
        free(text);
        if (expr)
            partreg_expr_clear(expr);
        return oom(p);
    }
    f->atoms = atoms;
    partreg_atom *at = &atoms[f->n_atoms];
    memset(at, 0, sizeof *at);
    at->kind = kind;
    at->text = text;
    at->var = var;
    at->pos = pos;
    if (expr)
        at->expr = *expr;
    *out = f->n_atoms++;
    return PARTREG_OK;
}

/* ---- term sets --------------------------------------------------------- */

static void tset_free(tset *s)
{
    free(s->t);
    memset(s, 0, sizeof *s);
}

static const char *atom_label(const partreg_formula *f, size_t a)
{
    const partreg_atom *at = &f->atoms[a];
    return at->kind == PARTREG_ATOM_VAR ? f->vars[at->var] : at->text;
}

static void fterm_label(const parser *p, const fterm *t, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < t->n && used < size; k++) {
        int w = snprintf(buf + used, size - used, "%s%s", k ? ":" : "",
                         atom_label(p->f, t->atoms[k]));
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static int fterm_has(const fterm *t, size_t atom)
{
    for (size_t k = 0; k < t->n; k++)
        if (t->atoms[k] == atom)
            return 1;
    return 0;
}

static int fterm_equal(const fterm *a, const fterm *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t k = 0; k < a->n; k++)
        if (!fterm_has(b, a->atoms[k]))
            return 0;
    return 1;
}

static long tset_find(const tset *s, const fterm *t)
{
    for (size_t k = 0; k < s->n; k++)
        if (fterm_equal(&s->t[k], t))
            return (long)k;
    return -1;
}

/* Add t to s. strict: a term written out twice is an error; otherwise (and
 * for terms made by '*' and '^') the duplicate merges into the first. */
static partreg_status tset_add(parser *p, tset *s, const fterm *t, int strict)
{
    long k = tset_find(s, t);
    if (k >= 0) {
        if (strict && t->explicit_ && s->t[k].explicit_) {
            char a[160], b[160];
            fterm_label(p, t, a, sizeof a);
            fterm_label(p, &s->t[k], b, sizeof b);
            if (strcmp(a, b) == 0)
                return fail_at(p, t->pos, "the term '%s' at position %ld is repeated (first at "
                               "position %ld)", a, t->pos, s->t[k].pos);
            return fail_at(p, t->pos, "the term '%s' at position %ld repeats '%s' (position %ld)",
                           a, t->pos, b, s->t[k].pos);
        }
        return PARTREG_OK;
    }
    if (s->n == PARTREG_FORMULA_MAX_TERMS)
        return fail_at(p, t->pos, "the formula expands to more than %d terms",
                       PARTREG_FORMULA_MAX_TERMS);
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        fterm *nt = realloc(s->t, cap * sizeof *nt);
        if (!nt)
            return oom(p);
        s->t = nt;
        s->cap = cap;
    }
    s->t[s->n++] = *t;
    return PARTREG_OK;
}

/* out = a:b. explicit_mode (the ':' operator): an atom in both is an error;
 * otherwise ('*', '^') it merges as in R (a:a = a). */
static partreg_status fterm_join(parser *p, const fterm *a, const fterm *b, int explicit_mode,
                                 long op_pos, fterm *out)
{
    *out = *a;
    for (size_t k = 0; k < b->n; k++) {
        if (fterm_has(a, b->atoms[k])) {
            if (explicit_mode)
                return fail_at(p, op_pos,
                               "'%s' appears twice in the interaction at position %ld (use "
                               "I(%s^2) for a square)",
                               atom_label(p->f, b->atoms[k]), op_pos,
                               atom_label(p->f, b->atoms[k]));
            continue;
        }
        if (out->n == PARTREG_FORMULA_MAX_ORDER)
            return fail_at(p, op_pos, "an interaction at position %ld has more than %d parts",
                           op_pos, PARTREG_FORMULA_MAX_ORDER);
        out->atoms[out->n++] = b->atoms[k];
    }
    out->explicit_ = explicit_mode && a->explicit_ && b->explicit_;
    if (!explicit_mode) /* expansions list the parts in formula order, as R does */
        for (size_t k = 1; k < out->n; k++)
            for (size_t j = k; j > 0 && out->atoms[j - 1] > out->atoms[j]; j--) {
                size_t tmp = out->atoms[j];
                out->atoms[j] = out->atoms[j - 1];
                out->atoms[j - 1] = tmp;
            }
    return PARTREG_OK;
}

/* out = A*B = A + B + A:B, every term implicit. */
static partreg_status tset_cross(parser *p, const tset *a, const tset *b, long op_pos, tset *out)
{
    partreg_status st = PARTREG_OK;
    memset(out, 0, sizeof *out);
    for (size_t k = 0; k < a->n && !st; k++) {
        fterm t = a->t[k];
        t.explicit_ = 0;
        st = tset_add(p, out, &t, 0);
    }
    for (size_t k = 0; k < b->n && !st; k++) {
        fterm t = b->t[k];
        t.explicit_ = 0;
        st = tset_add(p, out, &t, 0);
    }
    for (size_t j = 0; j < b->n && !st; j++)
        for (size_t k = 0; k < a->n && !st; k++) {
            fterm t;
            st = fterm_join(p, &a->t[k], &b->t[j], 0, op_pos, &t);
            if (!st)
                st = tset_add(p, out, &t, 0);
        }
    if (st)
        tset_free(out);
    return st;
}

/* ---- arithmetic expressions (inside I() and functions) ---------------- */

static partreg_status parse_expr(parser *p, partreg_expr *e);

static partreg_status emit(parser *p, partreg_expr *e, partreg_expr_op op, size_t var, double v)
{
    return partreg_expr_emit(e, op, var, v) ? oom(p) : PARTREG_OK;
}

static int function_op(const parser *p, const partreg_token *t, partreg_expr_op *op)
{
    static const struct {
        const char *name;
        partreg_expr_op op;
    } fns[] = {{"log", PARTREG_EXPR_LOG}, {"exp", PARTREG_EXPR_EXP}, {"sqrt", PARTREG_EXPR_SQRT}};
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++)
        if (t->len == strlen(fns[k].name) && memcmp(p->text + t->start, fns[k].name, t->len) == 0) {
            *op = fns[k].op;
            return 1;
        }
    return 0;
}

static partreg_status fail_unknown_function(parser *p, const partreg_token *t)
{
    return fail_at(p, t->pos,
                   "unknown function " TOK_FMT " at position %ld (known: factor(), I(), log(), "
                   "exp(), sqrt())",
                   TOK_ARG(p, t), t->pos);
}

/* Expect ')' closing the '(' at token index open. */
static partreg_status expect_close(parser *p, size_t open, const char *inside)
{
    if (cur_kind(p) == PARTREG_TOK_RPAREN) {
        p->i++;
        return PARTREG_OK;
    }
    const partreg_token *o = &p->toks[open], *t = cur(p);
    if (t->kind == PARTREG_TOK_END)
        return fail_at(p, o->pos, "the '(' at position %ld is never closed", o->pos);
    return fail_at(p, t->pos, "unexpected " TOK_FMT " at position %ld%s%s: expected ')' to close "
                   "the '(' at position %ld",
                   TOK_ARG(p, t), t->pos, inside ? " inside " : "", inside ? inside : "", o->pos);
}

static partreg_status parse_expr_atom(parser *p, partreg_expr *e)
{
    const partreg_token *t = cur(p);
    partreg_status st;
    if (t->kind == PARTREG_TOK_NUMBER) {
        p->i++;
        return emit(p, e, PARTREG_EXPR_CONST, 0, t->value);
    }
    if (t->kind == PARTREG_TOK_LPAREN) {
        size_t open = p->i++;
        if ((st = parse_expr(p, e)))
            return st;
        return expect_close(p, open, NULL);
    }
    if (t->kind == PARTREG_TOK_IDENT) {
        if (p->toks[p->i + 1].kind == PARTREG_TOK_LPAREN && t->name_start == t->start) {
            partreg_expr_op op;
            if (!function_op(p, t, &op))
                return fail_unknown_function(p, t);
            size_t open = p->i + 1;
            p->i += 2;
            if ((st = parse_expr(p, e)) || (st = expect_close(p, open, NULL)))
                return st;
            return emit(p, e, op, 0, 0.0);
        }
        size_t v;
        if ((st = add_var(p, t, &v)))
            return st;
        p->i++;
        return emit(p, e, PARTREG_EXPR_VAR, v, 0.0);
    }
    return fail_operand(p, "a number or a column");
}

static partreg_status parse_expr_unary(parser *p, partreg_expr *e);

static partreg_status parse_expr_pow(parser *p, partreg_expr *e)
{
    partreg_status st = parse_expr_atom(p, e);
    if (st || cur_kind(p) != PARTREG_TOK_CARET)
        return st;
    p->i++;
    if ((st = parse_expr_unary(p, e)))
        return st;
    return emit(p, e, PARTREG_EXPR_POW, 0, 0.0);
}

static partreg_status parse_expr_unary(parser *p, partreg_expr *e)
{
    if (++p->nesting > MAX_NESTING)
        return fail_at(p, cur(p)->pos, "the expression at position %ld is nested too deeply",
                       cur(p)->pos);
    partreg_status st;
    if (cur_kind(p) == PARTREG_TOK_MINUS) {
        p->i++;
        st = parse_expr_unary(p, e);
        if (!st)
            st = emit(p, e, PARTREG_EXPR_NEG, 0, 0.0);
    } else if (cur_kind(p) == PARTREG_TOK_PLUS) {
        p->i++;
        st = parse_expr_unary(p, e);
    } else {
        st = parse_expr_pow(p, e);
    }
    p->nesting--;
    return st;
}

static partreg_status parse_expr_mul(parser *p, partreg_expr *e)
{
    partreg_status st = parse_expr_unary(p, e);
    while (!st && (cur_kind(p) == PARTREG_TOK_STAR || cur_kind(p) == PARTREG_TOK_SLASH)) {
        partreg_expr_op op = cur_kind(p) == PARTREG_TOK_STAR ? PARTREG_EXPR_MUL : PARTREG_EXPR_DIV;
        p->i++;
        st = parse_expr_unary(p, e);
        if (!st)
            st = emit(p, e, op, 0, 0.0);
    }
    return st;
}

static partreg_status parse_expr(parser *p, partreg_expr *e)
{
    if (++p->nesting > MAX_NESTING)
        return fail_at(p, cur(p)->pos, "the expression at position %ld is nested too deeply",
                       cur(p)->pos);
    partreg_status st = parse_expr_mul(p, e);
    while (!st && (cur_kind(p) == PARTREG_TOK_PLUS || cur_kind(p) == PARTREG_TOK_MINUS)) {
        partreg_expr_op op = cur_kind(p) == PARTREG_TOK_PLUS ? PARTREG_EXPR_ADD : PARTREG_EXPR_SUB;
        p->i++;
        st = parse_expr_mul(p, e);
        if (!st)
            st = emit(p, e, op, 0, 0.0);
    }
    p->nesting--;
    return st;
}

/* ---- terms ------------------------------------------------------------- */

static partreg_status parse_sum(parser *p, tset *out);

static partreg_status single_atom(parser *p, size_t atom, long pos, tset *out)
{
    fterm t;
    memset(&t, 0, sizeof t);
    t.atoms[0] = atom;
    t.n = 1;
    t.explicit_ = 1;
    t.pos = pos;
    return tset_add(p, out, &t, 1);
}

/* name( ... ) as a term: factor(), I(), log(), exp(), sqrt(). */
static partreg_status parse_call(parser *p, tset *out)
{
    size_t first = p->i, open = p->i + 1;
    const partreg_token *fn = cur(p);
    const char *name = p->text + fn->start;
    partreg_status st;
    size_t atom;
    if (fn->len == 6 && memcmp(name, "factor", 6) == 0) {
        p->i += 2;
        const partreg_token *arg = cur(p);
        if (arg->kind != PARTREG_TOK_IDENT || p->toks[p->i + 1].kind == PARTREG_TOK_LPAREN)
            return fail_at(p, arg->pos, "factor() takes one column name; found " TOK_FMT
                           " at position %ld", TOK_ARG(p, arg), arg->pos);
        size_t v;
        if ((st = add_var(p, arg, &v)))
            return st;
        p->i++;
        if ((st = expect_close(p, open, "factor()")))
            return st;
        char *text = join_tokens(p, first, p->i - 1);
        if (!text)
            return oom(p);
        if ((st = add_atom(p, PARTREG_ATOM_FACTOR, text, v, NULL, fn->pos, &atom)))
            return st;
        return single_atom(p, atom, fn->pos, out);
    }
    partreg_expr_op op = PARTREG_EXPR_CONST;
    int is_I = fn->len == 1 && name[0] == 'I';
    if (!is_I && !function_op(p, fn, &op))
        return fail_unknown_function(p, fn);
    partreg_expr e;
    memset(&e, 0, sizeof e);
    p->i += 2;
    st = parse_expr(p, &e);
    if (!st)
        st = expect_close(p, open, is_I ? "I()" : NULL);
    if (!st && !is_I)
        st = emit(p, &e, op, 0, 0.0);
    if (!st && e.max_depth > PARTREG_EXPR_MAX_STACK)
        st = fail_at(p, fn->pos, "the expression at position %ld is nested too deeply", fn->pos);
    if (st) {
        partreg_expr_clear(&e);
        return st;
    }
    char *text = join_tokens(p, first, p->i - 1);
    if (!text) {
        partreg_expr_clear(&e);
        return oom(p);
    }
    if ((st = add_atom(p, PARTREG_ATOM_EXPR, text, 0, &e, fn->pos, &atom)))
        return st;
    return single_atom(p, atom, fn->pos, out);
}

/* Whether the parenthesis at token index open holds a '|' at its own
 * level: a random-effects term. */
static int holds_pipe(const parser *p, size_t open)
{
    int depth = 0;
    for (size_t k = open; k < p->n_toks && p->toks[k].kind != PARTREG_TOK_END; k++) {
        partreg_tok_kind kind = p->toks[k].kind;
        if (kind == PARTREG_TOK_LPAREN)
            depth++;
        else if (kind == PARTREG_TOK_RPAREN && --depth == 0)
            return 0;
        else if (kind == PARTREG_TOK_PIPE && depth == 1)
            return 1;
    }
    return 0;
}

/* '(' 1 '|' name ')': the random intercept of the groups of column name. */
static partreg_status parse_random(parser *p, tset *out)
{
    const partreg_token *open = cur(p);
    size_t k = p->i + 1;
    const partreg_token *one = &p->toks[k];
    if (p->group_depth > 0)
        return fail_at(p, open->pos, "the random-intercept term at position %ld must be a term "
                       "of its own, not inside parentheses", open->pos);
    if (!(one->kind == PARTREG_TOK_NUMBER && one->value == 1.0 &&
          p->toks[k + 1].kind == PARTREG_TOK_PIPE)) {
        size_t bar = k;
        while (p->toks[bar].kind != PARTREG_TOK_PIPE)
            bar++;
        return fail_at(p, open->pos, "random slopes are not supported: the term at position %ld "
                       "has '%.*s' before '|'; partreg fits random intercepts, written (1 | G)",
                       open->pos, (int)(p->toks[bar].start - one->start), p->text + one->start);
    }
    const partreg_token *g = &p->toks[k + 2], *after = &p->toks[k + 3];
    if (g->kind != PARTREG_TOK_IDENT) {
        p->i = k + 2;
        return fail_operand(p, "the grouping column of (1 | G)");
    }
    if (after->kind == PARTREG_TOK_LPAREN)
        return fail_at(p, g->pos, "the grouping of the random intercept at position %ld must be "
                       "a column name, not " TOK_FMT "(...)", g->pos, TOK_ARG(p, g));
    if (after->kind == PARTREG_TOK_END)
        return fail_at(p, open->pos, "the '(' at position %ld is never closed", open->pos);
    if (after->kind != PARTREG_TOK_RPAREN)
        return fail_at(p, after->pos,
                       "the grouping of the random intercept at position %ld must be one "
                       "column: nested or crossed groupings (" TOK_FMT " at position %ld) are "
                       "not supported",
                       open->pos, TOK_ARG(p, after), after->pos);
    if (p->f->group)
        return fail_at(p, open->pos, "a second random-intercept term at position %ld (the first "
                       "groups by '%s' at position %ld): partreg fits one grouping column",
                       open->pos, p->f->group, p->f->group_pos);
    partreg_status st = check_not_response(p, g);
    if (st)
        return st;
    p->f->group = malloc(g->name_len + 1);
    if (!p->f->group)
        return oom(p);
    memcpy(p->f->group, p->text + g->name_start, g->name_len);
    p->f->group[g->name_len] = '\0';
    p->f->group_pos = g->pos;
    p->i = k + 4;
    out->random = 1;
    out->random_pos = open->pos;
    return PARTREG_OK;
}

/* primary; *grouped = 1 for a parenthesized group. */
static partreg_status parse_primary(parser *p, tset *out, int *grouped)
{
    const partreg_token *t = cur(p);
    partreg_status st;
    *grouped = 0;
    memset(out, 0, sizeof *out);
    if (t->kind == PARTREG_TOK_LPAREN && holds_pipe(p, p->i))
        return parse_random(p, out);
    if (t->kind == PARTREG_TOK_LPAREN) {
        if (++p->nesting > MAX_NESTING)
            return fail_at(p, t->pos, "the formula is nested too deeply at position %ld", t->pos);
        size_t open = p->i++;
        p->group_depth++;
        st = parse_sum(p, out);
        p->group_depth--;
        p->nesting--;
        if (!st)
            st = expect_close(p, open, NULL);
        if (st)
            tset_free(out);
        *grouped = 1;
        return st;
    }
    if (t->kind == PARTREG_TOK_NUMBER) {
        out->literal = 1;
        out->lit_value = t->value;
        out->lit_pos = t->pos;
        out->lit_tok = p->i++;
        return PARTREG_OK;
    }
    if (t->kind == PARTREG_TOK_IDENT) {
        if (p->toks[p->i + 1].kind == PARTREG_TOK_LPAREN && t->name_start == t->start)
            st = parse_call(p, out);
        else {
            size_t v, atom;
            if ((st = add_var(p, t, &v)))
                return st;
            size_t size = strlen(p->f->vars[v]) + 1;
            char *text = malloc(size);
            if (!text)
                return oom(p);
            memcpy(text, p->f->vars[v], size);
            p->i++;
            st = add_atom(p, PARTREG_ATOM_VAR, text, v, NULL, t->pos, &atom);
            if (!st)
                st = single_atom(p, atom, t->pos, out);
        }
        if (st)
            tset_free(out);
        return st;
    }
    return fail_operand(p, "a term");
}

static partreg_status refuse_literal(parser *p, const tset *s, const char *op)
{
    const partreg_token *t = &p->toks[s->lit_tok];
    return fail_at(p, t->pos, "the number " TOK_FMT " at position %ld cannot be part of %s; "
                   "write I(...) for arithmetic",
                   TOK_ARG(p, t), t->pos, op);
}

static partreg_status refuse_random(parser *p, const tset *s, const char *op)
{
    return fail_at(p, s->random_pos, "the random-intercept term at position %ld cannot be "
                   "combined with %s; add it on its own: y ~ x + (1 | G)", s->random_pos, op);
}

static partreg_status parse_power(parser *p, tset *out)
{
    int grouped;
    partreg_status st = parse_primary(p, out, &grouped);
    if (st || cur_kind(p) != PARTREG_TOK_CARET)
        return st;
    if (out->random)
        return refuse_random(p, out, "'^'");
    const partreg_token *caret = cur(p);
    if (!grouped) {
        const partreg_token *prev = &p->toks[p->i - 1];
        tset_free(out);
        return fail_at(p, caret->pos,
                       "'^' at position %ld: outside I() it means interactions of a group, as in "
                       "(a+b)^2; for a power write I(%.*s^...)",
                       caret->pos, TOK_ARG(p, prev));
    }
    p->i++;
    const partreg_token *k = cur(p);
    if (k->kind != PARTREG_TOK_NUMBER || !(k->value >= 1 && k->value <= PARTREG_FORMULA_MAX_ORDER) ||
        k->value != (double)(int)k->value) {
        tset_free(out);
        if (k->kind != PARTREG_TOK_NUMBER)
            return fail_operand(p, "a whole number from 1 to 8");
        return fail_at(p, k->pos, "the power " TOK_FMT " at position %ld must be a whole number "
                       "from 1 to %d", TOK_ARG(p, k), k->pos, PARTREG_FORMULA_MAX_ORDER);
    }
    p->i++;
    tset base = *out, acc = *out;
    memset(out, 0, sizeof *out);
    for (int r = 1; r < (int)k->value; r++) {
        tset next;
        st = tset_cross(p, &acc, &base, caret->pos, &next);
        if (acc.t != base.t)
            tset_free(&acc);
        if (st) {
            tset_free(&base);
            return st;
        }
        acc = next;
    }
    if (acc.t != base.t)
        tset_free(&base);
    *out = acc;
    return PARTREG_OK;
}

static partreg_status parse_inter(parser *p, tset *out)
{
    partreg_status st = parse_power(p, out);
    while (!st && cur_kind(p) == PARTREG_TOK_COLON) {
        long op_pos = cur(p)->pos;
        p->i++;
        tset b, r;
        memset(&r, 0, sizeof r);
        if ((st = parse_power(p, &b)))
            break;
        if (out->literal || b.literal)
            st = refuse_literal(p, out->literal ? out : &b, "an interaction");
        else if (out->random || b.random)
            st = refuse_random(p, out->random ? out : &b, "':'");
        for (size_t j = 0; j < b.n && !st; j++)
            for (size_t k = 0; k < out->n && !st; k++) {
                fterm t;
                st = fterm_join(p, &out->t[k], &b.t[j], 1, op_pos, &t);
                if (!st)
                    st = tset_add(p, &r, &t, 0);
            }
        tset_free(&b);
        tset_free(out);
        *out = r;
        if (st)
            tset_free(out);
    }
    if (st)
        tset_free(out);
    return st;
}

static partreg_status parse_prod(parser *p, tset *out)
{
    partreg_status st = parse_inter(p, out);
    while (!st && cur_kind(p) == PARTREG_TOK_STAR) {
        long op_pos = cur(p)->pos;
        p->i++;
        tset b, r;
        if ((st = parse_inter(p, &b)))
            break;
        if (out->literal || b.literal)
            st = refuse_literal(p, out->literal ? out : &b, "a product '*'");
        else if (out->random || b.random)
            st = refuse_random(p, out->random ? out : &b, "'*'");
        else
            st = tset_cross(p, out, &b, op_pos, &r);
        tset_free(&b);
        tset_free(out);
        if (!st)
            *out = r;
    }
    if (st)
        tset_free(out);
    return st;
}

static partreg_status remove_terms(parser *p, tset *acc, const tset *rm)
{
    for (size_t k = 0; k < rm->n; k++) {
        long j = tset_find(acc, &rm->t[k]);
        if (j < 0) {
            char lab[160];
            fterm_label(p, &rm->t[k], lab, sizeof lab);
            return fail_at(p, rm->t[k].pos,
                           "'- %s' at position %ld removes a term that is not in the model", lab,
                           rm->t[k].pos);
        }
        memmove(&acc->t[j], &acc->t[j + 1], (acc->n - (size_t)j - 1) * sizeof *acc->t);
        acc->n--;
    }
    return PARTREG_OK;
}

static partreg_status parse_sum(parser *p, tset *out)
{
    partreg_status st = PARTREG_OK;
    tset acc;
    memset(&acc, 0, sizeof acc);
    int sign = 1;
    if (cur_kind(p) == PARTREG_TOK_PLUS || cur_kind(p) == PARTREG_TOK_MINUS) {
        sign = cur_kind(p) == PARTREG_TOK_PLUS ? 1 : -1;
        p->i++;
    }
    for (;;) {
        tset rhs;
        if ((st = parse_prod(p, &rhs)))
            break;
        if (rhs.random) {
            if (sign < 0)
                st = refuse_random(p, &rhs, "'-'");
        } else if (rhs.literal) {
            const partreg_token *t = &p->toks[rhs.lit_tok];
            if (rhs.lit_value != 0.0 && rhs.lit_value != 1.0)
                st = fail_at(p, t->pos, "the number " TOK_FMT " at position %ld is not a term "
                             "(only 1 and 0, for the intercept); write I(...) for arithmetic",
                             TOK_ARG(p, t), t->pos);
            else if (p->group_depth > 0)
                st = fail_at(p, t->pos, "the intercept " TOK_FMT " at position %ld cannot be "
                             "inside parentheses", TOK_ARG(p, t), t->pos);
            else
                p->f->has_intercept = (sign > 0) == (rhs.lit_value == 1.0);
        } else if (sign > 0) {
            for (size_t k = 0; k < rhs.n && !st; k++)
                st = tset_add(p, &acc, &rhs.t[k], 1);
        } else {
            st = remove_terms(p, &acc, &rhs);
        }
        tset_free(&rhs);
        if (st)
            break;
        if (cur_kind(p) != PARTREG_TOK_PLUS && cur_kind(p) != PARTREG_TOK_MINUS)
            break;
        sign = cur_kind(p) == PARTREG_TOK_PLUS ? 1 : -1;
        p->i++;
    }
    if (st)
        tset_free(&acc);
    else
        *out = acc;
    return st;
}

/* ---- the formula -------------------------------------------------------- */

static partreg_status parse_lhs(parser *p)
{
    size_t tilde = 0;
    while (p->toks[tilde].kind != PARTREG_TOK_TILDE && p->toks[tilde].kind != PARTREG_TOK_END)
        tilde++;
    if (p->toks[tilde].kind == PARTREG_TOK_END)
        return fail_at(p, 1, "missing '~': a formula reads 'outcome ~ predictors', e.g. "
                       "'y ~ x1 + x2'");
    if (tilde == 0)
        return fail_at(p, 1, "missing outcome before '~' at position %ld", p->toks[0].pos);
    const partreg_token *t = &p->toks[0];
    if (t->kind != PARTREG_TOK_IDENT)
        return fail_at(p, t->pos, "the outcome must be a column name; found " TOK_FMT
                       " at position %ld", TOK_ARG(p, t), t->pos);
    if (tilde != 1) {
        const partreg_token *u = &p->toks[1];
        return fail_at(p, u->pos, "the outcome must be a single column name: unexpected " TOK_FMT
                       " at position %ld before '~'", TOK_ARG(p, u), u->pos);
    }
    p->f->response = malloc(t->name_len + 1);
    if (!p->f->response)
        return oom(p);
    memcpy(p->f->response, p->text + t->name_start, t->name_len);
    p->f->response[t->name_len] = '\0';
    p->f->response_pos = t->pos;
    p->i = 2;
    if (cur_kind(p) == PARTREG_TOK_END)
        return fail_at(p, p->toks[1].pos, "empty right-hand side after '~' at position %ld: list the "
                       "predictors, or write 1 for a model without predictors",
                       p->toks[1].pos);
    return PARTREG_OK;
}

/* Keep the final terms, with their labels. */
static partreg_status store_terms(parser *p, const tset *s)
{
    partreg_formula *f = p->f;
    if (s->n == 0)
        return PARTREG_OK;
    f->terms = calloc(s->n, sizeof *f->terms);
    if (!f->terms)
        return oom(p);
    for (size_t k = 0; k < s->n; k++) {
        partreg_term *t = &f->terms[k];
        size_t len = 0, used = 0;
        memcpy(t->atoms, s->t[k].atoms, sizeof t->atoms);
        t->n_atoms = s->t[k].n;
        t->pos = s->t[k].pos;
        for (size_t a = 0; a < t->n_atoms; a++) /* the labels joined by ':' */
            len += (a ? 1 : 0) + strlen(atom_label(f, t->atoms[a]));
        t->label = malloc(len + 1);
        f->n_terms = k + 1;
        if (!t->label)
            return oom(p);
        for (size_t a = 0; a < t->n_atoms; a++) {
            const char *part = atom_label(f, t->atoms[a]);
            size_t m = strlen(part);
            if (a)
                t->label[used++] = ':';
            memcpy(t->label + used, part, m);
            used += m;
        }
        t->label[used] = '\0';
    }
    return PARTREG_OK;
}

/* The grouping column of (1 | G) is not also a predictor. */
static partreg_status check_group(parser *p)
{
    const partreg_formula *f = p->f;
    for (size_t v = 0; f->group && v < f->n_vars; v++)
        if (strcmp(f->vars[v], f->group) == 0)
            return fail_at(p, f->var_pos[v],
                           "'%s' is both a predictor (position %ld) and the grouping column of "
                           "the random intercept (position %ld): its effect cannot be estimated "
                           "twice; drop one of them",
                           f->group, f->var_pos[v], f->group_pos);
    return PARTREG_OK;
}

partreg_status partreg_formula_parse(const char *text, partreg_formula **out, partreg_error *err)
{
    if (out)
        *out = NULL;
    if (!text || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_formula_parse: NULL argument");
    parser p;
    memset(&p, 0, sizeof p);
    p.text = text;
    p.err = err;
    tset terms;
    memset(&terms, 0, sizeof terms);
    partreg_status st;
    p.f = calloc(1, sizeof *p.f);
    if (!p.f)
        return oom(&p);
    p.f->has_intercept = 1;
    size_t len = strlen(text);
    p.f->text = malloc(len + 1);
    if (!p.f->text) {
        st = oom(&p);
        goto cleanup;
    }
    memcpy(p.f->text, text, len + 1);
    if ((st = partreg_formula_lex(text, &p.toks, &p.n_toks, err)))
        goto cleanup;
    if ((st = parse_lhs(&p)) || (st = parse_sum(&p, &terms)))
        goto cleanup;
    if (cur_kind(&p) != PARTREG_TOK_END) {
        const partreg_token *t = cur(&p);
        if (t->kind == PARTREG_TOK_RPAREN)
            st = fail_at(&p, t->pos, "unmatched ')' at position %ld", t->pos);
        else if (t->kind == PARTREG_TOK_TILDE)
            st = fail_at(&p, t->pos, "unexpected second '~' at position %ld", t->pos);
        else if (t->kind == PARTREG_TOK_PIPE)
            st = fail_at(&p, t->pos, "unexpected '|' at position %ld: a random intercept is "
                         "written in parentheses, (1 | G)", t->pos);
        else if (t->kind == PARTREG_TOK_IDENT || t->kind == PARTREG_TOK_NUMBER ||
                 t->kind == PARTREG_TOK_LPAREN)
            st = fail_at(&p, t->pos, "unexpected " TOK_FMT " at position %ld: terms are joined "
                         "with '+'", TOK_ARG(&p, t), t->pos);
        else
            st = fail_at(&p, t->pos, "unexpected " TOK_FMT " at position %ld%s", TOK_ARG(&p, t),
                         t->pos, t->kind == PARTREG_TOK_SLASH ?
                         " ('/' nesting is not supported; write I(a/b) for a ratio)" : "");
        goto cleanup;
    }
    if ((st = store_terms(&p, &terms)) || (st = check_group(&p)))
        goto cleanup;
    *out = p.f;
    p.f = NULL;
    partreg_error_clear(err);
cleanup:
    tset_free(&terms);
    free(p.toks);
    partreg_formula_destroy(p.f);
    return st;
}
