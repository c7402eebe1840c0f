/*
 * MTP against MLIP-2 itself: ../shared/data/mgv2o5/pot.mtp (Mg-V-O, level 16)
 * on the 5 configurations of mlip2-reference-input.cfg, compared with the
 * energies, forces, virials and stresses that MLIP-2's `mlp calc-efs` wrote to
 * mlip2-reference.xyz (the 4th configuration has a pair closer than min_dist).
 * Also: pot.mtp read -> write gives the file back byte for byte, and the
 * basis that mtp_basis.c generates for level 16 spans the same functions as
 * pot.mtp's basis.
 * The .cfg and extended-XYZ files are read by a small private parser here
 * (conventions: ../shared/data/README.md).
 */
#include "test.h"
#include "internal.h"
#include "potential/mtp.h"

#define DIR "../shared/data/mgv2o5/"
#define NCFG 5

typedef struct refcfg {
    int n;
    double cell[3][3];
    int *type;
    double (*pos)[3];
    double energy;
    double (*force)[3];
    double virial[3][3], stress[3][3];
} refcfg;

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf) buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* next line (modifies the buffer) */
static char *next_line(char **cur)
{
    char *s = *cur, *e;
    if (!s || !*s) return NULL;
    e = strchr(s, '\n');
    if (e) {
        *e = '\0';
        *cur = e + 1;
    } else {
        *cur = s + strlen(s);
    }
    return s;
}

static int read_cfg(refcfg *c)
{
    char *text = slurp(DIR "mlip2-reference-input.cfg"), *cur = text, *ln;
    int k = -1;
    if (!text) return 0;
    while ((ln = next_line(&cur))) {
        if (strstr(ln, "BEGIN_CFG")) {
            k++;
            if (k >= NCFG) break;
        } else if (strstr(ln, "Size")) {
            c[k].n = atoi(next_line(&cur));
            c[k].type = calloc((size_t)c[k].n, sizeof(int));
            c[k].pos = calloc((size_t)c[k].n, sizeof *c[k].pos);
            c[k].force = calloc((size_t)c[k].n, sizeof *c[k].force);
        } else if (strstr(ln, "Supercell")) {
            for (int r = 0; r < 3; r++) {
                ln = next_line(&cur);
                if (sscanf(ln, "%lf %lf %lf", &c[k].cell[r][0], &c[k].cell[r][1], &c[k].cell[r][2]) != 3) return 0;
            }
        } else if (strstr(ln, "AtomData")) {
            for (int i = 0; i < c[k].n; i++) {
                int id;
                ln = next_line(&cur);
                if (sscanf(ln, "%d %d %lf %lf %lf", &id, &c[k].type[i], &c[k].pos[i][0], &c[k].pos[i][1],
                           &c[k].pos[i][2]) != 5)
                    return 0;
            }
        }
    }
    free(text);
    return k + 1 >= NCFG;
}

static int read_vec9(const char *line, const char *key, double v[3][3])
{
    const char *s = strstr(line, key);
    if (!s) return 0;
    s += strlen(key);
    return sscanf(s, "%lf %lf %lf %lf %lf %lf %lf %lf %lf", &v[0][0], &v[0][1], &v[0][2], &v[1][0], &v[1][1],
                  &v[1][2], &v[2][0], &v[2][1], &v[2][2]) == 9;
}

static int read_xyz(refcfg *c)
{
    char *text = slurp(DIR "mlip2-reference.xyz"), *cur = text, *ln;
    int ok = 1;
    if (!text) return 0;
    for (int k = 0; k < NCFG && ok; k++) {
        const char *e;
        ln = next_line(&cur);
        if (!ln || atoi(ln) != c[k].n) ok = 0;
        ln = next_line(&cur);
        if (!ok || !ln) {
            ok = 0;
            break;
        }
        e = strstr(ln, " energy=");
        if (!e || sscanf(e + 8, "%lf", &c[k].energy) != 1) ok = 0;
        if (!read_vec9(ln, "virial=\"", c[k].virial) || !read_vec9(ln, "stress=\"", c[k].stress)) ok = 0;
        for (int i = 0; i < c[k].n && ok; i++) {
            char sym[8];
            double x[3];
            ln = next_line(&cur);
            if (!ln || sscanf(ln, "%7s %lf %lf %lf %lf %lf %lf", sym, &x[0], &x[1], &x[2], &c[k].force[i][0],
                              &c[k].force[i][1], &c[k].force[i][2]) != 7)
                ok = 0;
            else if (aion_element_z(sym) != (int[]){12, 23, 8}[c[k].type[i]])
                ok = 0; /* same atom order and species map as the .cfg */
        }
    }
    free(text);
    return ok;
}

