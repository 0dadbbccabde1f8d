/* Replays a fuzz harness's committed corpus without libFuzzer: linked with
 * one tests/fuzz/fuzz_NAME.c, it feeds every file of the directories named
 * on the command line to LLVMFuzzerTestOneInput once. The harness aborts on
 * a broken promise and GSL's default error handler aborts too, so a
 * regression seed that crashed once fails `make test` (and, under
 * AddressSanitizer, `make test-asan`) with the ordinary compiler, no clang
 * needed. tests/CMakeLists.txt makes one ctest case per harness.
 * Usage: replay_NAME DIR... */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The whole file in a fresh allocation of exactly its size (so that the
 * sanitizers see reads past the end), or NULL. */
static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *bigger = realloc(buf, cap *= 2);
        if (!bigger)
            free(buf);
        buf = bigger;
    }
    int failed = ferror(f);
    fclose(f);
    if (!buf || failed) {
        free(buf);
        return NULL;
    }
    uint8_t *exact = malloc(n ? n : 1);
    if (exact)
        memcpy(exact, buf, n);
    free(buf);
    *size = n;
    return exact;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR...\n", argv[0]);
        return 2;
    }
    size_t replayed = 0;
    for (int a = 1; a < argc; a++) {
        DIR *dir = opendir(argv[a]);
        if (!dir) {
            fprintf(stderr, "%s: cannot open the corpus directory\n", argv[a]);
            return 1;
        }
        const struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[a], e->d_name);
            size_t size = 0;
            uint8_t *data = read_all(path, &size);
            if (!data) {
                fprintf(stderr, "%s: cannot read\n", path);
                closedir(dir);
                return 1;
            }
            printf("%s\n", path); /* the last one printed is the culprit of a crash */
            fflush(stdout);
            LLVMFuzzerTestOneInput(data, size);
            free(data);
            replayed++;
        }
        closedir(dir);
    }
    printf("%zu inputs replayed\n", replayed);
    return replayed > 0 ? 0 : 1;
}
