/*
 * Peer tests against ASE's extended XYZ: run tests/peers/ase_extxyz.py (gen /
 * dump) and compare what ASE holds with an aion frame, value by value.
 */
#ifndef AION_TEST_ASE_COMPARE_H
#define AION_TEST_ASE_COMPARE_H

#include "test.h"
#include "aion.h"
#include "internal.h"

#include <cjson/cJSON.h>

#define ASE_HELPER "tests/peers/ase_extxyz.py"
#define PYTHON "/usr/bin/python3"

static void ase_require(void)
{
    if (access(PYTHON, X_OK) != 0) TEST_SKIP("needs " PYTHON);
    if (system(PYTHON " -c 'import ase.io.extxyz' 2>/dev/null") != 0) TEST_SKIP("needs ASE for " PYTHON);
    if (access(ASE_HELPER, R_OK) != 0) TEST_SKIP("run from the repository root (" ASE_HELPER ")");
}

/* ASE's reading of path as parsed JSON (caller frees with cJSON_Delete), NULL on failure. */
static cJSON *ase_dump(const char *path)
{
    char cmd[1024];
    FILE *p;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    cJSON *j;
    snprintf(cmd, sizeof cmd, PYTHON " " ASE_HELPER " dump '%s'", path);
    p = popen(cmd, "r");
    if (!p) return NULL;
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? 2 * cap : 1 << 20;
            buf = realloc(buf, cap);
            if (!buf) exit(1);
        }
        got = fread(buf + len, 1, cap - len - 1, p);
        if (got == 0) break;
        len += got;
    }
    buf[len] = '\0';
    if (pclose(p) != 0) {
        free(buf);
        return NULL;
    }
    j = cJSON_Parse(buf);
    free(buf);
    return j;
}

/* Compare a JSON list of numbers with n doubles: exact when rtol == 0. */
static int ase_same_list(const cJSON *list, const double *x, long n, double rtol, const char *what)
{
    long k = 0;
    const cJSON *e;
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) != n) {
        fprintf(stderr, "  %s: ASE has %d values, aion %ld\n", what, cJSON_IsArray(list) ? cJSON_GetArraySize(list) : -1, n);
        return 0;
    }
    cJSON_ArrayForEach(e, list) {
        double v = e->valuedouble;
        int ok = rtol == 0 ? v == x[k] : fabs(v - x[k]) <= rtol * fmax(fabs(v), fabs(x[k])) + 1e-300;
        if (!ok) {
            fprintf(stderr, "  %s[%ld]: ASE %.17g, aion %.17g\n", what, k, v, x[k]);
            return 0;
        }
        k++;
    }
    return 1;
}

/* Same free-form value: identical text, or the same list of numbers
 * (ASE turns "0.000000" into 0.0 and prints "0.0"). */
static int ase_same_text(const char *a, const char *b)
{
    char *ea, *eb;
    if (!strcmp(a, b)) return 1;
    for (;;) {
        while (*a == ' ' || *a == ',') a++;
        while (*b == ' ' || *b == ',') b++;
        if (!*a || !*b) return !*a && !*b;
        double x = strtod(a, &ea), y = strtod(b, &eb);
        if (ea == a || eb == b || x != y) return 0;
        a = ea;
        b = eb;
    }
}

/* The flat values aion holds under an ASE array name (NULL if none). *tmp is
 * scratch the caller frees. */
static const double *aion_array_for(const aion_frame *f, const char *name, long *n, double **tmp)
{
    *tmp = NULL;
    if (!strcmp(name, "forces") && (f->has & AION_HAS_FORCES)) return *n = 3L * f->n, &f->forces[0][0];
    if (!strcmp(name, "velocities") && (f->has & AION_HAS_VEL)) return *n = 3L * f->n, &f->vel[0][0];
    if (!strcmp(name, "energies") && (f->has & AION_HAS_ATOM_ENERGY)) return *n = f->n, f->atom_energy;
    if ((!strcmp(name, "id") && (f->has & AION_HAS_ID)) || (!strcmp(name, "image") && (f->has & AION_HAS_IMAGE))) {
        int m = name[0] == 'i' && name[1] == 'd' ? 1 : 3;
        const int *src = m == 1 ? f->id : &f->image[0][0];
        *tmp = malloc(sizeof(double) * (size_t)(m * f->n + 1));
        for (long q = 0; q < (long)m * f->n; q++) (*tmp)[q] = src[q];
        *n = (long)m * f->n;
        return *tmp;
    }
    const aion_column *c = aion_frame_column_get(f, name);
    if (c && c->kind != 'S') return *n = (long)c->ncols * f->n, c->d;
    return NULL;
}

/* Compare ASE's view of one frame with an aion frame. vel_rtol: tolerance for
 * velocities converted from momenta (unit constants differ in the last digits). */