static void to_frame(const refcfg *c, aion_frame *f)
{
    static const int zmap[3] = {12, 23, 8};
    aion_frame_init(f);
    if (aion_frame_resize(f, c->n, AION_HAS_CELL)) abort();
    memcpy(f->cell, c->cell, sizeof f->cell);
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    for (int i = 0; i < c->n; i++) {
        memcpy(f->pos[i], c->pos[i], sizeof f->pos[i]);
        f->z[i] = zmap[c->type[i]];
    }
}

static refcfg cfgs[NCFG];

static void test_reference(void)
{
    static const int species[3] = {12, 23, 8};
    aion_potential_opts o;
    aion_potential *p = NULL;
    aion_error err = {0};
    aion_potential_opts_init(&o);
    o.species_z = species;
    o.n_species_z = 3;
    CHECK_OK(aion_potential_create(&p, DIR "pot.mtp", &o, &err));
    if (!p) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK(fabs(aion_potential_cutoff(p) - 7.0) < 1e-12);
    CHECK(strstr(aion_potential_describe(p), "level 16") != NULL);
    for (int k = 0; k < NCFG; k++) {
        aion_frame f;
        aion_eval ev;
        double fmx = 0, dfmax = 0, vmax = 0, esum = 0;
        double *ae = calloc((size_t)cfgs[k].n, sizeof *ae);
        double (*F)[3] = calloc((size_t)cfgs[k].n, sizeof *F);
        to_frame(&cfgs[k], &f);
        memset(&ev, 0, sizeof ev);
        ev.forces = F;
        ev.want_virial = 1;
        ev.atom_energy = ae;
        CHECK_OK(aion_potential_compute(p, &f, &ev));
        CHECK_REL(ev.energy, cfgs[k].energy, 1e-8, 0);
        for (int i = 0; i < f.n; i++)
            for (int c = 0; c < 3; c++) {
                fmx = fmax(fmx, fabs(cfgs[k].force[i][c]));
                double d = fabs(F[i][c] - cfgs[k].force[i][c]);
                dfmax = dfmax > d ? dfmax : d;
            }
        for (int i = 0; i < f.n; i++) esum += ae[i];
        CHECK_REL(esum, ev.energy, 1e-12, 0);
        /* forces: every component within 1e-8 of the largest force */
        CHECK(dfmax <= 1e-8 * fmx);
        double vol = fabs(aion_det3((const double(*)[3])f.cell)), dvmax = 0;
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) vmax = fmax(vmax, fabs(cfgs[k].virial[a][b]));
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) {
                CHECK_NEAR(ev.virial[a][b], cfgs[k].virial[a][b], 1e-8 * vmax);
                dvmax = fmax(dvmax, fabs(ev.virial[a][b] - cfgs[k].virial[a][b]));
                CHECK_NEAR(-ev.virial[a][b] / vol, cfgs[k].stress[a][b], 1e-8 * vmax / vol);
            }
        printf("cfg %d: E %.12f (MLIP-2 %.12f, rel %.1e), max |dF| %.1e of max |F| %.2f, max |dW| %.1e of max "
               "|W| %.2f eV\n",
               k, ev.energy, cfgs[k].energy, fabs(ev.energy / cfgs[k].energy - 1), dfmax, fmx, dvmax, vmax);
        /* thread-count independence (to rounding) */
        {
            aion_potential *p1 = NULL;
            aion_eval e1;
            double (*F1)[3] = calloc((size_t)cfgs[k].n, sizeof *F1);
            aion_potential_opts o1 = o;
            o1.nthreads = 1;
            CHECK_OK(aion_potential_create(&p1, DIR "pot.mtp", &o1, NULL));
            memset(&e1, 0, sizeof e1);
            e1.forces = F1;
            if (p1) CHECK_OK(aion_potential_compute(p1, &f, &e1));
            CHECK_REL(e1.energy, ev.energy, 1e-13, 0);
            for (int i = 0; i < f.n; i++)
                for (int c = 0; c < 3; c++) CHECK_NEAR(F1[i][c], F[i][c], 1e-12 * fmx);
            aion_potential_free(p1);
            free(F1);
        }
        free(ae);
        free(F);
        aion_frame_free(&f);
    }
    aion_potential_free(p);
}

