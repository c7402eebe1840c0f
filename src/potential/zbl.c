/*
 * ZBL screened-nuclear pair repulsion, switched to zero between inner and
 * outer exactly as LAMMPS `pair_style zbl inner outer` does (equations in
 * zbl.h; Ziegler, Biersack, Littmark 1985, doi:10.1007/978-3-642-68779-2_5).
 * Used as the optional short-range baseline under an MTP (mtp.c, trainer.c).
 *
 * Full neighbour lists: atom i collects half of the energy and of the virial
 * of each of its pairs and its own force F_i = Σ_j (dE/dr) d_ij / r_ij
 * (d_ij = r_j - r_i), so threads never write to the same atom; the per-atom
 * sums are then added in atom order (results independent of the thread count).
 */
#include "zbl.h"
#include "probe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* Universal screening function: coefficients and exponents (ZBL 1985, as in LAMMPS). */
static const double zbl_c[4] = {0.02817, 0.28022, 0.50986, 0.18175};
static const double zbl_d[4] = {0.20162, 0.40290, 0.94229, 3.19980};
#define ZBL_A0 0.46850  /* Å */
#define ZBL_PZ 0.23

/* Unswitched E_ZBL(r) and its first two derivatives. */
static double zbl_raw(const zbl_pair *p, double r, double *d1, double *d2)
{
    double s = 0.0, sp = 0.0, spp = 0.0, ir = 1.0 / r;
    for (int k = 0; k < 4; k++) {
        double e = zbl_c[k] * exp(-p->ka[k] * r);
        s += e;
        sp += p->ka[k] * e;
        spp += p->ka[k] * p->ka[k] * e;
    }
    *d1 = p->zze * (-sp - s * ir) * ir;
    if (d2) *d2 = p->zze * (spp + 2.0 * sp * ir + 2.0 * s * ir * ir) * ir;
    return p->zze * s * ir;
}

aion_status zbl_table_build(zbl_table *t, const int *z, int nspecies, double inner, double outer, aion_error *err)
{
    memset(t, 0, sizeof *t);
    if (nspecies < 1) return aion_err_set(err, AION_ERR_INVALID, "ZBL: no species");
    if (!(inner > 0.0) || !(outer > inner) || !isfinite(outer))
        return aion_err_set(err, AION_ERR_INVALID, "ZBL: need 0 < inner < outer (got %g, %g)", inner, outer);
    for (int s = 0; s < nspecies; s++)
        if (z[s] < 1 || z[s] > AION_MAX_Z)
            return aion_err_set(err, AION_ERR_INVALID, "ZBL: species %d: atomic number %d out of range 1..%d", s, z[s],
                                AION_MAX_Z);
    t->p = aion_calloc((size_t)nspecies * (size_t)nspecies, sizeof *t->p);
    if (!t->p) return aion_err_set(err, AION_ERR_NOMEM, "ZBL: out of memory");
    t->C = nspecies;
    t->inner = inner;
    t->outer = outer;
    const double tc = outer - inner;
    for (int a = 0; a < nspecies; a++)
        for (int b = 0; b < nspecies; b++) {
            zbl_pair *p = &t->p[a * nspecies + b];
            double ainv = (pow((double)z[a], ZBL_PZ) + pow((double)z[b], ZBL_PZ)) / ZBL_A0, fc, fcp, fcpp;
            for (int k = 0; k < 4; k++) p->ka[k] = zbl_d[k] * ainv;
            p->zze = (double)z[a] * (double)z[b] * ZBL_QQR2E;
            fc = zbl_raw(p, outer, &fcp, &fcpp);
            p->A = (-3.0 * fcp + tc * fcpp) / (tc * tc);
            p->B = (2.0 * fcp - tc * fcpp) / (tc * tc * tc);
            p->C = -fc + 0.5 * tc * fcp - tc * tc / 12.0 * fcpp;
        }
    return AION_OK;
}

void zbl_table_free(zbl_table *t)
{
    if (!t) return;
    free(t->p);
    memset(t, 0, sizeof *t);
}

