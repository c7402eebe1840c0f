/*
 * Extended XYZ against ASE (ase.io.extxyz, the reference implementation):
 *  1. ASE writes structures with energy, forces, stress, momenta, masses,
 *     charges, tags, custom arrays and info; aion reads them and must hold
 *     exactly what ASE reads back from the same file.
 *  2. aion writes those frames plus one with every kind of free-form data;
 *     ASE reads aion's file and must hold exactly aion's values.
 */
#include "ase_compare.h"

static char dir_[256];

static const char *path_in(const char *name)
{
    static char buf[2][512];
    static int k;
    k ^= 1;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir_, name);
    return buf[k];
}

static void rich_frame(aion_frame *f)
{
    unsigned long long seed = 99;
    int n = 9;
    aion_frame_init(f);
    aion_frame_resize(f, n, AION_HAS_FORCES | AION_HAS_VEL | AION_HAS_MASS | AION_HAS_CHARGE | AION_HAS_ID |
                                AION_HAS_FIXED | AION_HAS_IMAGE | AION_HAS_ATOM_ENERGY);
    f->has |= AION_HAS_CELL | AION_HAS_ENERGY | AION_HAS_STRESS;
    double abc[3] = {7.1, 8.3, 9.7}, ang[3] = {81.0, 97.5, 109.25};
    aion_cell_from_params(abc, ang, f->cell);
    f->pbc[0] = 1, f->pbc[1] = 1, f->pbc[2] = 0;
    f->energy = -77.123456789012345;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j <= i; j++) f->stress[i][j] = f->stress[j][i] = (test_rand(&seed) - 0.5) / 3.0;
    for (int i = 0; i < n; i++) {
        f->z[i] = (int[]){3, 15, 8, 12, 23, 1, 6, 14, 79}[i];
        for (int k = 0; k < 3; k++) {
            f->pos[i][k] = 10 * test_rand(&seed) / 7.0;
            f->forces[i][k] = (test_rand(&seed) - 0.5) / 3.0;
            f->vel[i][k] = (test_rand(&seed) - 0.5) * 1e-2 / 3.0;
            f->fixed[i][k] = i == 2 || (i == 4 && k == 1);
            f->image[i][k] = (int)(test_rand(&seed) * 7) - 3;
        }
        f->mass[i] = aion_element_mass(f->z[i]) * (1 + test_rand(&seed) / 10);
        f->charge[i] = (test_rand(&seed) - 0.5) / 7.0;
        f->atom_energy[i] = -3 * test_rand(&seed);
        f->id[i] = 100 + i;
    }
    aion_frame_info_set(f, "config_type", "bulk melt");
    aion_frame_info_set(f, "quote", "say \"hi\" \\ back");
    aion_frame_info_set(f, "key with space", "1 2 3");
    aion_frame_info_set(f, "temperature", "1500.5");
    aion_frame_info_set(f, "nsteps", "12");
    aion_frame_info_set(f, "flag", "T");
    aion_column *c = aion_frame_column_add(f, "spin", 'R', 2);
    for (int i = 0; i < 2 * n; i++) c->d[i] = (test_rand(&seed) - 0.5) / 3.0;
    c = aion_frame_column_add(f, "cluster", 'I', 1);
    for (int i = 0; i < n; i++) c->d[i] = (double)(i % 5) - 2;
    c = aion_frame_column_add(f, "label", 'S', 1);
    for (int i = 0; i < n; i++) {
        char b[32];
        snprintf(b, sizeof b, "site_%d", i);
        c->s[i] = aion_strdup(b);
    }
}

static void test_ase_writes_aion_reads(aion_frame **frames, int *nframes)
{
    char cmd[1024];
    aion_error err;
    const char *a = path_in("ase.xyz");
    snprintf(cmd, sizeof cmd, PYTHON " " ASE_HELPER " gen '%s'", a);
    CHECK(system(cmd) == 0);
    cJSON *j = ase_dump(a);
    CHECK(j != NULL);
    CHECK_OK(aion_read_all(a, NULL, frames, nframes, &err));
    if (!j) return;
    CHECK(cJSON_GetArraySize(j) == *nframes && *nframes == 3);
    for (int k = 0; k < *nframes && k < cJSON_GetArraySize(j); k++)
        CHECK(ase_compare_frame(cJSON_GetArrayItem(j, k), &(*frames)[k], 5e-8, k));
    /* the momenta became velocities in Å/fs, the rest of ASE's arrays free columns */
    if (*nframes == 3) {
        CHECK((*frames)[0].has & AION_HAS_VEL);
        CHECK(aion_frame_column_get(&(*frames)[0], "tags") && aion_frame_column_get(&(*frames)[0], "tags")->kind == 'I');
    }
    cJSON_Delete(j);
}

static void test_aion_writes_ase_reads(const aion_frame *frames, int nframes)
{
    aion_writer *w;
    aion_error err;
    aion_frame rich;
    const char *b = path_in("aion.xyz");
    rich_frame(&rich);
    CHECK_OK(aion_writer_open(&w, b, NULL, &err));
    for (int k = 0; k < nframes; k++) CHECK_OK(aion_writer_write(w, &frames[k]));
    CHECK_OK(aion_writer_write(w, &rich));
    CHECK_OK(aion_writer_close(w, &err));
    cJSON *j = ase_dump(b);
    CHECK(j != NULL);
    if (j) {
        CHECK(cJSON_GetArraySize(j) == nframes + 1);
        for (int k = 0; k < nframes && k < cJSON_GetArraySize(j); k++)
            CHECK(ase_compare_frame(cJSON_GetArrayItem(j, k), &frames[k], 0, k));
        if (cJSON_GetArraySize(j) == nframes + 1) CHECK(ase_compare_frame(cJSON_GetArrayItem(j, nframes), &rich, 0, nframes));
        cJSON_Delete(j);
    }
    aion_frame_free(&rich);
}

int main(void)
{
    aion_frame *frames = NULL;
    int nframes = 0;
    char cmd[600];
    ase_require();
    snprintf(dir_, sizeof dir_, "%s/aion-peer-extxyz-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir_)) return 1;
    test_case_name_ = "ase_writes_aion_reads";
    test_ase_writes_aion_reads(&frames, &nframes);
    test_case_name_ = "aion_writes_ase_reads";
    test_aion_writes_ase_reads(frames, nframes);
    aion_frames_free(frames, nframes);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir_);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir_);
    return TEST_END();
}