/* read -> write reproduces MLIP-2's own file byte for byte */
static void test_roundtrip_bytes(void)
{
    char *text = slurp(DIR "pot.mtp");
    mtp_model m, m2;
    aion_strbuf sb;
    aion_error err = {0};
    aion_sb_init(&sb);
    CHECK(text != NULL);
    if (!text) return;
    CHECK_OK(mtp_model_read(DIR "pot.mtp", &m, &err));
    CHECK_OK(mtp_model_format(&m, &sb, &err));
    CHECK(sb.s && strcmp(sb.s, text) == 0);
    CHECK_OK(mtp_model_parse(sb.s, sb.len, "again", &m2, &err));
    CHECK(m2.nmoments == m.nmoments && m2.ntimes == m.ntimes && m2.nscalar == m.nscalar);
    CHECK(memcmp(m2.radial, m.radial, sizeof(double) * 9 * 4 * 8) == 0);
    CHECK(memcmp(m2.moment_coeffs, m.moment_coeffs, sizeof(double) * (size_t)m.nscalar) == 0);
    CHECK(m.nspecies == 3 && m.nradial == 4 && m.rb_size == 8 && m.nscalar == 92 && m.nbasic == 130 &&
          m.ntimes == 969 && m.nmoments == 350);
    mtp_model_free(&m);
    mtp_model_free(&m2);
    aion_sb_free(&sb);
    free(text);
}

/* Basis functions of a model on one random environment (unit radial coefficients
 * per mu: f_mu = scaling-free Chebyshev combination shared by both models). */
static void eval_basis(const mtp_model *m, int nn, const double (*d)[3], const double *fr, double *out)
{
    double *mom = calloc((size_t)m->nmoments, sizeof *mom);
    for (int k = 0; k < m->nbasic; k++) {
        const int *b = m->basic[k];
        for (int j = 0; j < nn; j++) {
            double r = sqrt(d[j][0] * d[j][0] + d[j][1] * d[j][1] + d[j][2] * d[j][2]);
            mom[k] += fr[j * 8 + b[0]] * pow(d[j][0] / r, b[1]) * pow(d[j][1] / r, b[2]) * pow(d[j][2] / r, b[3]);
        }
    }
    for (int t = 0; t < m->ntimes; t++) mom[m->times[t].out] += m->times[t].k * mom[m->times[t].i] * mom[m->times[t].j];
    for (int a = 0; a < m->nscalar; a++) out[a] = mom[m->mapping[a]];
    free(mom);
}

/* Orthonormalise the columns of X (n columns of length len) in place by
 * modified Gram-Schmidt; returns the numerical rank (columns kept in front). */
static int orthonormalise(double *X, int n, int len)
{
    int rank = 0;
    for (int a = 0; a < n; a++) {
        double *col = X + (size_t)a * len, nrm0 = 0, nrm = 0;
        for (int e = 0; e < len; e++) nrm0 += col[e] * col[e];
        for (int pass = 0; pass < 2; pass++)
            for (int q = 0; q < rank; q++) {
                double *qc = X + (size_t)q * len, dot = 0;
                for (int e = 0; e < len; e++) dot += qc[e] * col[e];
                for (int e = 0; e < len; e++) col[e] -= dot * qc[e];
            }
        for (int e = 0; e < len; e++) nrm += col[e] * col[e];
        if (nrm > 1e-18 * nrm0) {
            nrm = sqrt(nrm);
            if (rank != a) memcpy(X + (size_t)rank * len, col, sizeof(double) * (size_t)len);
            for (int e = 0; e < len; e++) X[(size_t)rank * len + e] /= nrm;
            rank++;
        }
    }
    return rank;
}

