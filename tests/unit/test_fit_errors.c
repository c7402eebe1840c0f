/*
 * Fit error statistics against hand-computed values: energies per atom,
 * forces per component (and MLIP-2's |dF|/3 average), stresses over the six
 * independent components; filters by config_type and by element.
 */
#include "test.h"
#include "aion.h"

static void make(aion_frame *f, int n, const int *z, double e, const double (*F)[3], double s_xx, double s_xy,
                 const char *type)
{
    aion_frame_init(f);
    if (aion_frame_resize(f, n, AION_HAS_ENERGY | AION_HAS_FORCES | AION_HAS_STRESS | AION_HAS_CELL)) abort();
    for (int i = 0; i < n; i++) {
        f->z[i] = z[i];
        for (int c = 0; c < 3; c++) {
            f->pos[i][c] = i;
            f->forces[i][c] = F[i][c];
        }
    }
    f->energy = e;
    memset(f->stress, 0, sizeof f->stress);
    f->stress[0][0] = s_xx;
    f->stress[0][1] = f->stress[1][0] = s_xy;
    if (type) aion_frame_info_set(f, "config_type", type);
}

static void test_errors(void)
{
    const int z[2] = {3, 8};
    const double F0[2][3] = {{0, 0, 0}, {0, 0, 0}};
    const double F1[2][3] = {{0.3, 0, -0.4}, {0, 0.1, 0}};
    const double F2[2][3] = {{1.0, 0, 0}, {0, 0, 0}};
    aion_frame ref[2], pred[2];
    make(&ref[0], 2, z, -10.0, F0, 0.0, 0.0, "a");
    make(&pred[0], 2, z, -9.8, F1, 0.006, 0.0, "a");   /* dE/N = 0.1 */
    make(&ref[1], 2, z, -6.0, F0, 0.0, 0.0, "b");
    make(&pred[1], 2, z, -6.6, F2, 0.0, -0.012, "b");  /* dE/N = 0.3 */
    aion_fit_errors e;
    aion_fit_errors_compute(ref, pred, 2, NULL, 0, &e);
    CHECK(e.n_e == 2 && e.n_f == 12 && e.n_s == 12);
    CHECK_NEAR(e.mae_e, 0.2, 1e-12);
    CHECK_NEAR(e.rmse_e, sqrt((0.01 + 0.09) / 2), 1e-12);
    CHECK_NEAR(e.max_e, 0.3, 1e-12);
    CHECK_NEAR(e.mae_f, (0.3 + 0.4 + 0.1 + 1.0) / 12, 1e-12);
    CHECK_NEAR(e.rmse_f, sqrt((0.09 + 0.16 + 0.01 + 1.0) / 12), 1e-12);
    CHECK_NEAR(e.max_f, 1.0, 1e-12);
    /* |dF| per atom: 0.5, 0.1, 1.0, 0 -> mean / 3 */
    CHECK_NEAR(e.mlip_f, (0.5 + 0.1 + 1.0 + 0.0) / 4 / 3, 1e-12);
    CHECK_NEAR(e.mae_s, (0.006 + 0.012) / 12, 1e-12);
    CHECK_NEAR(e.rmse_s, sqrt((0.006 * 0.006 + 0.012 * 0.012) / 12), 1e-12);
    aion_fit_errors_compute(ref, pred, 2, "b", 0, &e);
    CHECK(e.n_e == 1 && e.n_f == 6);
    CHECK_NEAR(e.mae_e, 0.3, 1e-12);
    CHECK_NEAR(e.max_s, 0.012, 1e-12);
    aion_fit_errors_compute(ref, pred, 2, NULL, 8, &e); /* oxygen atoms only, forces only */
    CHECK(e.n_e == 0 && e.n_f == 6 && e.n_s == 0);
    CHECK_NEAR(e.mae_f, 0.1 / 6, 1e-12);
    aion_fit_errors_compute(ref, pred, 2, "nope", 0, &e);
    CHECK(e.n_e == 0 && e.n_f == 0 && e.mae_e == 0);
    for (int k = 0; k < 2; k++) {
        aion_frame_free(&ref[k]);
        aion_frame_free(&pred[k]);
    }
}

int main(void)
{
    TEST_RUN(test_errors);
    return TEST_END();
}
