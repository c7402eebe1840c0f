/*
 * Peers on the same data: MDAnalysis' EinsteinMSD and ASE's get_rdf.
 *
 * A random-walk trajectory (unwrapped, big box, positions rounded to float32 so
 * MDAnalysis, which stores float32, sees exactly our numbers) is written as XYZ
 * with a tiny writer here and fed to aion's streamed transport analysis frame by
 * frame; MDAnalysis' EinsteinMSD (fft=True needs the tidynamics package, absent
 * here, so the windowed direct sum fft=False, the same estimator) reads the file.
 * A random triclinic structure is written as extended XYZ for ASE's RDF
 * (total and partial; ASE normalises the total by N²/V and a partial a–b by
 * N_a·N/V where aion uses N(N−1)/V and N_a(N_b − δ_ab)/V: converted here).
 * Agreement required: 1e-6 relative. Skips (77) without python3/MDAnalysis/ASE.
 */
#include "aion.h"
#include "test.h"

#define PY "/usr/bin/python3"

static int have_python(const char *module)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, PY " -c 'import %s' >/dev/null 2>&1", module);
    return system(cmd) == 0;
}

static double gauss(unsigned long long *s)
{
    double u1 = test_rand(s), u2 = test_rand(s);
    return sqrt(-2.0 * log(u1 + 1e-300)) * cos(2.0 * M_PI * u2);
}

static void test_msd_mdanalysis(void)
{
    if (!have_python("MDAnalysis")) {
        printf("MDAnalysis missing: MSD peer check skipped\n");
        return;
    }
    const int N = 24;
    const long T = 120;
    char dir[] = "/tmp/aion-peer-XXXXXX";
    if (!mkdtemp(dir)) return;
    char xyz[512], py[512], out[512];
    snprintf(xyz, sizeof xyz, "%s/traj.xyz", dir);
    snprintf(py, sizeof py, "%s/msd.py", dir);
    snprintf(out, sizeof out, "%s/msd.txt", dir);
    FILE *f = fopen(xyz, "w");
    aion_transport_opts o;
    aion_transport_opts_init(&o);
    int sp[1] = {3};
    o.species_z = sp;
    o.n_species = 1;
    o.drift = AION_DRIFT_NONE;
    o.dt_fs = 1.0;
    aion_transport *tr = NULL;
    CHECK_OK(aion_transport_create(&tr, &o, NULL));
    aion_frame fr;
    aion_frame_init(&fr);
    aion_frame_resize(&fr, N, AION_HAS_CELL);
    fr.pbc[0] = fr.pbc[1] = fr.pbc[2] = 1;
    fr.cell[0][0] = fr.cell[1][1] = fr.cell[2][2] = 200.0;
    double x[24][3];
    unsigned long long s = 2024;
    for (int i = 0; i < N; i++)
        for (int d = 0; d < 3; d++) x[i][d] = 20.0 + 10.0 * test_rand(&s);
    for (long t = 0; t < T; t++) {
        fprintf(f, "%d\nframe %ld\n", N, t);
        for (int i = 0; i < N; i++) {
            for (int d = 0; d < 3; d++) {
                if (t) x[i][d] += 0.3 * gauss(&s);
                fr.pos[i][d] = (double)(float)x[i][d]; /* what MDAnalysis will hold */
            }
            fr.z[i] = i % 2 ? 8 : 3;
            fprintf(f, "%s %.9g %.9g %.9g\n", i % 2 ? "O" : "Li", fr.pos[i][0], fr.pos[i][1], fr.pos[i][2]);
        }
        CHECK_OK(aion_transport_add(tr, &fr));
    }
    fclose(f);
    CHECK_OK(aion_transport_finish(tr));
    aion_msd_result m;
    CHECK_OK(aion_transport_msd(tr, 0, &m));
    f = fopen(py, "w");
    fprintf(f,
            "import warnings\nwarnings.filterwarnings('ignore')\n"
            "import MDAnalysis as mda\nfrom MDAnalysis.analysis.msd import EinsteinMSD\n"
            "try:\n    import tidynamics\n    fft = True\nexcept ImportError:\n    fft = False\n"
            "u = mda.Universe('%s', format='XYZ')\n"
            "r = EinsteinMSD(u, select='name Li', msd_type='xyz', fft=fft).run()\n"
            "with open('%s', 'w') as f:\n"
            "    f.write('%%d\\n' %% fft)\n"
            "    for v in r.results.timeseries: f.write('%%.17g\\n' %% v)\n",
            xyz, out);
    fclose(f);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, PY " %s 2>%s/err.txt", py, dir);
    CHECK(system(cmd) == 0);
    f = fopen(out, "r");
    int fft = -1, k = 0;
    double worst = 0, v;
    CHECK(f && fscanf(f, "%d", &fft) == 1);
    while (f && fscanf(f, "%lf", &v) == 1 && k < T) {
        if (k > 0) worst = fmax(worst, fabs(v - m.msd[k]) / v);
        k++;
    }
    if (f) fclose(f);
    CHECK(k == T);
    printf("MSD vs MDAnalysis EinsteinMSD (fft=%d): %d lags, worst relative difference %.3g\n", fft, k, worst);
    CHECK(worst < 1e-6);
    aion_transport_free(tr);
    aion_frame_free(&fr);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) {
    }
}

