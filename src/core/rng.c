/*
 * Random numbers: xoshiro256** (Blackman & Vigna, ACM TOMS 47, 36 (2021),
 * doi:10.1145/3460772) seeded by splitmix64; normal deviates by the polar
 * Box-Muller method; gamma deviates by Marsaglia & Tsang (ACM TOMS 26, 363
 * (2000), doi:10.1145/358407.358414). The state is plain data so that MD
 * checkpoints reproduce runs bit for bit.
 */
#include "aion.h"
#include "internal.h"

#include <math.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = aion_splitmix64(*x);
    *x += 0x9e3779b97f4a7c15ULL;
    return z;
}

void aion_rng_seed(aion_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL * (stream != 0));
    memset(r, 0, sizeof *r);
    for (int k = 0; k < 4; k++) r->s[k] = splitmix64(&x);
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1; /* never all zero */
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t aion_rng_u64(aion_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double aion_rng_uniform(aion_rng *r)
{
    return (double)(aion_rng_u64(r) >> 11) * 0x1.0p-53;
}

double aion_rng_normal(aion_rng *r)
{
    double u, v, s;
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    do {
        u = 2.0 * aion_rng_uniform(r) - 1.0;
        v = 2.0 * aion_rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    s = sqrt(-2.0 * log(s) / s);
    r->spare = v * s;
    r->has_spare = 1;
    return u * s;
}

double aion_rng_gamma(aion_rng *r, double shape)
{
    double d, c, x, v, u;
    if (!(shape > 0.0)) return 0.0;
    if (shape < 1.0) {
        /* boost: G(a) = G(a+1) * U^(1/a) */
        double g = aion_rng_gamma(r, shape + 1.0);
        return g * pow(aion_rng_uniform(r) + 0x1.0p-54, 1.0 / shape);
    }
    d = shape - 1.0 / 3.0;
    c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        do {
            x = aion_rng_normal(r);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        u = aion_rng_uniform(r);
        if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
        if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v))) return d * v;
    }
}
