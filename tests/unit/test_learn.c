/* Active learning (src/learn/): task text form, temperature schedules, the
 * potential oracle (stress against finite differences of the energy), and a
 * two-iteration loop whose labeller fails every second configuration and
 * then asks to stop once (failures are skipped; a stop resumes), and the
 * energy check (audit): configurations labelled whatever their grade, their
 * errors recomputed here, convergence held back while they are off. */
#include "test.h"
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_task_parse(void)
{
    aion_learn_task t, u;
    aion_error err;
    char buf[1024];
    aion_learn_task_init(&t);
    CHECK_OK(aion_learn_task_parse(&t, "start=a.xyz frame=-1, T=300:2000:2000:300;steps=4000 dt=0.5 tau=50 every=20 seed=7", &err));
    CHECK(!strcmp(t.start, "a.xyz") && t.frame == -1 && t.n_temps == 4 && t.temps_K[1] == 2000 && t.steps == 4000);
    CHECK(t.dt_fs == 0.5 && t.tau_t_fs == 50 && t.grade_every == 20 && t.seed == 7 && t.npt == 0);
    aion_learn_task_format(&t, buf, sizeof buf);
    aion_learn_task_init(&u);
    CHECK_OK(aion_learn_task_parse(&u, buf, &err));
    CHECK(!strcmp(u.start, t.start) && u.frame == t.frame && u.n_temps == t.n_temps && u.steps == t.steps);
    for (int k = 0; k < 4; k++) CHECK(u.temps_K[k] == t.temps_K[k]);
    CHECK(u.dt_fs == t.dt_fs && u.tau_t_fs == t.tau_t_fs && u.grade_every == t.grade_every && u.seed == t.seed);

    aion_learn_task_init(&t);
    CHECK_OK(aion_learn_task_parse(&t, "random=Li3PO4 atoms=32 density=2.3 ensemble=npt press=0.1 T=1500.7", &err));
    aion_learn_task_format(&t, buf, sizeof buf);
    CHECK(strstr(buf, "density=2.3 ") != NULL && strstr(buf, "T=1500.7 ") != NULL && strstr(buf, "press=0.1 ") != NULL);
    aion_learn_task_init(&u);
    CHECK_OK(aion_learn_task_parse(&u, buf, &err));
    CHECK(u.density_gcc == 2.3 && u.npt == 1 && u.press_GPa == 0.1 && u.atoms == 32 && !strcmp(u.composition, "Li3PO4"));

    static const char *bad[] = {
        "T=300 steps=10",                          /* no start */
        "start=a.xyz random=Li3PO4 atoms=3 density=2", /* both */
        "start=a.xyz colour=red",                  /* unknown key */
        "start=a.xyz T=300:abc",                   /* bad temperature */
        "start=a.xyz T=0",                         /* not > 0 */
        "start=a.xyz T=300:400:500 steps=1",       /* fewer steps than pieces */
        "random=Li3PO4 density=2.3",               /* no atoms */
        "start=a.xyz ensemble=nve",                /* unknown ensemble */
        "start=a.xyz steps=0",                     /* no steps */
        "start",                                   /* not key=value */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        aion_learn_task_init(&t);
        err.msg[0] = '\0';
        CHECK(aion_learn_task_parse(&t, bad[k], &err) == AION_ERR_INVALID);
        CHECK(err.msg[0] != '\0');
    }
}

static void test_segments(void)
{
    aion_learn_task t;
    aion_segment s[AION_LEARN_MAX_TEMPS];
    aion_error err;
    aion_learn_task_init(&t);
    CHECK_OK(aion_learn_task_parse(&t, "start=x T=300:2000:2000:300 steps=1000 ensemble=npt press=2", &err));
    int n = aion_learn_task_segments(&t, s);
    CHECK(n == 3);
    long sum = 0;
    for (int k = 0; k < n; k++) {
        sum += s[k].nsteps;
        CHECK(s[k].t_start_K == t.temps_K[k] && s[k].t_end_K == t.temps_K[k + 1] && s[k].press_GPa == 2);
        CHECK(labs(s[k].nsteps - 333) <= 1);
    }
    CHECK(sum == 1000);
    aion_learn_task_init(&t);
    CHECK_OK(aion_learn_task_parse(&t, "start=x T=900 steps=77", &err));
    CHECK(aion_learn_task_segments(&t, s) == 1 && s[0].nsteps == 77 && s[0].t_start_K == 900 && s[0].t_end_K == 900);
}

