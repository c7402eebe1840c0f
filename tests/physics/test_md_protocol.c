/*
 * MD protocols: random structures respect minimum distances and density; the
 * quench schedule; FIRE reaches a minimum; a
 * protocol run killed at a checkpoint and restarted produces the same thermo
 * log, byte for byte, as the uninterrupted run.
 */
#include "test.h"
#include "md_testpot.h"
#include "md/md.h"

#define EPS 0.0104
#define SIG 3.40

static void test_random_structure(void)
{
    aion_frame f;
    aion_error err;
    int z[3] = {3, 15, 8}, cnt[3] = {24, 8, 32};
    double dmin[9] = {2.0, 2.4, 1.7, 2.4, 2.8, 1.4, 1.7, 1.4, 2.3};
    aion_frame_init(&f);
    CHECK_OK(aion_random_structure(&f, z, cnt, 3, 2.2, dmin, 42, &err));
    CHECK(f.n == 64);
    CHECK_NEAR(aion_frame_density(&f), 2.2, 1e-9);
    double worst = 1e9;
    double L = f.cell[0][0];
    for (int i = 0; i < f.n; i++)
        for (int j = i + 1; j < f.n; j++) {
            int a = f.z[i] == 3 ? 0 : f.z[i] == 15 ? 1 : 2, b = f.z[j] == 3 ? 0 : f.z[j] == 15 ? 1 : 2;
            double r2 = 0;
            for (int k = 0; k < 3; k++) {
                double d = f.pos[i][k] - f.pos[j][k];
                d -= L * round(d / L);
                r2 += d * d;
            }
            worst = fmin(worst, sqrt(r2) - dmin[a * 3 + b]);
        }
    CHECK(worst >= 0);
    /* impossible density: clear error */
    CHECK(aion_random_structure(&f, z, cnt, 3, 20.0, dmin, 42, &err) == AION_ERR_INVALID);
    CHECK(strstr(err.msg, "too high") != NULL);
    aion_frame_free(&f);
}

static void test_schedule(void)
{
    aion_quench_opts q;
    aion_segment *s;
    int n;
    aion_error err;
    memset(&q, 0, sizeof q);
    q.t_start_K = 300, q.t_melt_K = 2000, q.t_final_K = 300, q.rate_K_ps = 100, q.t_hold_ps = 10, q.t_final_ps = 5;
    q.anneal_K[0] = 1000, q.n_anneal = 1, q.anneal_ps = 2, q.dt_fs = 2, q.press_GPa = 1e-4;
    CHECK_OK(aion_quench_schedule(&q, &s, &n, &err));
    /* heat 17 ps, hold 10, cool 10, anneal 2, cool 7, hold 5 */
    CHECK(n == 6);
    long tot = 0;
    for (int k = 0; k < n; k++) tot += s[k].nsteps;
    CHECK(tot == (17 + 10 + 10 + 2 + 7 + 5) * 500);
    CHECK(s[0].t_start_K == 300 && s[0].t_end_K == 2000);
    CHECK(s[3].t_start_K == 1000 && s[3].t_end_K == 1000);
    free(s);
}

static void test_fire(void)
{
    aion_potential *p = tp_create(EPS, SIG, 8.0);
    aion_frame f;
    aion_min_opts o;
    aion_error err;
    int steps;
    double fm;
    tp_lattice(&f, 3, 4.2, 99); /* compressed simple cubic: relaxes */
    aion_min_opts_init(&o);
    o.fmax = 1e-4;
    o.max_steps = 5000;
    CHECK_OK(aion_minimize(&f, p, &o, &steps, &fm, &err));
    CHECK(fm < 1e-4);
    printf("FIRE positions: %d steps, fmax %.2g\n", steps, fm);
    /* FIRE with the cell is tested with the production pair potentials
     * (tests/physics/test_md_classical.c): this O(N²) test potential handles
     * only orthorhombic cells larger than twice its cutoff. */
    aion_frame_free(&f);
    aion_potential_free(p);
}

static int stop_at;
static int stopper(void *user, long done, long total, const aion_thermo *t)
{
    (void)user, (void)total, (void)t;
    return stop_at > 0 && done >= stop_at;
}

static char *slurp(const char *path, long *len)
{
    FILE *fp = fopen(path, "rb");
    char *b;
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    *len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    b = malloc((size_t)*len + 1);
    if (fread(b, 1, (size_t)*len, fp) != (size_t)*len) *len = -1;
    fclose(fp);
    return b;
}

