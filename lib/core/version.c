/* Library version and the names of the enumerations. */
#include "partreg.h"
#include "core/error.h"
#include "core/family.h"

#include <string.h>

const char *partreg_version(void) { return PARTREG_VERSION_STRING; }

static const char *const link_names[] = {"logit", "probit", "cloglog", "loglog", "cauchit"};

const char *partreg_link_name(partreg_link link)
{
    if ((unsigned)link >= sizeof link_names / sizeof link_names[0])
        return NULL;
    return link_names[link];
}

partreg_status partreg_link_parse(const char *name, partreg_link *out, partreg_error *err)
{
    if (!name || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_link_parse: NULL argument");
    for (size_t i = 0; i < sizeof link_names / sizeof link_names[0]; i++) {
        if (strcmp(name, link_names[i]) == 0) {
            *out = (partreg_link)i;
            partreg_error_clear(err);
            return PARTREG_OK;
        }
    }
    return partreg_error_set(err, PARTREG_EINVAL,
                             "unknown link '%s'; use logit, probit, cloglog, loglog or cauchit", name);
}

const char *partreg_family_name(partreg_family family)
{
    const partreg_family_traits *t = partreg_family_traits_of(family);
    return t ? t->name : NULL;
}