/* 8 strained, rattled copies of gamma-Li3PO4 (32 atoms) */
static int make_structures(aion_frame **out)
{
    aion_frame *cif = NULL, *f;
    int n = 0;
    aion_rng rng;
    aion_error err;
    if (aion_read_all("examples/dataset/gamma-Li3PO4.cif", NULL, &cif, &n, &err) != AION_OK || n != 1) return 0;
    f = calloc(8, sizeof *f);
    aion_rng_seed(&rng, 3, 0);
    for (int k = 0; k < 8; k++) {
        double eps[3][3];
        aion_frame_init(&f[k]);
        aion_frame_copy(&f[k], &cif[0]);
        aion_strain_random(&rng, 0.03, eps);
        aion_frame_strain(&f[k], eps, &err);
        aion_frame_rattle(&f[k], 0.1, &rng, &err);
    }
    aion_frames_free(cif, n);
    *out = f;
    return 8;
}

static void test_oracle(void)
{
    aion_frame *f = NULL;
    aion_potential *p = NULL;
    aion_error err;
    int n = make_structures(&f), ok[8];
    CHECK(n == 8);
    if (n != 8) return;
    CHECK_OK(aion_potential_create(&p, "pedone", NULL, &err));
    CHECK_OK(aion_learn_label_potential(p, ".", f, 2, ok, &err));
    CHECK(ok[0] == 1 && ok[1] == 1);
    CHECK((f[0].has & (AION_HAS_ENERGY | AION_HAS_FORCES | AION_HAS_STRESS)) ==
          (AION_HAS_ENERGY | AION_HAS_FORCES | AION_HAS_STRESS));
    /* stress (ASE sign) = (1/V) dE/d(eps) by central differences */
    const double h = 1e-5;
    double V = aion_frame_volume(&f[0]);
    for (int a = 0; a < 3; a++) {
        double e[2];
        for (int s = 0; s < 2; s++) {
            aion_frame g;
            aion_eval ev;
            double eps[3][3] = {{0}};
            eps[a][a] = s ? h : -h;
            aion_frame_init(&g);
            aion_frame_copy(&g, &f[0]);
            aion_frame_strain(&g, eps, &err);
            memset(&ev, 0, sizeof ev);
            CHECK_OK(aion_potential_compute(p, &g, &ev));
            e[s] = ev.energy;
            aion_frame_free(&g);
        }
        double fd = (e[1] - e[0]) / (2 * h) / V;
        CHECK_NEAR(f[0].stress[a][a], fd, 1e-6 + 1e-5 * fabs(fd));
    }
    /* forces against the potential itself, a first check that the frame was filled */
    {
        aion_eval ev;
        double (*fr)[3] = malloc((size_t)f[1].n * sizeof *fr);
        memset(&ev, 0, sizeof ev);
        ev.forces = fr;
        CHECK_OK(aion_potential_compute(p, &f[1], &ev));
        CHECK(ev.energy == f[1].energy);
        for (int i = 0; i < f[1].n; i++)
            for (int x = 0; x < 3; x++) CHECK(fr[i][x] == f[1].forces[i][x]);
        free(fr);
    }
    aion_potential_free(p);
    aion_frames_free(f, n);
}

/* Label the structures with Pedone (the oracle, returned) and write them to DIR/seed.xyz (path in seed). */
static aion_potential *label_seed(const char *dir, aion_frame *f, int n, char *seed, size_t cap)
{
    aion_potential *p = NULL;
    aion_writer *w;
    aion_error err;
    int ok[8];
    CHECK(n <= 8);
    CHECK_OK(aion_potential_create(&p, "pedone", NULL, &err));
    CHECK_OK(aion_learn_label_potential(p, dir, f, n, ok, &err));
    snprintf(seed, cap, "%s/seed.xyz", dir);
    CHECK_OK(aion_writer_open(&w, seed, NULL, &err));
    for (int k = 0; k < n; k++) CHECK_OK(aion_writer_write(w, &f[k]));
    CHECK_OK(aion_writer_close(w, &err));
    return p;
}

