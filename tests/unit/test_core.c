/* Core: elements, frames, cell maths, strict number parsing. */
#include "test.h"
#include "internal.h"

static void test_elements(void)
{
    CHECK(aion_element_z("Li") == 3);
    CHECK(aion_element_z("li") == 3);
    CHECK(aion_element_z("O") == 8);
    CHECK(aion_element_z("Xx") == 0);
    CHECK(aion_element_z("") == 0);
    CHECK(aion_element_z("Li1") == 0);
    CHECK(strcmp(aion_element_symbol(15), "P") == 0);
    CHECK_NEAR(aion_element_mass(3), 6.94, 1e-6);
    CHECK_NEAR(aion_element_covalent_radius(8), 0.66, 1e-9);
}

static void test_cell(void)
{
    double abc[3] = {4.0, 5.0, 6.0}, ang[3] = {80.0, 95.0, 110.0}, c[3][3], abc2[3], ang2[3], inv[3][3], p[3][3];
    CHECK_OK(aion_cell_from_params(abc, ang, c));
    aion_cell_to_params(c, abc2, ang2);
    for (int k = 0; k < 3; k++) {
        CHECK_NEAR(abc[k], abc2[k], 1e-12);
        CHECK_NEAR(ang[k], ang2[k], 1e-10);
    }
    CHECK_OK(aion_cell_inverse(c, inv));
    aion_matmul3(c, inv, p);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) CHECK_NEAR(p[i][j], i == j, 1e-14);
    double w[3];
    aion_cell_widths(c, w);
    CHECK_NEAR(w[0] * sqrt(c[1][0] * c[1][0] + c[1][1] * c[1][1]) * 0 + fabs(aion_det3(c)) / w[2],
               sqrt(c[0][0] * c[0][0]) * sqrt(c[1][0] * c[1][0] + c[1][1] * c[1][1]) * sin(110.0 * M_PI / 180), 1e-10);
    double sing[3][3] = {{1, 0, 0}, {2, 0, 0}, {0, 0, 1}};
    CHECK(aion_cell_inverse(sing, inv) == AION_ERR_NUMERIC);
}

static void test_frame(void)
{
    aion_frame f, g;
    aion_frame_init(&f);
    aion_frame_init(&g);
    CHECK_OK(aion_frame_resize(&f, 3, AION_HAS_FORCES | AION_HAS_CELL));
    f.z[0] = 3, f.z[1] = 15, f.z[2] = 8;
    f.forces[2][1] = 1.5;
    f.cell[0][0] = f.cell[1][1] = f.cell[2][2] = 10.0;
    CHECK_OK(aion_frame_info_set(&f, "config_type", "bulk melt"));
    aion_column *c = aion_frame_column_add(&f, "tag", 'S', 1);
    CHECK(c != NULL);
    c->s[1] = aion_strdup("hello");
    CHECK_OK(aion_frame_copy(&g, &f));
    CHECK(g.n == 3 && g.z[1] == 15 && g.forces[2][1] == 1.5);
    CHECK(strcmp(aion_frame_info_get(&g, "config_type"), "bulk melt") == 0);
    CHECK(strcmp(aion_frame_column_get(&g, "tag")->s[1], "hello") == 0);
    CHECK_NEAR(aion_frame_volume(&g), 1000.0, 1e-12);
    CHECK_NEAR(aion_frame_density(&g), (6.94 + 30.973762 + 15.999) * 1.66053906660 / 1000.0, 1e-12);
    CHECK_OK(aion_frame_resize(&g, 5, AION_HAS_VEL));
    CHECK(g.vel != NULL && g.vel[4][2] == 0.0 && g.z[1] == 15);
    aion_frame_free(&f);
    aion_frame_free(&g);
    aion_frame_free(NULL);
}

static void test_parse(void)
{
    double x;
    long l;
    CHECK(aion_parse_double("1.5e3", &x) == 0 && x == 1500.0);
    CHECK(aion_parse_double("1.5D+01", &x) == 0 && x == 15.0);
    CHECK(aion_parse_double("nan", &x) != 0);
    CHECK(aion_parse_double("inf", &x) != 0);
    CHECK(aion_parse_double("1.0x", &x) != 0);
    CHECK(aion_parse_double("", &x) != 0);
    CHECK(aion_parse_long("42", &l) == 0 && l == 42);
    CHECK(aion_parse_long("99999999999999999999999", &l) != 0);
}

int main(void)
{
    TEST_RUN(test_elements);
    TEST_RUN(test_cell);
    TEST_RUN(test_frame);
    TEST_RUN(test_parse);
    return TEST_END();
}