static void run_protocol(const char *csv, const char *ck, int restart, int stop)
{
    aion_potential *p = tp_create(EPS, SIG, 8.0);
    aion_frame f;
    aion_md_opts o;
    aion_md *md = NULL;
    aion_error err;
    aion_segment seg[3] = {{100, 100, 1e-4, 150}, {100, 300, 0.5, 200}, {300, 300, 0.5, 0}};
    aion_run_opts ro;
    tp_lattice(&f, 3, 5.6, 7);
    aion_md_opts_init(&o);
    o.ensemble = AION_NPT_CSVR;
    o.dt_fs = 4;
    o.seed = 5;
    o.tau_p_fs = 400;
    CHECK_OK(aion_md_create(&md, &f, p, &o, &err));
    aion_md_init_velocities(md, 100);
    memset(&ro, 0, sizeof ro);
    ro.thermo_csv = csv;
    ro.thermo_every = 10;
    ro.checkpoint = ck;
    ro.checkpoint_every = 70;
    ro.restart = restart;
    ro.progress = stopper;
    ro.progress_every = 1;
    stop_at = stop;
    aion_status st = aion_md_run(md, seg, 3, &ro, &err);
    CHECK(st == (stop ? AION_EOF : AION_OK));
    if (st != AION_OK && st != AION_EOF) fprintf(stderr, "%s\n", err.msg);
    aion_md_free(md);
    aion_potential_free(p);
    aion_frame_free(&f);
}

static void test_restart_protocol(void)
{
    long la, lb;
    run_protocol("build/proto_a.csv", "build/proto_a.ckpt", 0, 0);
    /* killed at step 203 (SIGINT-like stop: checkpoint written then) */
    run_protocol("build/proto_b.csv", "build/proto_b.ckpt", 0, 203);
    run_protocol("build/proto_b.csv", "build/proto_b.ckpt", 1, 0);
    char *a = slurp("build/proto_a.csv", &la), *b = slurp("build/proto_b.csv", &lb);
    CHECK(a && b && la == lb && la > 0 && memcmp(a, b, (size_t)la) == 0);
    free(a);
    free(b);
    remove("build/proto_a.csv"), remove("build/proto_b.csv");
    remove("build/proto_a.ckpt"), remove("build/proto_b.ckpt");
}

/* The blow-up guard: a lattice squeezed to 0.7 sigma explodes at the first steps; the run stops
 * with AION_ERR_NUMERIC and says so (default ratio 20), the thermo log written so far is kept;
 * with the guard off (ratio < 0) the same run is not stopped by it. A normal run is never
 * stopped (test_restart_protocol, ratio 0 = 20). */
static void blowup_run(double ratio, aion_status *st, char *msg, size_t cap, long *lines)
{
    aion_potential *p = tp_create(EPS, SIG, 8.0);
    aion_frame f;
    aion_md_opts o;
    aion_md *md = NULL;
    aion_error err = {0};
    aion_segment seg[1] = {{100, 100, 1e-4, 400}};
    aion_run_opts ro;
    tp_lattice(&f, 3, 0.7 * SIG, 3);
    aion_md_opts_init(&o);
    o.ensemble = AION_NVT_CSVR;
    o.dt_fs = 2;
    o.seed = 5;
    CHECK_OK(aion_md_create(&md, &f, p, &o, &err));
    aion_md_init_velocities(md, 100);
    memset(&ro, 0, sizeof ro);
    ro.thermo_csv = "build/blowup.csv";
    ro.thermo_every = 10;
    ro.max_temp_ratio = ratio;
    *st = aion_md_run(md, seg, 1, &ro, &err);
    snprintf(msg, cap, "%s", *st == AION_OK ? "" : err.msg);
    char *b = slurp("build/blowup.csv", lines);
    long n = 0;
    for (long i = 0; b && i < *lines; i++) n += b[i] == '\n';
    *lines = n;
    free(b);
    remove("build/blowup.csv");
    aion_md_free(md);
    aion_potential_free(p);
    aion_frame_free(&f);
}

static void test_blowup_guard(void)
{
    aion_status st;
    char msg[1100];
    long lines;
    blowup_run(0, &st, msg, sizeof msg, &lines);
    CHECK(st == AION_ERR_NUMERIC);
    CHECK(strstr(msg, "blown up") != NULL && strstr(msg, "target temperature (100 K)") != NULL);
    CHECK(lines >= 2); /* header and the first lines are kept */
    blowup_run(-1, &st, msg, sizeof msg, &lines);
    CHECK(strstr(msg, "blown up") == NULL);
}

int main(void)
{
    TEST_RUN(test_random_structure);
    TEST_RUN(test_schedule);
    TEST_RUN(test_fire);
    TEST_RUN(test_restart_protocol);
    TEST_RUN(test_blowup_guard);
    return TEST_END();
}
