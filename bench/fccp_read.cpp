// Ben Strasser's Fast C++ CSV Parser (Debian libfccp-dev, header-only) on the
// numeric bench file (columns yb, yo, x1..x10): io::CSVReader<12> reading
// every row into 12 growing vectors of double, with its own number parser
// (not correctly rounded: a baseline for speed, not for accuracy). It reads
// the file in blocks on a second thread of its own. For bench/read_csv.sh.
// Usage: fccp_read FILE [REPEATS]; prints the best wall and CPU times.
#include <libfccp/csv.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

static double now_clock(clockid_t id)
{
    timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: fccp_read FILE [REPEATS]\n");
        return 2;
    }
    int reps = argc > 2 ? std::atoi(argv[2]) : 5;
    std::vector<double> wall;
    double cpu_best = 1e300;
    size_t rows = 0;
    for (int r = 0; r < reps; r++) {
        double w0 = now_clock(CLOCK_MONOTONIC), c0 = now_clock(CLOCK_PROCESS_CPUTIME_ID);
        io::CSVReader<12> in(argv[1]);
        in.read_header(io::ignore_no_column, "yb", "yo", "x1", "x2", "x3", "x4", "x5", "x6",
                       "x7", "x8", "x9", "x10");
        std::vector<double> col[12];
        double v[12];
        while (in.read_row(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10],
                           v[11]))
            for (int k = 0; k < 12; k++)
                col[k].push_back(v[k]);
        rows = col[0].size();
        wall.push_back(now_clock(CLOCK_MONOTONIC) - w0);
        cpu_best = std::min(cpu_best, now_clock(CLOCK_PROCESS_CPUTIME_ID) - c0);
    }
    std::sort(wall.begin(), wall.end());
    std::printf("fccp: wall best %.3f s, median %.3f s; CPU best %.3f s; over %d runs (%zu rows)\n",
                wall[0], wall[wall.size() / 2], cpu_best, reps, rows);
    return 0;
}
