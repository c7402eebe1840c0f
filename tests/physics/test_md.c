/*
 * MD engine physics: NVE energy conservation; canonical sampling of the
 * kinetic energy by every thermostat (mean N_f kT/2 and variance N_f (kT)²/2,
 * checked against block-averaged statistical errors); the NPT volume
 * distribution of an ideal gas (exact: Gamma with shape N+1, scale kT/P);
 * reproducibility for a seed; checkpoint/restart bit for bit.
 */
#include "test.h"
#include "md_testpot.h"
#include "md/md.h"

/* Ar-like LJ: eps 0.0104 eV, sigma 3.40 Å, cutoff 8.0 Å */
#define EPS 0.0104
#define SIG 3.40

static aion_md *make_md(aion_potential *p, aion_ensemble e, int n, double a, double temp, unsigned long long seed)
{
    aion_frame f;
    aion_md_opts o;
    aion_md *md = NULL;
    aion_error err;
    tp_lattice(&f, n, a, seed);
    aion_md_opts_init(&o);
    o.ensemble = e;
    o.temp_K = temp;
    o.dt_fs = 5.0;
    o.tau_t_fs = 200.0;
    o.seed = seed;
    if (aion_md_create(&md, &f, p, &o, &err) != AION_OK) fprintf(stderr, "%s\n", err.msg);
    aion_frame_free(&f);
    if (md) aion_md_init_velocities(md, temp);
    return md;
}

static void test_nve(void)
{
    aion_potential *p = tp_create(EPS, SIG, 8.0);
    aion_md *md = make_md(p, AION_NVE, 4, 5.6, 60.0, 3);
    aion_thermo t0, t;
    CHECK(md != NULL);
    if (!md) return;
    CHECK_OK(aion_md_step(md, 1));
    aion_md_thermo(md, &t0);
    double emin = t0.etot, emax = t0.etot;
    for (int k = 0; k < 200; k++) {
        CHECK_OK(aion_md_step(md, 10));
        aion_md_thermo(md, &t);
        emin = fmin(emin, t.etot);
        emax = fmax(emax, t.etot);
    }
    /* 64 atoms, 10 ps at 5 fs: fluctuations of E_tot well below 1e-4 eV/atom */
    printf("NVE LJ: E fluctuation %.3g eV/atom over %.0f fs, T %.1f K\n", (emax - emin) / 64, t.time_fs, t.temp_K);
    CHECK((emax - emin) / 64 < 2e-5);
    CHECK_NEAR(t.conserved, t.etot, 1e-12);
    aion_md_free(md);
    aion_potential_free(p);
}

/* Mean and variance of the kinetic energy with block-averaged errors. */
static void check_canonical(aion_ensemble e, const char *name)
{
    aion_potential *p = tp_create(EPS, SIG, 8.0);
    const double temp = 100.0;
    aion_md *md = make_md(p, e, 4, 5.6, temp, 11);
    const int nblocks = 20, per_block = 400, stride = 2;
    double bm[20], bv[20];
    CHECK(md != NULL);
    if (!md) return;
    aion_md_step(md, 2000); /* equilibrate */
    for (int b = 0; b < nblocks; b++) {
        double s1 = 0, s2 = 0;
        for (int k = 0; k < per_block; k++) {
            aion_thermo t;
            aion_md_step(md, stride);
            aion_md_thermo(md, &t);
            s1 += t.ekin;
            s2 += t.ekin * t.ekin;
        }
        bm[b] = s1 / per_block;
        bv[b] = s2 / per_block - bm[b] * bm[b];
    }
    double m = 0, v = 0, sm = 0, sv = 0;
    for (int b = 0; b < nblocks; b++) m += bm[b] / nblocks, v += bv[b] / nblocks;
    for (int b = 0; b < nblocks; b++) sm += (bm[b] - m) * (bm[b] - m), sv += (bv[b] - v) * (bv[b] - v);
    sm = sqrt(sm / (nblocks - 1) / nblocks);
    sv = sqrt(sv / (nblocks - 1) / nblocks);
    double nf = md->ndof_total, kt = AION_KB_EV * temp;
    double m_th = 0.5 * nf * kt, v_th = 0.5 * nf * kt * kt;
    /* the within-block variance is biased low by the block's own mean error */
    double v_corr = v + sm * sm * nblocks;
    printf("%s: <K> = %.6f ± %.6f (theory %.6f), var K = %.3e ± %.1e (theory %.3e), N_f = %.0f\n", name, m, sm, m_th,
           v_corr, sv, v_th, nf);
    CHECK_NEAR(m, m_th, 4 * sm + 1e-12);
    CHECK_NEAR(v_corr, v_th, 4 * sv + 0.05 * v_th);
    aion_md_free(md);
    aion_potential_free(p);
}