/* Labeller: Pedone, but every second configuration fails; stops once when asked to. */
typedef struct flaky {
    aion_potential *p;
    int calls, stop_on_call;
    int seen;
} flaky;

static aion_status flaky_label(void *user, const char *workdir, aion_frame *frames, int n, int *ok, aion_error *err)
{
    flaky *fl = user;
    struct stat sb;
    fl->calls++;
    if (stat(workdir, &sb) != 0 || !S_ISDIR(sb.st_mode)) return aion_err_set(err, AION_ERR_IO, "no work dir");
    if (fl->calls == fl->stop_on_call) return AION_EOF;
    aion_status st = aion_learn_label_potential(fl->p, workdir, frames, n, ok, err);
    for (int k = 1; k < n; k += 2) ok[k] = 0;
    fl->seen += n;
    return st;
}

static void test_loop(void)
{
    aion_frame *f = NULL;
    aion_error err;
    int n = make_structures(&f);
    char dir[] = "/tmp/aion-test-learn-XXXXXX", seed[256], out[256];
    flaky fl = {NULL, 0, 1, 0};
    aion_learn_opts o;
    aion_learn_task task[2];
    aion_learn_summary sum;
    static const int zs[3] = {3, 15, 8};
    if (n != 8 || !mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    fl.p = label_seed(dir, f, n, seed, sizeof seed);
    snprintf(out, sizeof out, "%s/out", dir);
    const char *seeds[1] = {seed};
    aion_learn_task_init(&task[0]);
    snprintf(task[0].start, sizeof task[0].start, "%s", seed);
    task[0].temps_K[0] = 300;
    task[0].temps_K[1] = 2500;
    task[0].n_temps = 2;
    task[0].steps = 1000;
    aion_learn_task_init(&task[1]); /* a random start: extrapolates at once */
    CHECK_OK(aion_learn_task_parse(&task[1], "random=Li3PO4 atoms=32 density=2.3 T=1500 steps=300", &err));
    aion_learn_opts_init(&o);
    o.seed_files = seeds;
    o.n_seed_files = 1;
    o.species_z = zs;
    o.n_species = 3;
    o.level = 6;
    o.train_max_iter = 40;
    o.nthreads = 1;
    o.tasks = task;
    o.n_tasks = 2;
    o.gamma_select = 1.01; /* many candidates */
    o.max_select = 6;
    o.max_iter = 2;
    o.label = flaky_label;
    o.label_user = &fl;
    o.label_id = "pedone-flaky";
    /* first run: the labeller asks to stop */
    CHECK(aion_learn_run(&o, out, &sum, &err) == AION_EOF);
    CHECK(fl.calls == 1 && fl.seen == 0);
    /* second run: continues, every second label fails and is skipped */
    aion_status st = aion_learn_run(&o, out, &sum, &err);
    CHECK_OK(st);
    CHECK(fl.calls == 2);
    CHECK(sum.iterations == 2);
    CHECK(fl.seen >= 2);
    if (fl.seen < 2) fprintf(stderr, "seen %d iterations %d labelled %d failed %d\n", fl.seen, sum.iterations, sum.labelled, sum.failed);
    CHECK(sum.labelled == (fl.seen + 1) / 2 && sum.failed == fl.seen / 2);
    CHECK(sum.dataset_size == 8 + sum.labelled);
    {
        aion_frame *d = NULL;
        int nd = 0;
        char path[300];
        snprintf(path, sizeof path, "%s/dataset.xyz", out);
        CHECK_OK(aion_read_all(path, NULL, &d, &nd, &err));
        CHECK(nd == sum.dataset_size);
        int al = 0;
        for (int k = 0; k < nd; k++) {
            const char *ct = aion_frame_info_get(&d[k], "config_type");
            al += ct && !strcmp(ct, "active_learning");
            CHECK((d[k].has & AION_HAS_ENERGY) && (d[k].has & AION_HAS_FORCES));
        }
        CHECK(al == sum.labelled);
        aion_frames_free(d, nd);
    }
    /* a third run reuses everything: the labeller is not called again */
    CHECK_OK(aion_learn_run(&o, out, &sum, &err));
    CHECK(fl.calls == 2);
    aion_potential_free(fl.p);
    aion_frames_free(f, n);
    {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0);
    }
}

