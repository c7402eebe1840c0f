/* Frame operations: supercell replication, composition text, frame slices. */
#include "test.h"
#include "internal.h"

static void test_supercell(void)
{
    aion_frame f, g;
    aion_error err;
    int rep[3] = {2, 3, 1};
    double abc[3] = {4.0, 5.0, 6.0}, ang[3] = {80.0, 95.0, 110.0};
    aion_frame_init(&f);
    aion_frame_init(&g);
    CHECK_OK(aion_frame_resize(&f, 2, AION_HAS_FORCES | AION_HAS_ID | AION_HAS_IMAGE));
    f.has |= AION_HAS_CELL | AION_HAS_ENERGY | AION_HAS_STRESS;
    CHECK_OK(aion_cell_from_params(abc, ang, f.cell));
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
    f.z[0] = 3, f.z[1] = 8;
    f.pos[0][0] = 0.1, f.pos[1][1] = 1.2, f.pos[1][2] = 2.3;
    f.forces[1][0] = 0.5;
    f.id[0] = 1, f.id[1] = 2;
    f.energy = -10.0;
    f.stress[0][1] = f.stress[1][0] = 0.01;
    aion_frame_info_set(&f, "virial", "1 0 0 0 1 0 0 0 1");
    aion_frame_info_set(&f, "config_type", "x");
    aion_column *c = aion_frame_column_add(&f, "tag", 'S', 1);
    c->s[0] = aion_strdup("a");
    c->s[1] = aion_strdup("b");
    CHECK_OK(aion_frame_supercell(&g, &f, rep, &err));
    CHECK(g.n == 12);
    CHECK_NEAR(aion_frame_volume(&g), 6 * aion_frame_volume(&f), 1e-9);
    CHECK(g.energy == -60.0);
    CHECK(g.stress[0][1] == 0.01);
    CHECK(!(g.has & AION_HAS_IMAGE));
    CHECK(aion_frame_info_get(&g, "virial") == NULL && aion_frame_info_get(&g, "config_type") != NULL);
    /* ASE order: copies (i, j, k), k fastest; copy c = (i*3 + j)*1 + k */
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) {
            int cp = i * 3 + j;
            for (int a = 0; a < 2; a++)
                for (int x = 0; x < 3; x++)
                    CHECK_NEAR(g.pos[cp * 2 + a][x], f.pos[a][x] + i * f.cell[0][x] + j * f.cell[1][x], 1e-12);
            CHECK(g.z[cp * 2] == 3 && g.z[cp * 2 + 1] == 8);
            CHECK(g.forces[cp * 2 + 1][0] == 0.5);
            CHECK(g.id[cp * 2 + 1] == 2 + cp * 2);
            CHECK(!strcmp(aion_frame_column_get(&g, "tag")->s[cp * 2 + 1], "b"));
        }
    /* all ids distinct */
    int distinct = 1;
    for (int a = 0; a < g.n; a++)
        for (int b = a + 1; b < g.n; b++) distinct &= g.id[a] != g.id[b];
    CHECK(distinct);
    rep[0] = 0;
    CHECK(aion_frame_supercell(&g, &f, rep, &err) == AION_ERR_INVALID);
    f.has &= ~(unsigned)AION_HAS_CELL;
    rep[0] = 1;
    CHECK(aion_frame_supercell(&g, &f, rep, &err) == AION_ERR_INVALID);
    CHECK(strstr(err.msg, "no cell") != NULL);
    aion_frame_free(&f);
    aion_frame_free(&g);
}

static void test_formula(void)
{
    aion_frame f;
    char buf[64];
    aion_frame_init(&f);
    aion_frame_resize(&f, 16, 0);
    for (int i = 0; i < 16; i++) f.z[i] = i < 6 ? 3 : i < 8 ? 15 : 8;
    CHECK(aion_frame_formula(&f, 0, buf, sizeof buf) == 9 && !strcmp(buf, "Li6 P2 O8"));
    aion_frame_formula(&f, 1, buf, sizeof buf);
    CHECK(!strcmp(buf, "Li3PO4"));
    CHECK(aion_frame_formula(&f, 0, buf, 4) == 9 && !strcmp(buf, "Li6"));
    f.z[0] = 0;
    aion_frame_formula(&f, 0, buf, sizeof buf);
    CHECK(!strcmp(buf, "X1 Li5 P2 O8"));
    aion_frame_free(&f);
}

static int selected(const char *text, long nframes, long *out, int max)
{
    aion_slice s;
    aion_error err;
    int n = 0;
    if (aion_slice_parse(&s, text, &err)) return -1;
    if (aion_slice_needs_count(&s)) aion_slice_resolve(&s, nframes);
    for (long k = 0; k < nframes; k++) {
        int r = aion_slice_select(&s, k);
        if (r < 0) break;
        if (r && n < max) out[n++] = k;
    }
    return n;
}

static void test_slices(void)
{
    long o[32];
    aion_slice s;
    aion_error err;
    /* compared with Python's range(10)[slice] */
    CHECK(selected("::3", 10, o, 32) == 4 && o[0] == 0 && o[3] == 9);
    CHECK(selected("2:5", 10, o, 32) == 3 && o[0] == 2 && o[2] == 4);
    CHECK(selected("-1", 10, o, 32) == 1 && o[0] == 9);
    CHECK(selected("-3:", 10, o, 32) == 3 && o[0] == 7);
    CHECK(selected(":-8", 10, o, 32) == 2 && o[1] == 1);
    CHECK(selected("4", 10, o, 32) == 1 && o[0] == 4);
    CHECK(selected("-20:2", 10, o, 32) == 2);
    CHECK(selected("8:100:5", 10, o, 32) == 1 && o[0] == 8);
    CHECK(selected("5:2", 10, o, 32) == 0);
    CHECK(aion_slice_parse(&s, "::0", &err) == AION_ERR_INVALID);
    CHECK(aion_slice_parse(&s, "::-1", &err) == AION_ERR_INVALID);
    CHECK(aion_slice_parse(&s, "a:b", &err) == AION_ERR_INVALID);
    CHECK(aion_slice_parse(&s, "1:2:3:4", &err) == AION_ERR_INVALID);
    CHECK(aion_slice_parse(&s, "1:", &err) == AION_OK && !aion_slice_needs_count(&s));
}

int main(void)
{
    TEST_RUN(test_supercell);
    TEST_RUN(test_formula);
    TEST_RUN(test_slices);
    return TEST_END();
}
