/* Extended XYZ: the real data sets in ../shared/data read completely and correctly. */
#include "test.h"
#include "aion.h"

static void test_shared_data(void)
{
    aion_frame *fs;
    int n;
    aion_error err;
    TEST_SKIP_UNLESS_FILE("../shared/data/mlearn/Li-training.xyz");
    CHECK_OK(aion_read_all("../shared/data/mlearn/Li-training.xyz", NULL, &fs, &n, &err));
    CHECK(n == 241);
    if (n == 241) {
        /* first frame, from the file's text */
        CHECK(fs[0].n == 53 && fs[0].z[0] == 3);
        CHECK(fs[0].energy == -98.3041071100);
        CHECK(fs[0].cell[0][0] == 10.2804510000 && fs[0].cell[1][1] == 10.2804510000);
        CHECK(fs[0].pos[0][0] == 10.1164264043 && fs[0].forces[0][1] == -0.3208013000);
        CHECK(fs[0].stress[0][0] == -1.2658077541e-03 && fs[0].stress[2][1] == 1.8152156649e-04);
        CHECK(!strcmp(aion_frame_info_get(&fs[0], "config_type"), "Vacancy"));
        int all = 1;
        for (int k = 0; k < n; k++)
            if ((fs[k].has & (AION_HAS_ENERGY | AION_HAS_FORCES | AION_HAS_STRESS | AION_HAS_CELL)) !=
                (AION_HAS_ENERGY | AION_HAS_FORCES | AION_HAS_STRESS | AION_HAS_CELL))
                all = 0;
        CHECK(all);
    }
    aion_frames_free(fs, n);
    if (access("../shared/data/kahle2020/kahle2020-dev.xyz", R_OK) == 0) {
        CHECK_OK(aion_read_all("../shared/data/kahle2020/kahle2020-dev.xyz", NULL, &fs, &n, &err));
        CHECK(n == 40);
        if (n == 40) {
            CHECK(fs[0].n == 44 && !strcmp(aion_frame_info_get(&fs[0], "label"), "Li12W2N8"));
            CHECK(fs[0].cell[0][2] == 9.83928611 && fs[0].cell[1][0] == 6.68480796);
            CHECK(!strcmp(aion_frame_info_get(&fs[0], "D_cm2_s"), "1.1043186661519e-09"));
        }
        aion_frames_free(fs, n);
    }
}

int main(void)
{
    TEST_RUN(test_shared_data);
    return TEST_END();
}