/* Labeller: the potential oracle, counting calls and configurations. */
typedef struct counting {
    aion_potential *p;
    int calls, seen;
} counting;

static aion_status counting_label(void *user, const char *workdir, aion_frame *frames, int n, int *ok, aion_error *err)
{
    counting *c = user;
    c->calls++;
    c->seen += n;
    return aion_learn_label_potential(c->p, workdir, frames, n, ok, err);
}

/* The largest |E_pot - E_label| / N (meV/atom) of a potential over the frames of a file, and how many
 * of them carry al_audit. */
static double max_energy_error(const char *mtp, const char *xyz, const int *zs, int nz, int *n_audit)
{
    aion_potential *p = NULL;
    aion_potential_opts po;
    aion_frame *f = NULL;
    aion_error err;
    int n = 0;
    double emax = -1;
    char spec[600];
    aion_potential_opts_init(&po);
    po.species_z = zs;
    po.n_species_z = nz;
    snprintf(spec, sizeof spec, "%s", mtp);
    *n_audit = 0;
    if (aion_potential_create(&p, spec, &po, &err) != AION_OK || aion_read_all(xyz, NULL, &f, &n, &err) != AION_OK) {
        fprintf(stderr, "%s\n", err.msg);
        aion_potential_free(p);
        return -1;
    }
    for (int k = 0; k < n; k++) {
        aion_eval ev;
        memset(&ev, 0, sizeof ev);
        if (aion_potential_compute(p, &f[k], &ev) != AION_OK) break;
        emax = fmax(emax, 1e3 * fabs(ev.energy - f[k].energy) / f[k].n);
        *n_audit += aion_frame_info_get(&f[k], "al_audit") != NULL;
    }
    aion_frames_free(f, n);
    aion_potential_free(p);
    return emax;
}

