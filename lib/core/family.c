/* The table of model families (family.h). */
#include "core/family.h"

#include <stdint.h>
#include <string.h>

#include "core/error.h"

static const partreg_family_traits families[] = {
    [PARTREG_BINARY] = {"binary", 2, 2, 0},
    [PARTREG_ORDINAL] = {"ordinal", 3, SIZE_MAX, 1},
};

#define N_FAMILIES (sizeof families / sizeof families[0])

const partreg_family_traits *partreg_family_traits_of(partreg_family family)
{
    size_t f = (size_t)family;
    return f < N_FAMILIES ? &families[f] : NULL;
}

partreg_family partreg_family_for_levels(size_t J)
{
    for (size_t f = 0; f < N_FAMILIES; f++)
        if (J >= families[f].min_levels && J <= families[f].max_levels)
            return (partreg_family)f;
    return PARTREG_BINARY;
}

partreg_status partreg_family_parse(const char *name, partreg_family *out, partreg_error *err)
{
    for (size_t f = 0; name && out && f < N_FAMILIES; f++) {
        if (strcmp(name, families[f].name) == 0) {
            *out = (partreg_family)f;
            partreg_error_clear(err);
            return PARTREG_OK;
        }
    }
    return partreg_error_set(err, PARTREG_EINVAL, "unknown family '%s'; use binary or ordinal",
                             name ? name : "(null)");
}
