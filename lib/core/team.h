/* A team of threads that runs a fit's passes over the rows.
 *
 * A fit makes many short passes over the design (screening, the warm
 * start's subsample passes, the solver's); starting threads for each one
 * costs thread creation, the wake-up of an idle core and the uneven split
 * of a late start, tenths of a millisecond a pass: as much as a pass over
 * 10^5 rows. A team starts its threads once;
 * between jobs its members spin a little while, then sleep, so that
 * back-to-back passes find them awake. partreg_team_run without a team
 * is also the library's one fork-join for work that runs once (the CSV
 * reader's parallel parse, the design build, the fitted values of the
 * diagnostics, margins over settings). Private to lib/. */
#ifndef PARTREG_CORE_TEAM_H
#define PARTREG_CORE_TEAM_H

#include <stddef.h>

/* The members of a team: member 0 is the thread that calls run. */
typedef struct partreg_team partreg_team;

/* A job: called once for each member t = 0..nt-1 of a run. */
typedef void (*partreg_team_job)(void *arg, size_t t);

/* Most members a team or a run has. */
#define PARTREG_TEAM_MAX 64

/* Rows per member below which a pass on a team uses fewer members. A
 * member's share then costs tens of microseconds, against about 1 us to
 * hand it over to a spinning member (threads started per pass need some
 * 20,000 rows each to pay for their start). */
#define PARTREG_TEAM_MIN_ROWS 2000

/* Start a team of `size` members (size - 1 new threads). Returns NULL when
 * size < 2 or when not all threads start (out of memory, thread limits):
 * partreg_team_run then starts threads per run, as without a team. */
partreg_team *partreg_team_start(size_t size);

/* Stop and free the team (waits for its threads to end). NULL: no-op. */
void partreg_team_stop(partreg_team *team);

/* Members of the team: 1 for NULL. */
size_t partreg_team_size(const partreg_team *team);

/* Run job(arg, t) for t = 0..nt-1 (nt >= 1, at most PARTREG_TEAM_MAX),
 * t = 0 on the calling thread, and return when every call has returned.
 * On a team of at least nt members the team runs it; otherwise (team NULL
 * or smaller) threads are started for this run, and a member whose thread
 * cannot start is run on the caller after its own. Which t runs where
 * never changes what a job computes; callers merge by t. Not reentrant: a
 * team runs one job at a time, started from one thread. */
void partreg_team_run(partreg_team *team, size_t nt, partreg_team_job job, void *arg);

/* A job over segments: called once for each segment s, on member t. */
typedef void (*partreg_segment_job)(void *arg, size_t s, size_t t);

/* Run job(arg, s, t) for every segment s = 0..nseg-1 on up to nt members
 * (never more than nseg), as partreg_team_run runs its shares: the
 * members take the segments one at a time from a shared counter, so a
 * member the system holds back delays the run by about one segment. Which
 * member ran a segment is not fixed: a job keeps each segment's results
 * apart (t only picks the member's scratch) and the caller merges them in
 * segment order. */
void partreg_team_run_segments(partreg_team *team, size_t nt, size_t nseg,
                               partreg_segment_job job, void *arg);

/* Threads to use for `threads` (0: one per online core) over n rows when
 * each should have at least min_rows: between 1 and PARTREG_TEAM_MAX, and
 * at most the team's size (a fit's own team has the size its rows need;
 * shared workers, partreg_workers, may have fewer). The
 * online cores are those the team counted when it started (team NULL: the
 * system is asked, a file read of several microseconds, which a fit's
 * passes on a team need not make each time). */
size_t partreg_team_threads(const partreg_team *team, int threads, size_t n, size_t min_rows);

#endif