static void test_audit(void)
{
    aion_frame *f = NULL;
    aion_error err;
    int n = make_structures(&f), na = 0;
    char dir[] = "/tmp/aion-test-audit-XXXXXX", seed[256], out[256], path[300], path2[300];
    counting lab = {NULL, 0, 0};
    aion_learn_opts o;
    aion_learn_task task;
    aion_learn_summary sum;
    static const int zs[3] = {3, 15, 8};
    if (n != 8 || !mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    lab.p = label_seed(dir, f, n, seed, sizeof seed);
    const char *seeds[1] = {seed};
    aion_learn_task_init(&task);
    snprintf(path, sizeof path, "start=%s T=300 steps=200 every=10 seed=5", seed);
    CHECK_OK(aion_learn_task_parse(&task, path, &err));
    aion_learn_opts_init(&o);
    CHECK(o.audit == 0 && o.audit_tol == 30 && o.zbl_mode == 0);
    o.seed_files = seeds;
    o.n_seed_files = 1;
    o.species_z = zs;
    o.n_species = 3;
    o.level = 6;
    o.train_max_iter = 30;
    o.nthreads = 1;
    o.tasks = &task;
    o.n_tasks = 1;
    o.gamma_select = 1e5; /* no candidate: only the energy check can keep the loop going */
    o.gamma_break = 1e6;
    o.max_iter = 2;
    o.label = counting_label;
    o.label_user = &lab;
    o.label_id = "pedone";
    o.audit = 2;

    /* a tolerance nothing meets: iteration 1 adds its two audit labels, iteration 2 (the last) labels two
     * more as a test of the final potential and does not add them */
    o.audit_tol = 1e-9;
    snprintf(out, sizeof out, "%s/strict", dir);
    CHECK_OK(aion_learn_run(&o, out, &sum, &err));
    CHECK(!sum.converged && sum.iterations == 2);
    CHECK(lab.calls == 2 && lab.seen == 4 && sum.labelled == 4 && sum.audited == 2);
    CHECK(sum.dataset_size == 8 + 2);
    /* the reported error is that of the final potential on the last labels, recomputed here */
    snprintf(path, sizeof path, "%s/final.mtp", out);
    snprintf(path2, sizeof path2, "%s/iter-002/labelled.xyz", out);
    double e2 = max_energy_error(path, path2, zs, 3, &na);
    CHECK(na == 2 && e2 > 0);
    CHECK_NEAR(sum.audit_max_meV_atom, e2, 1e-6 * e2);
    /* the audit frames come from steps 100 and 200 */
    {
        aion_frame *d = NULL;
        int nd = 0;
        CHECK_OK(aion_read_all(path2, NULL, &d, &nd, &err));
        CHECK(nd == 2);
        for (int k = 0; k < nd; k++) {
            const char *s = aion_frame_info_get(&d[k], "al_step");
            CHECK(s && atol(s) == 100 * (k + 1));
        }
        aion_frames_free(d, nd);
    }
    /* run again: everything is reused */
    CHECK_OK(aion_learn_run(&o, out, &sum, &err));
    CHECK(lab.calls == 2 && sum.audited == 2);

    /* a tolerance everything meets: converged after one iteration, the labels are not added */
    lab.calls = lab.seen = 0;
    o.audit_tol = 1e9;
    snprintf(out, sizeof out, "%s/loose", dir);
    CHECK_OK(aion_learn_run(&o, out, &sum, &err));
    CHECK(sum.converged && sum.iterations == 1 && lab.calls == 1 && lab.seen == 2 && sum.dataset_size == 8);
    CHECK(sum.audited == 2 && sum.audit_max_meV_atom > 0);

    /* a tolerance between the two audit errors of iteration 1: not converged */
    {
        snprintf(path, sizeof path, "%s/strict/iter-001/pot.mtp", dir);
        snprintf(path2, sizeof path2, "%s/strict/iter-001/labelled.xyz", dir);
        double e1 = max_energy_error(path, path2, zs, 3, &na);
        CHECK(na == 2 && e1 > 0);
        CHECK_NEAR(e1, sum.audit_max_meV_atom, 1e-6 * e1); /* same first iteration as the strict run */
        lab.calls = 0;
        o.audit_tol = 0.999 * e1;
        o.max_iter = 1;
        snprintf(out, sizeof out, "%s/between", dir);
        CHECK_OK(aion_learn_run(&o, out, &sum, &err));
        CHECK(!sum.converged && lab.calls == 1);
        o.audit_tol = 1.001 * e1;
        snprintf(out, sizeof out, "%s/between2", dir);
        CHECK_OK(aion_learn_run(&o, out, &sum, &err));
        CHECK(sum.converged);
    }
    o.audit = -1;
    CHECK(aion_learn_run(&o, out, &sum, &err) == AION_ERR_INVALID);
    /* a ZBL baseline needs 0 < inner < outer (the CLI test tests/cli/learn_zbl.sh runs the loop with one) */
    o.audit = 0;
    o.zbl_mode = 1;
    o.zbl_inner = 1.4;
    o.zbl_outer = 0.6;
    CHECK(aion_learn_run(&o, out, &sum, &err) == AION_ERR_INVALID && strstr(err.msg, "ZBL"));
    o.zbl_mode = 2;
    o.zbl_inner = 0.6;
    o.zbl_outer = 1.4;
    CHECK(aion_learn_run(&o, out, &sum, &err) == AION_ERR_INVALID);
    aion_potential_free(lab.p);
    aion_frames_free(f, n);
    {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0);
    }
}

int main(void)
{
    TEST_RUN(test_task_parse);
    TEST_RUN(test_segments);
    TEST_RUN(test_oracle);
    TEST_RUN(test_loop);
    TEST_RUN(test_audit);
    return TEST_END();
}
