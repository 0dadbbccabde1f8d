/* partreg_formula: lifetime and read-only accessors of a parsed formula
 * (the parser is in formula_parse.c, the tokenizer in formula_lex.c). */
#include <stdlib.h>

#include "frame/formula_internal.h"

void partreg_formula_destroy(partreg_formula *f)
{
    if (!f)
        return;
    for (size_t a = 0; a < f->n_atoms; a++) {
        free(f->atoms[a].text);
        partreg_expr_clear(&f->atoms[a].expr);
    }
    free(f->atoms);
    for (size_t k = 0; k < f->n_terms; k++)
        free(f->terms[k].label);
    free(f->terms);
    for (size_t v = 0; v < f->n_vars; v++)
        free(f->vars[v]);
    free(f->vars);
    free(f->var_pos);
    free(f->response);
    free(f->group);
    free(f->text);
    free(f);
}

void partreg_formula_free(partreg_formula *f)
{
    partreg_formula_destroy(f);
}

const char *partreg_formula_text(const partreg_formula *f)
{
    return f->text;
}

const char *partreg_formula_response(const partreg_formula *f)
{
    return f->response;
}

int partreg_formula_has_intercept(const partreg_formula *f)
{
    return f->has_intercept;
}

size_t partreg_formula_n_terms(const partreg_formula *f)
{
    return f->n_terms;
}

const char *partreg_formula_term_label(const partreg_formula *f, size_t k)
{
    return k < f->n_terms ? f->terms[k].label : NULL;
}

size_t partreg_formula_n_variables(const partreg_formula *f)
{
    return f->n_vars;
}

const char *partreg_formula_variable(const partreg_formula *f, size_t v)
{
    return v < f->n_vars ? f->vars[v] : NULL;
}

const char *partreg_formula_group(const partreg_formula *f)
{
    return f->group;
}
