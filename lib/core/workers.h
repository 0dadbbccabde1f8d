/* Worker threads that fits share: the library side of partreg_workers
 * (partreg.h). Private to lib/. */
#ifndef PARTREG_CORE_WORKERS_H
#define PARTREG_CORE_WORKERS_H

#include "partreg.h"

#include "core/team.h"

/* The workers' team for one fit, or NULL when there is none (NULL
 * workers, one thread) or another fit holds it: the caller then starts
 * its own. Give it back with partreg_workers_give_back. */
partreg_team *partreg_workers_take(partreg_workers *workers);

/* End of a fit on `team`: 1 when it is the workers' (taken with
 * partreg_workers_take), which are free again; 0 for any other team (the
 * fit's own, which the caller stops) or NULL. */
int partreg_workers_give_back(partreg_workers *workers, const partreg_team *team);

#endif