static int ase_compare_frame(const cJSON *a, const aion_frame *f, double vel_rtol, int frame)
{
    int ok = 1;
    char what[128];
    const cJSON *x, *e;
    int n = cJSON_GetObjectItem(a, "n")->valueint;
#define W(s) (snprintf(what, sizeof what, "frame %d %s", frame, s), what)
    if (n != f->n) {
        fprintf(stderr, "  frame %d: ASE %d atoms, aion %d\n", frame, n, f->n);
        return 0;
    }
    {
        double *zz = malloc(sizeof(double) * (size_t)(n + 1));
        for (int i = 0; i < n; i++) zz[i] = f->z[i];
        ok &= ase_same_list(cJSON_GetObjectItem(a, "numbers"), zz, n, 0, W("numbers"));
        free(zz);
    }
    ok &= ase_same_list(cJSON_GetObjectItem(a, "positions"), &f->pos[0][0], 3L * n, 0, W("positions"));
    {
        double zero[9] = {0};
        ok &= ase_same_list(cJSON_GetObjectItem(a, "cell"), (f->has & AION_HAS_CELL) ? &f->cell[0][0] : zero, 9, 0, W("cell"));
        double pbc[3] = {f->pbc[0], f->pbc[1], f->pbc[2]};
        int k = 0;
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(a, "pbc")) {
            if (cJSON_IsTrue(e) != (pbc[k] != 0)) {
                fprintf(stderr, "  %s: pbc[%d] differs\n", W("pbc"), k);
                ok = 0;
            }
            k++;
        }
    }
    x = cJSON_GetObjectItem(a, "energy");
    if (!cJSON_IsNull(x) != !!(f->has & AION_HAS_ENERGY) || (!cJSON_IsNull(x) && x->valuedouble != f->energy)) {
        fprintf(stderr, "  %s: ASE %.17g, aion %.17g (has %d)\n", W("energy"), cJSON_IsNull(x) ? NAN : x->valuedouble,
                f->energy, !!(f->has & AION_HAS_ENERGY));
        ok = 0;
    }
#define OPT(key, bit, ptr, cnt, tol)                                                              \
    x = cJSON_GetObjectItem(a, key);                                                              \
    if (cJSON_IsNull(x) != !(f->has & (bit))) {                                                   \
        fprintf(stderr, "  %s: present in one only\n", W(key));                                   \
        ok = 0;                                                                                   \
    } else if (!cJSON_IsNull(x)) {                                                                \
        ok &= ase_same_list(x, ptr, cnt, tol, W(key));                                            \
    }
    OPT("forces", AION_HAS_FORCES, &f->forces[0][0], 3L * n, 0)
    OPT("stress", AION_HAS_STRESS, &f->stress[0][0], 9, 0)
    OPT("masses", AION_HAS_MASS, f->mass, n, 0)
    OPT("charges", AION_HAS_CHARGE, f->charge, n, 0)
#undef OPT
    x = cJSON_GetObjectItem(a, "velocities");
    if (!cJSON_IsNull(x)) ok &= (f->has & AION_HAS_VEL) && ase_same_list(x, &f->vel[0][0], 3L * n, vel_rtol, W("velocities"));
    x = cJSON_GetObjectItem(a, "fixed");
    if (!cJSON_IsNull(x)) {
        double *fx = malloc(sizeof(double) * (size_t)(3 * n + 1));
        for (long q = 0; q < 3L * n; q++) fx[q] = (f->has & AION_HAS_FIXED) ? f->fixed[q / 3][q % 3] : 0;
        ok &= ase_same_list(x, fx, 3L * n, 0, W("fixed"));
        free(fx);
    }
    /* free-form fields: ASE's value printed back as text must equal aion's text */
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(a, "info")) {
        const char *v = aion_frame_info_get(f, e->string);
        if (!v || !ase_same_text(v, e->valuestring)) {
            fprintf(stderr, "  frame %d info '%s': ASE '%s', aion '%s'\n", frame, e->string, e->valuestring, v ? v : "(none)");
            ok = 0;
        }
    }
    /* per-atom arrays */
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(a, "arrays")) {
        long cnt;
        double *tmp;
        const cJSON *first = cJSON_GetArrayItem(e, 0);
        if (first && cJSON_IsString(first)) {
            const aion_column *c = aion_frame_column_get(f, e->string);
            long q = 0;
            const cJSON *s;
            if (!c || c->kind != 'S') {
                fprintf(stderr, "  frame %d: no string column '%s' in aion\n", frame, e->string);
                ok = 0;
                continue;
            }
            cJSON_ArrayForEach(s, e) ok &= !strcmp(s->valuestring, c->s[q++]);
            continue;
        }
        const double *v = aion_array_for(f, e->string, &cnt, &tmp);
        if (!v) {
            fprintf(stderr, "  frame %d: ASE array '%s' not found in aion\n", frame, e->string);
            ok = 0;
            continue;
        }
        ok &= ase_same_list(e, v, cnt, 0, W(e->string));
        free(tmp);
    }
#undef W
    return ok;
}

#endif