aion_status zbl_check_species(const int *zbl_z, const int *z, int n, const char *name, const char *what,
                              aion_error *err)
{
    for (int s = 0; s < n; s++)
        if (zbl_z[s] != z[s])
            return aion_err_set(err, AION_ERR_INVALID,
                                "%s: the ZBL baseline was made for species %d = %s (aion_zbl_z), but %s names %s", name, s,
                                aion_element_symbol(zbl_z[s]), what, aion_element_symbol(z[s]));
    return AION_OK;
}

double zbl_pair_energy(const zbl_table *t, int si, int sj, double r, double *dedr)
{
    const zbl_pair *p = &t->p[si * t->C + sj];
    double e, de;
    if (r >= t->outer) {
        *dedr = 0.0;
        return 0.0;
    }
    e = zbl_raw(p, r, &de, NULL) + p->C;
    if (r > t->inner) {
        double s = r - t->inner;
        e += s * s * s * (p->A / 3.0 + p->B / 4.0 * s);
        de += s * s * (p->A + p->B * s);
    }
    *dedr = de;
    return e;
}

static int zbl_threads(int nthreads)
{
#ifdef _OPENMP
    return nthreads > 0 ? nthreads : omp_get_max_threads();
#else
    (void)nthreads;
    return 1;
#endif
}

aion_status zbl_add_nlist(const zbl_table *t, const aion_nlist *nl, const int *spec, int nthreads, double *energy,
                          double (*forces)[3], double vir[3][3], double *atom_energy, aion_error *err)
{
    const int n = nl->n;
    const double oc2 = t->outer * t->outer;
    int bad = -1, nt = zbl_threads(nthreads);
    double *buf;
    if (n <= 0) return AION_OK;
    if (!(nl->cutoff >= t->outer))
        return aion_err_set(err, AION_ERR_INTERNAL, "ZBL: neighbour list cutoff %g below outer %g", nl->cutoff,
                            t->outer);
    buf = malloc((size_t)n * 13 * sizeof *buf); /* per atom: e, F[3], W[9] */
    if (!buf) return aion_err_set(err, AION_ERR_NOMEM, "ZBL: out of memory");
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int i = 0; i < n; i++) {
        double e = 0.0, fi[3] = {0, 0, 0}, w[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
        const double *xi = nl->x[i];
        for (int q = nl->offset[i]; q < nl->offset[i + 1]; q++) {
            const int g = nl->nbr[q];
            const double d[3] = {nl->x[g][0] - xi[0], nl->x[g][1] - xi[1], nl->x[g][2] - xi[2]};
            const double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            double dedr;
            if (r2 >= oc2) continue;
            if (r2 < 1e-20) {
#pragma omp critical(zbl_err)
                if (bad < 0 || i < bad) bad = i;
                continue;
            }
            const double r = sqrt(r2);
            e += 0.5 * zbl_pair_energy(t, spec[i], spec[nl->owner[g]], r, &dedr);
            const double s = dedr / r; /* dE/dd = s d */
            for (int a = 0; a < 3; a++) {
                fi[a] += s * d[a];
                for (int b = 0; b < 3; b++) w[3 * a + b] -= 0.5 * s * d[a] * d[b];
            }
        }
        double *o = buf + (size_t)13 * i;
        o[0] = e;
        memcpy(o + 1, fi, sizeof fi);
        memcpy(o + 4, w, sizeof w);
    }
    if (bad >= 0) {
        free(buf);
        return aion_err_set(err, AION_ERR_NUMERIC, "ZBL: atom %d is on top of another atom", bad + 1);
    }
    double etot = 0.0, wtot[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < n; i++) {
        const double *o = buf + (size_t)13 * i;
        etot += o[0];
        if (atom_energy) atom_energy[i] += o[0];
        if (forces)
            for (int a = 0; a < 3; a++) forces[i][a] += o[1 + a];
        for (int c = 0; c < 9; c++) wtot[c] += o[4 + c];
    }
    free(buf);
    *energy += etot;
    if (vir)
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) vir[a][b] += wtot[3 * a + b];
    return AION_OK;
}

