/* RNG: reproducibility, streams, moments of uniform/normal/gamma deviates. */
#include "test.h"
#include "aion.h"

static void test_repro(void)
{
    aion_rng a, b, c;
    aion_rng_seed(&a, 42, 0);
    aion_rng_seed(&b, 42, 0);
    aion_rng_seed(&c, 42, 1);
    int same = 1, diff = 0;
    for (int k = 0; k < 1000; k++) {
        uint64_t x = aion_rng_u64(&a), y = aion_rng_u64(&b), z = aion_rng_u64(&c);
        same &= x == y;
        diff += x != z;
    }
    CHECK(same);
    CHECK(diff > 990);
    /* copying the state forks an identical stream (checkpoints rely on this) */
    aion_rng d = a;
    CHECK(aion_rng_normal(&a) == aion_rng_normal(&d));
    CHECK(aion_rng_normal(&a) == aion_rng_normal(&d));
}

static void test_moments(void)
{
    aion_rng r;
    const int n = 400000;
    double s1 = 0, s2 = 0, n1 = 0, n2 = 0, n4 = 0, g1 = 0, g2 = 0, h1 = 0;
    aion_rng_seed(&r, 7, 0);
    for (int k = 0; k < n; k++) {
        double u = aion_rng_uniform(&r), z = aion_rng_normal(&r), g = aion_rng_gamma(&r, 3.5), h = aion_rng_gamma(&r, 0.5);
        CHECK(u >= 0.0 && u < 1.0);
        s1 += u, s2 += u * u;
        n1 += z, n2 += z * z, n4 += z * z * z * z;
        g1 += g, g2 += g * g;
        h1 += h;
    }
    /* 5-sigma bounds on the sample means */
    CHECK_NEAR(s1 / n, 0.5, 5 * sqrt(1.0 / 12 / n));
    CHECK_NEAR(s2 / n, 1.0 / 3, 5 * sqrt((1.0 / 5 - 1.0 / 9) / n));
    CHECK_NEAR(n1 / n, 0.0, 5 * sqrt(1.0 / n));
    CHECK_NEAR(n2 / n, 1.0, 5 * sqrt(2.0 / n));
    CHECK_NEAR(n4 / n, 3.0, 5 * sqrt(96.0 / n));
    CHECK_NEAR(g1 / n, 3.5, 5 * sqrt(3.5 / n));
    CHECK_NEAR(g2 / n - (g1 / n) * (g1 / n), 3.5, 5 * sqrt(2 * 3.5 * 3.5 * (1 + 3.0 / 3.5) / n) + 0.02);
    CHECK_NEAR(h1 / n, 0.5, 5 * sqrt(0.5 / n));
}

int main(void)
{
    TEST_RUN(test_repro);
    TEST_RUN(test_moments);
    return TEST_END();
}