static void test_csvr(void) { check_canonical(AION_NVT_CSVR, "CSVR"); }
static void test_langevin(void) { check_canonical(AION_NVT_LANGEVIN, "Langevin"); }
static void test_nhc(void) { check_canonical(AION_NVT_NHC, "NHC"); }

/* Ideal gas at constant P: V ~ Gamma(N+1, kT/P) exactly, with isotropic
 * scaling and with the z stretch alone (then V = A L_z and the weight
 * L_z^N e^{−P A L_z/kT} is the same; a and b must not move). The z stretch
 * heats only v_z, and without collisions a global thermostat (CSVR) cannot
 * share that with v_x, v_y: the z case needs Langevin (N = atoms, no
 * conserved momentum). */
static void check_npt_ideal_gas(aion_ensemble ens, aion_cell_dof dof, const char *name)
{
    aion_potential *p = tp_create(0.0, SIG, 3.0);
    aion_frame f;
    aion_md_opts o;
    aion_md *md = NULL;
    aion_error err;
    const double temp = 300.0, press_GPa = 0.05;
    tp_lattice(&f, 3, 4.0, 5);
    f.z[0] = 18;
    aion_md_opts_init(&o);
    o.ensemble = ens;
    o.temp_K = temp;
    o.dt_fs = 2.0;
    o.tau_t_fs = 50;
    o.tau_p_fs = 200;
    o.press_GPa = press_GPa;
    o.compress_GPa = 1.0 / press_GPa;
    o.seed = 9;
    o.cell_dof = dof;
    double ab[2][3];
    memcpy(ab, f.cell, sizeof ab);
    CHECK_OK(aion_md_create(&md, &f, p, &o, &err));
    aion_frame_free(&f);
    if (!md) return;
    aion_md_init_velocities(md, temp);
    aion_md_step(md, 5000);
    const int nblocks = 20, per = 2000;
    double bm[20], bv[20];
    for (int b = 0; b < nblocks; b++) {
        double s1 = 0, s2 = 0;
        for (int k = 0; k < per; k++) {
            aion_thermo t;
            aion_md_step(md, 5);
            aion_md_thermo(md, &t);
            s1 += t.volume;
            s2 += t.volume * t.volume;
        }
        bm[b] = s1 / per;
        bv[b] = s2 / per - bm[b] * bm[b];
    }
    double m = 0, v = 0, sm = 0, sv = 0;
    for (int b = 0; b < nblocks; b++) m += bm[b] / nblocks, v += bv[b] / nblocks;
    for (int b = 0; b < nblocks; b++) sm += (bm[b] - m) * (bm[b] - m), sv += (bv[b] - v) * (bv[b] - v);
    sm = sqrt(sm / (nblocks - 1) / nblocks);
    sv = sqrt(sv / (nblocks - 1) / nblocks);
    double v_corr = v + sm * sm * nblocks;
    double scale = AION_KB_EV * temp / (press_GPa / AION_EV_A3_TO_GPA);
    double shape = md->ndof_total / 3.0 + 1.0; /* N+1 with N = degrees of freedom / 3 */
    printf("NPT ideal gas (cell %s): <V> = %.1f ± %.1f (theory %.1f), var V = %.4g ± %.2g (theory %.4g)\n", name, m, sm,
           shape * scale, v_corr, sv, shape * scale * scale);
    if (dof == AION_CELL_Z) CHECK(memcmp(ab, md->f.cell, sizeof ab) == 0);
    CHECK_NEAR(m, shape * scale, 4 * sm);
    CHECK_NEAR(v_corr, shape * scale * scale, 4 * sv + 0.05 * shape * scale * scale);
    aion_md_free(md);
    aion_potential_free(p);
}

