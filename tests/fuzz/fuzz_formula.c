/* libFuzzer entry point: the input bytes, NUL-terminated, parsed as a model
 * formula. Checks that parsing never crashes, leaks or reads out of bounds,
 * that a failure leaves *out NULL with PARTREG_EFORMULA and a position
 * inside the text (+1 for "at the end"), and that every accessor of a parsed
 * formula works. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "partreg_formula.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    partreg_formula *f = (partreg_formula *)text;
    partreg_error err;
    partreg_status st = partreg_formula_parse(text, &f, &err);
    if (st != PARTREG_OK) {
        if (f != NULL || (st != PARTREG_EFORMULA && st != PARTREG_ENOMEM) || err.status != st ||
            memchr(err.message, '\0', sizeof err.message) == NULL)
            abort();
        if (st == PARTREG_EFORMULA && (err.column < 1 || (size_t)err.column > strlen(text) + 1))
            abort();
    } else {
        if (!partreg_formula_response(f) || strcmp(partreg_formula_text(f), text) != 0)
            abort();
        for (size_t k = 0; k < partreg_formula_n_terms(f); k++)
            if (!partreg_formula_term_label(f, k) || partreg_formula_term_label(f, k)[0] == '\0')
                abort();
        for (size_t v = 0; v < partreg_formula_n_variables(f); v++)
            if (strcmp(partreg_formula_variable(f, v), partreg_formula_response(f)) == 0)
                abort();
        (void)partreg_formula_has_intercept(f);
        partreg_formula_free(f);
    }
    free(text);
    return 0;
}
