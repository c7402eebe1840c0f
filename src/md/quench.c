/*
 * Glass making: random initial structures at a target density with minimum
 * distances between species (random sequential insertion), and the
 * melt-quench temperature schedule (heat, hold, cool at a rate through a list
 * of temperatures with anneals), all at constant pressure so that the density
 * relaxes.
 */
#include "md.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

aion_status aion_random_structure(aion_frame *f, const int *z, const int *count, int n_species, double density_gcc,
                                  const double *dmin, uint64_t seed, aion_error *err)
{
    aion_rng rng;
    long n = 0;
    double mass = 0, L;
    int *order = NULL;
    if (n_species < 1 || !(density_gcc > 0)) return aion_err_set(err, AION_ERR_INVALID, "random structure: need species and a positive density");
    for (int s = 0; s < n_species; s++) {
        if (count[s] < 0 || aion_element_mass(z[s]) <= 0)
            return aion_err_set(err, AION_ERR_INVALID, "random structure: bad species %d (Z=%d, count %d)", s, z[s], count[s]);
        n += count[s];
        mass += count[s] * aion_element_mass(z[s]);
    }
    if (n < 1 || n > 10000000) return aion_err_set(err, AION_ERR_INVALID, "random structure: %ld atoms is not sensible", n);
    L = cbrt(mass * 1.66053906660 / density_gcc);
    aion_frame_free(f);
    if (aion_frame_resize(f, (int)n, AION_HAS_CELL) != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    f->cell[0][0] = f->cell[1][1] = f->cell[2][2] = L;
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    /* insertion order: interleave species randomly, so no species is squeezed
     * into the leftover space */
    order = malloc((size_t)n * sizeof *order);
    if (!order) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    for (int s = 0, k = 0; s < n_species; s++)
        for (int c = 0; c < count[s]; c++) order[k++] = s;
    aion_rng_seed(&rng, seed, 0x5157);
    for (long k = n - 1; k > 0; k--) {
        long j = (long)(aion_rng_uniform(&rng) * (double)(k + 1));
        int t = order[k];
        order[k] = order[j];
        order[j] = t;
    }
    /* cell list of placed atoms for O(N) insertion tests */
    double dmax = 0;
    for (int a = 0; a < n_species; a++)
        for (int b = 0; b < n_species; b++) {
            double d = dmin ? dmin[a * n_species + b]
                            : 0.8 * (aion_element_covalent_radius(z[a]) + aion_element_covalent_radius(z[b]));
            dmax = fmax(dmax, d);
        }
    int nb = (int)floor(L / fmax(dmax, 0.5));
    if (nb < 1) nb = 1;
    if (nb > 100) nb = 100;
    int *head = malloc((size_t)nb * nb * nb * sizeof *head), *next = malloc((size_t)n * sizeof *next), *spec = malloc((size_t)n * sizeof *spec);
    if (!head || !next || !spec) {
        free(order), free(head), free(next), free(spec);
        return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    }
    for (int b = 0; b < nb * nb * nb; b++) head[b] = -1;
    for (long k = 0; k < n; k++) {
        int s = order[k], ok = 0;
        for (int attempt = 0; attempt < 20000 && !ok; attempt++) {
            double x[3];
            int c[3];
            for (int a = 0; a < 3; a++) {
                x[a] = aion_rng_uniform(&rng) * L;
                c[a] = (int)(x[a] / L * nb);
                if (c[a] >= nb) c[a] = nb - 1;
            }
            ok = 1;
            int span = nb >= 3 ? 1 : 0;
            for (int dx = -span; dx <= span && ok; dx++)
                for (int dy = -span; dy <= span && ok; dy++)
                    for (int dz = -span; dz <= span && ok; dz++) {
                        int cx = (c[0] + dx + nb) % nb, cy = (c[1] + dy + nb) % nb, cz = (c[2] + dz + nb) % nb;
                        for (int j = head[(cx * nb + cy) * nb + cz]; j >= 0; j = next[j]) {
                            double r2 = 0;
                            for (int a = 0; a < 3; a++) {
                                double d = f->pos[j][a] - x[a];
                                d -= L * round(d / L);
                                r2 += d * d;
                            }
                            double dm = dmin ? dmin[s * n_species + spec[j]]
                                             : 0.8 * (aion_element_covalent_radius(z[s]) + aion_element_covalent_radius(z[spec[j]]));
                            if (r2 < dm * dm) {
                                ok = 0;
                                break;
                            }
                        }
                    }
            if (ok) {
                int b = (c[0] * nb + c[1]) * nb + c[2];
                memcpy(f->pos[k], x, sizeof x);
                f->z[k] = z[s];
                spec[k] = s;
                next[k] = head[b];
                head[b] = (int)k;
            }
        }
        if (!ok) {
            free(order), free(head), free(next), free(spec);
            return aion_err_set(err, AION_ERR_INVALID,
                                "random structure: could not place atom %ld of %ld (%s) after 20000 tries: the density "
                                "%.3f g/cm³ is too high for the minimum distances",
                                k + 1, n, aion_element_symbol(z[s]), density_gcc);
        }
    }
    /* sort atoms by species (stable order within a species) for tidy files */
    {
        double(*pos)[3] = malloc((size_t)n * sizeof *pos);
        int *zz = malloc((size_t)n * sizeof *zz);
        if (pos && zz) {
            long k = 0;
            for (int s = 0; s < n_species; s++)
                for (long i = 0; i < n; i++)
                    if (spec[i] == s) {
                        memcpy(pos[k], f->pos[i], sizeof pos[k]);
                        zz[k++] = z[s];
                    }
            memcpy(f->pos, pos, (size_t)n * sizeof *pos);
            memcpy(f->z, zz, (size_t)n * sizeof *zz);
        }
        free(pos);
        free(zz);
    }
    free(order), free(head), free(next), free(spec);
    return AION_OK;
}

aion_status aion_quench_schedule(const aion_quench_opts *q, aion_segment **segs, int *nseg, aion_error *err)
{
    aion_segment *s;
    int n = 0, cap = 8 + 2 * q->n_anneal;
    double dt = q->dt_fs > 0 ? q->dt_fs : 1.0;
    *segs = NULL;
    *nseg = 0;
    if (!(q->t_melt_K > 0) || !(q->rate_K_ps > 0) || q->t_final_K < 0)
        return aion_err_set(err, AION_ERR_INVALID, "quench: need a melt temperature, a final temperature and a positive rate");
    if (q->n_anneal < 0 || q->n_anneal > 64) return aion_err_set(err, AION_ERR_INVALID, "quench: at most 64 anneal temperatures");
    s = calloc((size_t)cap, sizeof *s);
    if (!s) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
#define SEG(t0, t1, ps)                                                    \
    do {                                                                   \
        long ns_ = (long)llround((ps) * 1000.0 / dt);                      \
        if (ns_ > 0) {                                                     \
            s[n].t_start_K = (t0);                                         \
            s[n].t_end_K = (t1);                                           \
            s[n].nsteps = ns_;                                             \
            s[n].press_GPa = q->press_GPa;                                 \
            n++;                                                           \
        }                                                                  \
    } while (0)
    /* heat from the start temperature to the melt */
    double t0 = q->t_start_K > 0 ? q->t_start_K : 300.0;
    SEG(t0, t0, q->t_equil_ps);
    SEG(t0, q->t_melt_K, fabs(q->t_melt_K - t0) / q->rate_K_ps);
    SEG(q->t_melt_K, q->t_melt_K, q->t_hold_ps);
    /* cool through the anneal temperatures (in decreasing order) */
    double tcur = q->t_melt_K;
    for (int k = 0; k < q->n_anneal; k++) {
        double ta = q->anneal_K[k];
        if (!(ta < tcur && ta > q->t_final_K)) continue;
        SEG(tcur, ta, (tcur - ta) / q->rate_K_ps);
        SEG(ta, ta, q->anneal_ps);
        tcur = ta;
    }
    SEG(tcur, q->t_final_K, (tcur - q->t_final_K) / q->rate_K_ps);
    SEG(q->t_final_K, q->t_final_K, q->t_final_ps);
#undef SEG
    *segs = s;
    *nseg = n;
    return AION_OK;
}