static void test_npt_ideal_gas(void) { check_npt_ideal_gas(AION_NPT_CSVR, AION_CELL_ISO, "iso"); }
static void test_npt_ideal_gas_z(void) { check_npt_ideal_gas(AION_NPT_LANGEVIN, AION_CELL_Z, "z, Langevin"); }

static void run_and_get(aion_ensemble e, long steps, double (*out)[3], int n)
{
    aion_potential *p = tp_create(EPS, SIG, 8.0);
    aion_md *md = make_md(p, e, 3, 5.6, 150.0, 77);
    aion_md_step(md, steps);
    memcpy(out, md->f.pos, (size_t)n * sizeof *out);
    aion_md_free(md);
    aion_potential_free(p);
}

static void test_restart(void)
{
    const aion_ensemble ens[] = {AION_NVE, AION_NVT_LANGEVIN, AION_NVT_CSVR, AION_NVT_NHC, AION_NPT_CSVR, AION_NPT_LANGEVIN};
    for (size_t k = 0; k < sizeof ens / sizeof ens[0]; k++) {
        double a[27][3], b[27][3];
        run_and_get(ens[k], 300, a, 27);
        run_and_get(ens[k], 300, b, 27);
        CHECK(memcmp(a, b, sizeof a) == 0); /* same seed, same run */
        /* interrupted: 120 steps, save, a NEW md, load, 180 steps */
        aion_potential *p = tp_create(EPS, SIG, 8.0);
        aion_md *md = make_md(p, ens[k], 3, 5.6, 150.0, 77);
        aion_md_step(md, 120);
        char path[] = "build/test_md_ckpt.bin";
        const char blob[] = "offsets";
        CHECK_OK(aion_md_save(md, path, blob, sizeof blob));
        aion_md_free(md);
        aion_potential_free(p);
        p = tp_create(EPS, SIG, 8.0);
        md = make_md(p, ens[k], 3, 5.6, 999.0, 1234); /* different velocities/seed: all overwritten */
        char got[16];
        size_t glen = 0;
        CHECK_OK(aion_md_load(md, path, got, sizeof got, &glen));
        CHECK(glen == sizeof blob && memcmp(got, blob, glen) == 0);
        aion_md_step(md, 180);
        CHECK(md->step == 300);
        CHECK(memcmp(a, md->f.pos, sizeof a) == 0);
        aion_md_free(md);
        aion_potential_free(p);
        remove(path);
    }
}

static void test_bad_checkpoint(void)
{
    aion_potential *p = tp_create(EPS, SIG, 8.0);
    aion_md *md = make_md(p, AION_NVE, 3, 5.6, 150.0, 1);
    const char *path = "build/test_md_bad.bin";
    FILE *fp = fopen(path, "wb");
    fputs("AIONCKP1 garbage", fp);
    fclose(fp);
    CHECK(aion_md_load(md, path, NULL, 0, NULL) != AION_OK);
    CHECK(strstr(aion_md_errmsg(md), path) != NULL);
    CHECK_OK(aion_md_save(md, path, NULL, 0));
    /* truncate by one byte: checksum/length failure */
    fp = fopen(path, "rb");
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fclose(fp);
    CHECK(truncate(path, len - 1) == 0);
    CHECK(aion_md_load(md, path, NULL, 0, NULL) != AION_OK);
    remove(path);
    aion_md_free(md);
    aion_potential_free(p);
}

int main(void)
{
    TEST_RUN(test_nve);
    TEST_RUN(test_csvr);
    TEST_RUN(test_langevin);
    TEST_RUN(test_nhc);
    TEST_RUN(test_npt_ideal_gas);
    TEST_RUN(test_npt_ideal_gas_z);
    TEST_RUN(test_restart);
    TEST_RUN(test_bad_checkpoint);
    return TEST_END();
}