static void test_rdf_ase(void)
{
    if (!have_python("ase")) {
        printf("ASE missing: RDF peer check skipped\n");
        return;
    }
    const int N = 150, nb = 60;
    const double rmax = 4.5;
    char dir[] = "/tmp/aion-peer-XXXXXX";
    if (!mkdtemp(dir)) return;
    char xyz[512], py[512], out[512];
    snprintf(xyz, sizeof xyz, "%s/s.xyz", dir);
    snprintf(py, sizeof py, "%s/rdf.py", dir);
    snprintf(out, sizeof out, "%s/rdf.txt", dir);
    double h[3][3] = {{11, 0, 0}, {2.5, 10.5, 0}, {-1.5, 1.2, 11.5}};
    aion_frame fr;
    aion_frame_init(&fr);
    aion_frame_resize(&fr, N, AION_HAS_CELL);
    memcpy(fr.cell, h, sizeof h);
    fr.pbc[0] = fr.pbc[1] = fr.pbc[2] = 1;
    unsigned long long s = 555;
    FILE *f = fopen(xyz, "w");
    fprintf(f, "%d\nLattice=\"%.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n",
            N, h[0][0], h[0][1], h[0][2], h[1][0], h[1][1], h[1][2], h[2][0], h[2][1], h[2][2]);
    for (int i = 0; i < N; i++) {
        double a = test_rand(&s), b = test_rand(&s), c = test_rand(&s);
        for (int d = 0; d < 3; d++) fr.pos[i][d] = a * h[0][d] + b * h[1][d] + c * h[2][d];
        fr.z[i] = i % 3 ? 8 : 15;
        fprintf(f, "%s %.17g %.17g %.17g\n", i % 3 ? "O" : "P", fr.pos[i][0], fr.pos[i][1], fr.pos[i][2]);
    }
    fclose(f);
    f = fopen(py, "w");
    fprintf(f,
            "from ase.io import read\nfrom ase.ga.utilities import get_rdf\n"
            "a = read('%s')\n"
            "g, r = get_rdf(a, %.17g, %d)\n"
            "gpo, _ = get_rdf(a, %.17g, %d, elements=[15, 8])\n"
            "with open('%s', 'w') as f:\n"
            "    for x, y, z in zip(r, g, gpo): f.write('%%.17g %%.17g %%.17g\\n' %% (x, y, z))\n",
            xyz, rmax, nb, rmax, nb, out);
    fclose(f);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, PY " %s 2>%s/err.txt", py, dir);
    CHECK(system(cmd) == 0);
    aion_rdf_opts o = {.r_max = rmax, .n_bins = nb};
    aion_rdf *r = NULL;
    CHECK_OK(aion_rdf_create(&r, &o, NULL));
    CHECK_OK(aion_rdf_add(r, &fr));
    double rr[60], g[60], gpo[60];
    CHECK_OK(aion_rdf_get(r, 0, 0, rr, g, NULL));
    CHECK_OK(aion_rdf_get(r, 15, 8, NULL, gpo, NULL));
    f = fopen(out, "r");
    int k = 0;
    double worst = 0, x, y, z;
    const int nP = N / 3, nO = N - nP;
    while (f && fscanf(f, "%lf %lf %lf", &x, &y, &z) == 3 && k < nb) {
        CHECK_NEAR(x, rr[k], 1e-12);
        double ours = y * N / (N - 1.0), ours_po = z * N / (double)nO;
        worst = fmax(worst, fabs(ours - g[k]) / fmax(fabs(g[k]), 1e-3));
        worst = fmax(worst, fabs(ours_po - gpo[k]) / fmax(fabs(gpo[k]), 1e-3));
        k++;
    }
    if (f) fclose(f);
    CHECK(k == nb);
    printf("RDF vs ASE get_rdf (total and P-O partial): %d bins, worst relative difference %.3g\n", k, worst);
    CHECK(worst < 1e-6);
    aion_rdf_free(r);
    aion_frame_free(&fr);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) {
    }
}

int main(void)
{
    if (access(PY, X_OK) != 0) TEST_SKIP("no " PY);
    if (!have_python("MDAnalysis") && !have_python("ase")) TEST_SKIP("neither MDAnalysis nor ASE installed");
    TEST_RUN(test_msd_mdanalysis);
    TEST_RUN(test_rdf_ase);
    return TEST_END();
}
