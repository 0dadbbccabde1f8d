/* Where a subcommand writes: standard output, or a file given with --out.
 *
 * A file is written through a temporary file in the same directory
 * (mkstemp), flushed, synced and closed, then renamed over the path: a run
 * that fails at any point, a write that fails (a full disk) or an error
 * found while writing leaves an existing file as it was and no half-written
 * one. An existing path that is not a regular file (a device such as
 * /dev/null, a named pipe) is written in place, as it cannot be replaced;
 * a symbolic link is followed, so the file it names is replaced. Every
 * write is checked: the caller's writers may ignore fputs/fprintf results,
 * because cli_output_commit() checks the stream's error flag, the flush
 * and the close, and names what failed.
 *
 * Subcommands open their output only after every option was validated
 * and their results computed (cli_parse() validates the options), and
 * call cli_output_check() on --out before any work. */
#define _GNU_SOURCE /* mkstemp, realpath, fileno */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int is_stdout(const char *path)
{
    return !path || strcmp(path, "-") == 0;
}

int cli_output_check(const char *command, const char *path, const char *const *inputs,
                     size_t n_inputs)
{
    struct stat so, si;
    if (is_stdout(path))
        return 0;
    if (!*path) {
        fprintf(stderr, "partreg %s: --out needs a file name (partreg %s --help)\n", command,
                command);
        return CLI_EXIT_USAGE;
    }
    if (stat(path, &so) != 0)
        return 0; /* a new file: its directory is checked when it is created */
    if (S_ISDIR(so.st_mode)) {
        fprintf(stderr, "partreg %s: --out '%s' is a directory; give a file name\n", command,
                path);
        return CLI_EXIT_USAGE;
    }
    for (size_t i = 0; i < n_inputs; i++)
        if (inputs[i] && !is_stdout(inputs[i]) && stat(inputs[i], &si) == 0 &&
            si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
            fprintf(stderr,
                    "partreg %s: --out '%s' is the input file '%s'; writing there would "
                    "replace the data: give another file name\n",
                    command, path, inputs[i]);
            return CLI_EXIT_USAGE;
        }
    return 0;
}

int cli_output_open(cli_output *o, const char *command, const char *path)
{
    struct stat sb;
    char *target = NULL;
    memset(o, 0, sizeof *o);
    o->command = command;
    if (is_stdout(path)) {
        o->f = stdout;
        o->shown = "standard output";
        errno = 0;
        return 0;
    }
    o->path = path;
    o->shown = path;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        o->f = fopen(path, "w");
        if (!o->f)
            goto fail;
        errno = 0;
        return 0;
    }
    /* the file a symbolic link names; else the path itself */
    target = realpath(path, NULL);
    if (!target && !(target = strdup(path)))
        goto fail;
    size_t n = strlen(target);
    o->target = target;
    o->tmp = malloc(n + sizeof ".partreg-XXXXXX");
    if (!o->tmp)
        goto fail;
    memcpy(o->tmp, target, n);
    memcpy(o->tmp + n, ".partreg-XXXXXX", sizeof ".partreg-XXXXXX");
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        free(o->tmp);
        o->tmp = NULL;
        goto fail;
    }
    /* the mode a new file would get (0666 less the umask), or the old one's */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, stat(target, &sb) == 0 ? (sb.st_mode & 07777) : (0666 & ~mask));
    o->f = fdopen(fd, "w");
    if (!o->f) {
        close(fd);
        goto fail;
    }
    errno = 0;
    return 0;
fail: {
    int e = errno;
    fprintf(stderr, "partreg %s: cannot create '%s': %s\n", command, path, strerror(e));
    cli_output_discard(o);
    return CLI_EXIT_INPUT;
}
}

void cli_output_discard(cli_output *o)
{
    if (o->f && o->f != stdout)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    free(o->target);
    memset(o, 0, sizeof *o);
}

int cli_output_commit(cli_output *o)
{
    /* errno still holds the cause of a write that failed before (open
     * sets it to 0) */
    int e = ferror(o->f) ? errno : 0, failed = ferror(o->f);
    if (fflush(o->f) != 0) {
        e = errno;
        failed = 1;
    }
    if (o->f != stdout) {
        if (o->tmp && fsync(fileno(o->f)) != 0 && !e) {
            e = errno;
            failed = 1;
        }
        if (fclose(o->f) != 0 && !failed) {
            e = errno;
            failed = 1;
        }
        o->f = NULL;
    }
    if (!failed && o->tmp && rename(o->tmp, o->target) != 0) {
        e = errno;
        failed = 1;
    }
    if (failed) {
        fprintf(stderr, "partreg %s: could not write %s%s%s: %s%s%s%s\n", o->command,
                o->path ? "'" : "", o->shown, o->path ? "'" : "",
                e ? strerror(e) : "a write failed (is the disk full?)",
                o->tmp ? "; '" : "", o->tmp ? o->path : "", o->tmp ? "' was left as it was" : "");
        cli_output_discard(o);
        return CLI_EXIT_INPUT;
    }
    free(o->tmp);
    o->tmp = NULL;
    cli_output_discard(o);
    return 0;
}
