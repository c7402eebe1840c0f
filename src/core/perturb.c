/*
 * Structure generation for training sets: homogeneous strain, rattling,
 * substitution with charge compensation, removal of atoms, and stripping a
 * frame down to the fields a data set needs.
 *
 *  - strain: every Cartesian row vector v (cell rows, positions) becomes
 *    v' = v · (I + ε) with ε symmetric, so fractional coordinates are unchanged
 *    (the affine deformation of continuum mechanics, small-strain form).
 *  - rattle: r_i' = r_i + δ_i, δ_i ~ N(0, σ² I) per Cartesian component (as ASE's
 *    Atoms.rattle; the mean displacement length is σ·sqrt(8/π) ≈ 1.6 σ).
 *  - substitution: `count` atoms of z_from chosen uniformly without replacement
 *    (partial Fisher-Yates) become z_to, then n_remove atoms of z_remove are
 *    chosen the same way among the rest and deleted. With O → N and one O
 *    removed per two N, the formal charges balance (3 O²⁻ ↔ 2 N³⁻):
 *    Li3PO4 → Li3PO(4−1.5x)Nx, x = 0.5 giving Li3PO3.25N0.5, close to LiPON
 *    Li2.9PO3.3N0.46 (Hu, Bates et al., J. Electrochem. Soc. 144, 1997;
 *    doi:10.1149/1.1837859 lists the measured compositions).
 * Labels (energy, forces, stress, per-atom energies) do not survive any of
 * these and are dropped; velocities and free-form fields are kept.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_BITS (AION_HAS_ENERGY | AION_HAS_FORCES | AION_HAS_STRESS | AION_HAS_ATOM_ENERGY)

void aion_strain_random(aion_rng *rng, double max, double eps[3][3])
{
    for (int i = 0; i < 3; i++)
        for (int j = i; j < 3; j++) {
            double e = max * (2.0 * aion_rng_uniform(rng) - 1.0);
            eps[i][j] = eps[j][i] = e;
        }
}

aion_status aion_frame_strain(aion_frame *f, const double eps[3][3], aion_error *err)
{
    double d[3][3], cell[3][3];
    if (!f || !eps) return aion_err_set(err, AION_ERR_INVALID, "strain: bad arguments");
    if (!(f->has & AION_HAS_CELL)) return aion_err_set(err, AION_ERR_INVALID, "strain: the structure has no cell");
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            if (!isfinite(eps[i][j])) return aion_err_set(err, AION_ERR_INVALID, "strain: non-finite component");
            if (fabs(eps[i][j] - eps[j][i]) > 1e-12)
                return aion_err_set(err, AION_ERR_INVALID, "strain: ε must be symmetric (ε%d%d %g, ε%d%d %g)", i + 1,
                                    j + 1, eps[i][j], j + 1, i + 1, eps[j][i]);
            d[i][j] = (i == j) + eps[i][j];
        }
    if (!(aion_det3(d) > 0.0))
        return aion_err_set(err, AION_ERR_INVALID, "strain: I + ε has det %g (must be positive)", aion_det3(d));
    aion_matmul3(f->cell, d, cell);
    memcpy(f->cell, cell, sizeof cell);
    for (int i = 0; i < f->n; i++) {
        double r[3];
        for (int x = 0; x < 3; x++) r[x] = f->pos[i][0] * d[0][x] + f->pos[i][1] * d[1][x] + f->pos[i][2] * d[2][x];
        memcpy(f->pos[i], r, sizeof r);
    }
    f->has &= ~(unsigned)LABEL_BITS;
    return AION_OK;
}

aion_status aion_frame_rattle(aion_frame *f, double sigma_A, aion_rng *rng, aion_error *err)
{
    if (!f || !rng) return aion_err_set(err, AION_ERR_INVALID, "rattle: bad arguments");
    if (!(sigma_A >= 0.0) || !isfinite(sigma_A))
        return aion_err_set(err, AION_ERR_INVALID, "rattle: σ must be finite and non-negative (got %g)", sigma_A);
    for (int i = 0; i < f->n; i++)
        for (int x = 0; x < 3; x++) f->pos[i][x] += sigma_A * aion_rng_normal(rng);
    f->has &= ~(unsigned)LABEL_BITS;
    return AION_OK;
}

aion_status aion_frame_remove_atoms(aion_frame *f, const unsigned char *del, aion_error *err)
{
    int m = 0;
    if (!f || (!del && f->n > 0)) return aion_err_set(err, AION_ERR_INVALID, "remove atoms: bad arguments");
    for (int i = 0; i < f->n; i++) {
        if (del[i]) {
            for (int k = 0; k < f->n_cols; k++) {
                aion_column *c = &f->cols[k];
                if (c->kind == 'S')
                    for (int q = 0; q < c->ncols; q++) {
                        free(c->s[(long)i * c->ncols + q]);
                        c->s[(long)i * c->ncols + q] = NULL;
                    }
            }
            continue;
        }
        if (m != i) {
#define MV(field, bit) \
    if ((bit) == 0 || ((f->has & (bit)) && f->field)) memcpy(&f->field[m], &f->field[i], sizeof *f->field);
            MV(pos, 0u)
            MV(z, 0u)
            MV(type, AION_HAS_TYPE)
            MV(id, AION_HAS_ID)
            MV(mass, AION_HAS_MASS)
            MV(charge, AION_HAS_CHARGE)
            MV(vel, AION_HAS_VEL)
            MV(image, AION_HAS_IMAGE)
            MV(fixed, AION_HAS_FIXED)
            MV(forces, AION_HAS_FORCES)
            MV(atom_energy, AION_HAS_ATOM_ENERGY)
#undef MV
            for (int k = 0; k < f->n_cols; k++) {
                aion_column *c = &f->cols[k];
                for (int q = 0; q < c->ncols; q++) {
                    long dst = (long)m * c->ncols + q, src = (long)i * c->ncols + q;
                    if (c->kind == 'S') {
                        c->s[dst] = c->s[src];
                        c->s[src] = NULL;
                    } else {
                        c->d[dst] = c->d[src];
                    }
                }
            }
        }
        m++;
    }
    if (m != f->n) {
        /* shrinking never allocates more; the arrays keep their capacity */
        if (aion_frame_resize(f, m, 0) != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        f->has &= ~(unsigned)LABEL_BITS;
    }
    return AION_OK;
}

