/*
 * Extended XYZ against ASE on the real data sets in ../shared/data: every
 * value ASE reads (positions, cell, pbc, energy, forces, stress, info fields)
 * must be bit-identical to what aion reads.
 */
#include "ase_compare.h"

static void compare_file(const char *path, int expect_frames)
{
    aion_frame *frames = NULL;
    int n = 0;
    aion_error err;
    cJSON *j = ase_dump(path);
    CHECK(j != NULL);
    CHECK_OK(aion_read_all(path, NULL, &frames, &n, &err));
    CHECK(n == expect_frames);
    if (j) {
        int bad = 0;
        CHECK(cJSON_GetArraySize(j) == n);
        for (int k = 0; k < n && k < cJSON_GetArraySize(j); k++)
            if (!ase_compare_frame(cJSON_GetArrayItem(j, k), &frames[k], 0, k)) bad++;
        CHECK(bad == 0);
        if (bad) fprintf(stderr, "%s: %d frames differ from ASE\n", path, bad);
        cJSON_Delete(j);
    }
    aion_frames_free(frames, n);
}

int main(void)
{
    TEST_SKIP_UNLESS_FILE("../shared/data/mlearn/Li-training.xyz");
    TEST_SKIP_UNLESS_FILE("../shared/data/kahle2020/kahle2020-dev.xyz");
    ase_require();
    test_case_name_ = "Li-training";
    compare_file("../shared/data/mlearn/Li-training.xyz", 241);
    test_case_name_ = "kahle2020-dev";
    compare_file("../shared/data/kahle2020/kahle2020-dev.xyz", 40);
    return TEST_END();
}