aion_status zbl_add_frame(const zbl_table *t, const aion_frame *f, const int *spec, int nthreads, double *energy,
                          double (*forces)[3], double vir[3][3], double *atom_energy, aion_error *err)
{
    aion_nlist *nl = NULL;
    aion_nlist_opts no;
    aion_status st;
    memset(&no, 0, sizeof no);
    no.cutoff = t->outer;
    no.skin = 0.0;
    no.full = 1;
    if ((st = aion_nlist_create(&nl, &no, err))) return st;
    aion_nlist_set_threads(nl, nthreads);
    if ((st = aion_nlist_update(nl, f)))
        st = aion_err_set(err, st, "ZBL: neighbour list: %s", nl->err.msg);
    else
        st = zbl_add_nlist(t, nl, spec, nthreads, energy, forces, vir, atom_energy, err);
    aion_nlist_free(nl);
    return st;
}

/*
 * Probe: E(x) = E_fw + E_self + Σ_{images j' of the other atoms within outer of x} E(|x - r_j'|)
 * E_fw: the pairs among the other atoms (atom k removed); E_self: k with its
 * own periodic images, ½ Σ_{n≠0, |nL|<outer} E_kk(|nL|), independent of x.
 */
aion_status zbl_add_probe(const zbl_table *t, const aion_frame *f, const int *spec, int k, int npts,
                          const double (*x)[3], int nthreads, double *energy, aion_error *err)
{
    const int n = f->n, sk = spec[k];
    int nt = zbl_threads(nthreads), nomem = 0, bad = -1;
    double *efw = NULL, (*lv)[3] = NULL, e0 = 0.0;
    probe_cells pc;
    aion_status st = AION_OK;
    memset(&pc, 0, sizeof pc);
    if ((st = probe_cells_build(&pc, f, k, t->outer, err)) != AION_OK) return st;
    int nlv = probe_lattice_vectors(f->cell, t->outer, &lv);
    efw = aion_calloc((size_t)n, sizeof *efw);
    if (nlv < 0 || !efw) {
        st = aion_err_set(err, AION_ERR_NOMEM, "ZBL: out of memory");
        goto done;
    }
#pragma omp parallel num_threads(nt)
    {
        probe_nbrs nb;
        memset(&nb, 0, sizeof nb);
#pragma omp for schedule(dynamic, 8)
        for (int j = 0; j < n; j++) {
            double e = 0.0, de;
            if (j == k) continue;
            if (probe_cells_query(&pc, f->pos[j], j, &nb) != AION_OK) {
#pragma omp atomic write
                nomem = 1;
                continue;
            }
            for (int q = 0; q < nb.n; q++) {
                if (nb.r2[q] < 1e-20) continue; /* the MTP reports overlapping atoms */
                e += 0.5 * zbl_pair_energy(t, spec[j], spec[nb.j[q]], sqrt(nb.r2[q]), &de);
            }
            efw[j] = e;
        }
#pragma omp for schedule(dynamic, 8)
        for (int p = 0; p < npts; p++) {
            double e = 0.0, de;
            if (probe_cells_query(&pc, x[p], -1, &nb) != AION_OK) {
#pragma omp atomic write
                nomem = 1;
                continue;
            }
            for (int q = 0; q < nb.n; q++) {
                if (nb.r2[q] < 1e-20) {
#pragma omp critical(zbl_probe_err)
                    if (bad < 0 || p < bad) bad = p;
                    continue;
                }
                e += zbl_pair_energy(t, sk, spec[nb.j[q]], sqrt(nb.r2[q]), &de);
            }
            energy[p] += e;
        }
        probe_nbrs_free(&nb);
    }
    if (nomem) {
        st = aion_err_set(err, AION_ERR_NOMEM, "ZBL: out of memory");
        goto done;
    }
    if (bad >= 0) {
        st = aion_err_set(err, AION_ERR_NUMERIC, "ZBL: probe point %d is on top of an atom", bad);
        goto done;
    }
    for (int j = 0; j < n; j++) e0 += efw[j];
    for (int q = 0; q < nlv; q++) {
        double de, r = sqrt(lv[q][0] * lv[q][0] + lv[q][1] * lv[q][1] + lv[q][2] * lv[q][2]);
        e0 += 0.5 * zbl_pair_energy(t, sk, sk, r, &de);
    }
    for (int p = 0; p < npts; p++) energy[p] += e0;
done:
    probe_cells_free(&pc);
    free(lv);
    free(efw);
    return st;
}
