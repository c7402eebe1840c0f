/*
 * Minimal test harness: each test file is a program with a main() that calls
 * TEST_RUN(fn) for its cases and returns TEST_END(). Output: one line per
 * failed check, and "name: N passed, N failed" at the end; exit 1 on failure.
 * A test that needs ../shared/data calls TEST_SKIP_UNLESS_FILE(path).
 */
#ifndef AION_TEST_H
#define AION_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int test_pass_, test_fail_, test_case_failed_;
static const char *test_case_name_ = "";

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (cond) {                                                                       \
            test_pass_++;                                                                 \
        } else {                                                                          \
            test_fail_++;                                                                 \
            test_case_failed_ = 1;                                                        \
            fprintf(stderr, "FAIL %s:%d [%s]: %s\n", __FILE__, __LINE__, test_case_name_, #cond); \
        }                                                                                 \
    } while (0)

/* |a-b| <= tol (absolute) */
#define CHECK_NEAR(a, b, tol)                                                             \
    do {                                                                                  \
        double a_ = (a), b_ = (b), t_ = (tol);                                            \
        if (fabs(a_ - b_) <= t_) {                                                        \
            test_pass_++;                                                                 \
        } else {                                                                          \
            test_fail_++;                                                                 \
            test_case_failed_ = 1;                                                        \
            fprintf(stderr, "FAIL %s:%d [%s]: %s = %.17g, %s = %.17g, |diff| %.3g > %.3g\n", \
                    __FILE__, __LINE__, test_case_name_, #a, a_, #b, b_, fabs(a_ - b_), t_); \
        }                                                                                 \
    } while (0)

/* |a-b| <= rtol*max(|a|,|b|) + atol */
#define CHECK_REL(a, b, rtol, atol) \
    CHECK_NEAR(a, b, (rtol) * fmax(fabs((double)(a)), fabs((double)(b))) + (atol))

#define CHECK_OK(expr)                                                                    \
    do {                                                                                  \
        int st_ = (int)(expr);                                                            \
        if (st_ == 0) {                                                                   \
            test_pass_++;                                                                 \
        } else {                                                                          \
            test_fail_++;                                                                 \
            test_case_failed_ = 1;                                                        \
            fprintf(stderr, "FAIL %s:%d [%s]: %s returned %d\n", __FILE__, __LINE__,      \
                    test_case_name_, #expr, st_);                                         \
        }                                                                                 \
    } while (0)

#define TEST_RUN(fn)                                                                      \
    do {                                                                                  \
        test_case_name_ = #fn;                                                            \
        test_case_failed_ = 0;                                                            \
        fn();                                                                             \
        if (test_case_failed_) fprintf(stderr, "case %s FAILED\n", #fn);                  \
    } while (0)

#define TEST_END()                                                                        \
    (printf("%s: %d passed, %d failed\n", __FILE__, test_pass_, test_fail_), test_fail_ ? 1 : 0)

/* Exit code 77 = skipped (counted by tests/run.sh). */
#define TEST_SKIP(why)                                                                    \
    do {                                                                                  \
        printf("%s: SKIP: %s\n", __FILE__, why);                                          \
        exit(77);                                                                         \
    } while (0)

#define TEST_SKIP_UNLESS_FILE(path)                                                       \
    do {                                                                                  \
        if (access((path), R_OK) != 0) TEST_SKIP("needs " path " (../shared absent?)");   \
    } while (0)

/* Slow checks run only with SLOW=1 in the environment. */
#define TEST_SLOW_ONLY()                                                                  \
    do {                                                                                  \
        const char *s_ = getenv("SLOW");                                                  \
        if (!s_ || !*s_ || strcmp(s_, "0") == 0) TEST_SKIP("slow check (run with SLOW=1)"); \
    } while (0)

/* Deterministic uniform random numbers for tests (xorshift64*). */
static inline double test_rand(unsigned long long *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

#endif