/* Largest relative residual of the columns of Y projected out of span(Q). */
static double out_of_span(const double *Q, int rank, const double *Y, int n, int len)
{
    double worst = 0, *col = malloc(sizeof(double) * (size_t)len);
    for (int a = 0; a < n; a++) {
        double nrm0 = 0, nrm = 0;
        memcpy(col, Y + (size_t)a * len, sizeof(double) * (size_t)len);
        for (int e = 0; e < len; e++) nrm0 += col[e] * col[e];
        for (int pass = 0; pass < 2; pass++)
            for (int q = 0; q < rank; q++) {
                const double *qc = Q + (size_t)q * len;
                double dot = 0;
                for (int e = 0; e < len; e++) dot += qc[e] * col[e];
                for (int e = 0; e < len; e++) col[e] -= dot * qc[e];
            }
        for (int e = 0; e < len; e++) nrm += col[e] * col[e];
        if (nrm0 > 0 && sqrt(nrm / nrm0) > worst) worst = sqrt(nrm / nrm0);
    }
    free(col);
    return worst;
}

/* Our level-16 basis and pot.mtp's span the same space of functions (same
 * count; least squares over random environments, residual ~ 0 both ways).
 * Both are rank-deficient by the same amount: with unit vectors the trace of
 * M_{mu,2} is M_{mu,0}, so Cayley-Hamilton ties tr(A^4) to lower invariants. */
static void test_basis_span(void)
{
    mtp_model ref, gen;
    aion_error err = {0};
    unsigned long long seed = 12345;
    const int nenv = 400;
    CHECK_OK(mtp_model_read(DIR "pot.mtp", &ref, &err));
    CHECK_OK(mtp_basis_generate(&gen, 16, 1, 1.0, 5.0, 8, &err));
    CHECK(gen.nscalar == ref.nscalar);
    int n = gen.nscalar;
    double *A = calloc((size_t)nenv * (size_t)n, sizeof *A), *B = calloc((size_t)nenv * (size_t)n, sizeof *B);
    double *A0 = calloc((size_t)nenv * (size_t)n, sizeof *A), *B0 = calloc((size_t)nenv * (size_t)n, sizeof *B);
    for (int e = 0; e < nenv; e++) {
        int nn = 3 + (int)(test_rand(&seed) * 6);
        double d[16][3], fr[16 * 8];
        for (int j = 0; j < nn; j++) {
            for (int c = 0; c < 3; c++) d[j][c] = 2 * test_rand(&seed) - 1;
            for (int mu = 0; mu < 8; mu++) fr[j * 8 + mu] = 2 * test_rand(&seed) - 1;
        }
        double *ra = calloc((size_t)n, sizeof *ra), *rb = calloc((size_t)n, sizeof *rb);
        eval_basis(&gen, nn, (const double(*)[3])d, fr, ra);
        eval_basis(&ref, nn, (const double(*)[3])d, fr, rb);
        for (int a = 0; a < n; a++) {
            A[(size_t)a * nenv + e] = ra[a];
            B[(size_t)a * nenv + e] = rb[a];
        }
        free(ra);
        free(rb);
    }
    memcpy(A0, A, sizeof(double) * (size_t)nenv * (size_t)n);
    memcpy(B0, B, sizeof(double) * (size_t)nenv * (size_t)n);
    int ra = orthonormalise(A, n, nenv), rb = orthonormalise(B, n, nenv);
    double w1 = out_of_span(A, ra, B0, n, nenv), w2 = out_of_span(B, rb, A0, n, nenv);
    printf("level-16 basis: rank ours %d, pot.mtp %d (of %d); relative residuals %.1e (theirs in ours), %.1e "
           "(ours in theirs)\n",
           ra, rb, n, w1, w2);
    CHECK(ra == rb);
    CHECK(ra >= n - 2);
    CHECK(w1 < 1e-8);
    CHECK(w2 < 1e-8);
    free(A);
    free(B);
    free(A0);
    free(B0);
    mtp_model_free(&ref);
    mtp_model_free(&gen);
}

int main(void)
{
    TEST_SKIP_UNLESS_FILE(DIR "pot.mtp");
    TEST_SKIP_UNLESS_FILE(DIR "mlip2-reference-input.cfg");
    TEST_SKIP_UNLESS_FILE(DIR "mlip2-reference.xyz");
    if (!read_cfg(cfgs) || !read_xyz(cfgs)) {
        fprintf(stderr, "cannot parse the reference files\n");
        return 1;
    }
    TEST_RUN(test_reference);
    TEST_RUN(test_roundtrip_bytes);
    TEST_RUN(test_basis_span);
    for (int k = 0; k < NCFG; k++) {
        free(cfgs[k].type);
        free(cfgs[k].pos);
        free(cfgs[k].force);
    }
    return TEST_END();
}