/* Choose k of the n indices idx[] uniformly without replacement: they end up
 * in idx[0..k-1] (partial Fisher-Yates). */
static void choose(int *idx, int n, int k, aion_rng *rng)
{
    for (int a = 0; a < k; a++) {
        int b = a + (int)(aion_rng_uniform(rng) * (n - a));
        int t;
        if (b >= n) b = n - 1;
        t = idx[a];
        idx[a] = idx[b];
        idx[b] = t;
    }
}

aion_status aion_frame_substitute(aion_frame *f, const aion_subst *s, aion_rng *rng, aion_error *err)
{
    int *idx = NULL, n_from = 0, n_rem = 0;
    unsigned char *del = NULL;
    aion_status st = AION_OK;
    if (!f || !s || !rng) return aion_err_set(err, AION_ERR_INVALID, "substitute: bad arguments");
    if (s->count < 0 || s->n_remove < 0)
        return aion_err_set(err, AION_ERR_INVALID, "substitute: negative count");
    if (s->count > 0 && (s->z_from < 1 || s->z_from > AION_MAX_Z || s->z_to < 1 || s->z_to > AION_MAX_Z))
        return aion_err_set(err, AION_ERR_INVALID, "substitute: unknown element (Z %d -> %d)", s->z_from, s->z_to);
    if (s->n_remove > 0 && (s->z_remove < 1 || s->z_remove > AION_MAX_Z))
        return aion_err_set(err, AION_ERR_INVALID, "substitute: unknown element to remove (Z %d)", s->z_remove);
    for (int i = 0; i < f->n; i++) n_from += f->z[i] == s->z_from;
    if (s->count > n_from)
        return aion_err_set(err, AION_ERR_INVALID, "substitute: %d %s asked for, the structure has %d", s->count,
                            aion_element_symbol(s->z_from), n_from);
    for (int i = 0; i < f->n; i++) n_rem += f->z[i] == s->z_remove;
    if (s->z_remove == s->z_from) n_rem -= s->count;
    if (s->z_remove == s->z_to) n_rem += s->count;
    if (s->n_remove > n_rem)
        return aion_err_set(err, AION_ERR_INVALID, "substitute: %d %s to remove, only %d left", s->n_remove,
                            aion_element_symbol(s->z_remove), n_rem);
    if (f->n > 0 && !(idx = aion_calloc((size_t)f->n, sizeof *idx))) goto nomem;
    if (s->count > 0) {
        int k = 0;
        for (int i = 0; i < f->n; i++)
            if (f->z[i] == s->z_from) idx[k++] = i;
        choose(idx, k, s->count, rng);
        for (int a = 0; a < s->count; a++) {
            f->z[idx[a]] = s->z_to;
            if (f->has & AION_HAS_MASS) f->mass[idx[a]] = aion_element_mass(s->z_to);
        }
        /* the file's type indices and charges no longer describe the atoms */
        f->has &= ~(unsigned)(LABEL_BITS | AION_HAS_TYPE | AION_HAS_CHARGE);
    }
    if (s->n_remove > 0) {
        int k = 0;
        for (int i = 0; i < f->n; i++)
            if (f->z[i] == s->z_remove) idx[k++] = i;
        choose(idx, k, s->n_remove, rng);
        if (!(del = aion_calloc((size_t)f->n, 1))) goto nomem;
        for (int a = 0; a < s->n_remove; a++) del[idx[a]] = 1;
        st = aion_frame_remove_atoms(f, del, err);
    }
    free(idx);
    free(del);
    return st;
nomem:
    free(idx);
    free(del);
    return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
}

static int listed(const char *name, const char *const *keys, int nkeys)
{
    for (int k = 0; k < nkeys; k++)
        if (keys[k] && !strcmp(keys[k], name)) return 1;
    return 0;
}

void aion_frame_strip(aion_frame *f, unsigned keep_has, const char *const *keys, int nkeys)
{
    int m = 0;
    if (!f) return;
    f->has &= keep_has | AION_HAS_CELL;
    for (int k = 0; k < f->n_info; k++) {
        if (listed(f->info[k].key, keys, nkeys)) {
            f->info[m++] = f->info[k];
        } else {
            free(f->info[k].key);
            free(f->info[k].value);
        }
    }
    f->n_info = m;
    m = 0;
    for (int k = 0; k < f->n_cols; k++) {
        aion_column *c = &f->cols[k];
        if (listed(c->name, keys, nkeys)) {
            f->cols[m++] = *c;
        } else {
            if (c->s)
                for (long q = 0; q < (long)f->n * c->ncols; q++) free(c->s[q]);
            free(c->name);
            free(c->s);
            free(c->d);
        }
    }
    f->n_cols = m;
}
