/*
 * aion screen: rank crystals by the potential-energy landscape of a mobile
 * ion (frozen-framework scan, percolation energies, free volumes, Ξ).
 *
 * Batch bookkeeping: every finished structure (success or failure) is
 * appended to OUT (CSV) and to OUT's .jsonl sidecar as ONE write(2) of a
 * whole line on a file opened with O_APPEND, under a lock, after which the
 * file is fsync'ed. On start an existing OUT is read: structures whose key
 * (path#frame) is listed are not redone (unless --retry-failed for failed
 * ones, or --overwrite); a torn last line (no newline, from a crash) is cut
 * off first. results.json is rebuilt atomically from the sidecar at the end.
 */
#include "cli.h"
#include "opts.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *usage =
    "usage: aion screen --ion Li [--energy bvse|POTENTIAL] [--protocol single|probe] [--grid 0.25]\n"
    "                   [--exclusion 1.2] [--symmetry] [--threads N] [--grids DIR] FILES... --out results.csv\n"
    "Frozen-framework scan of the mobile ion's energy on a grid; 1D/2D/3D minimum percolation energies\n"
    "(MPE), free volumes and the Ξ descriptor (Maevskiy et al., Phys. Rev. Research 7, 023167 (2025)).\n"
    "FILES: CIF, POSCAR, extended XYZ (every frame is a structure). Results are appended to --out (CSV)\n"
    "and its .jsonl sidecar as each structure finishes; an interrupted batch resumes where it stopped.\n"
    "BVSE tables: --bvse-data DIR, else $AION_BVSE_DATA, else ../shared/data/bvse next to the repository.";

#define NTHR AION_PES_NTHR

typedef struct task {
    const char *path;
    int frame;
    char key[PATH_MAX + 32];
    aion_frame f;
    int ok_read;
    char read_err[AION_ERRMSG_MAX];
} task;

typedef struct {
    int fd_csv, fd_jsonl;
    const char *csv_path;
    char jsonl_path[PATH_MAX];
    char **done_keys;
    int n_done, cap_done;
} book;

/* ------------------------------------------------------------ helpers */

/* growable text line */
typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_init(sbuf *b) { memset(b, 0, sizeof *b); }
static void sb_free(sbuf *b) { free(b->s); }
static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = (b->cap ? 2 * b->cap : 256);
        while (nc < b->len + n + 1) nc *= 2;
        char *q = realloc(b->s, nc);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->s = q;
        b->cap = nc;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}
static void sb_puts(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }
static void sb_putc(sbuf *b, char c) { sb_putn(b, &c, 1); }
static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) sb_putn(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void csv_field(sbuf *sb, const char *s)
{
    if (!s) s = "";
    if (strpbrk(s, ",\"\n\r")) {
        sb_putc(sb, '"');
        for (const char *p = s; *p; p++) {
            if (*p == '"') sb_putc(sb, '"');
            sb_putc(sb, (*p == '\n' || *p == '\r') ? ' ' : *p);
        }
        sb_putc(sb, '"');
    } else {
        sb_puts(sb, s);
    }
}

static void csv_num(sbuf *sb, double v)
{
    if (isnan(v))
        sb_puts(sb, "");
    else if (isinf(v))
        sb_puts(sb, v > 0 ? "inf" : "-inf");
    else
        sb_printf(sb, "%.6g", v);
}

/* first field of a CSV line (the key), unquoted */
static int csv_first_field(const char *line, char *out, size_t cap)
{
    size_t k = 0;
    const char *p = line;
    if (*p == '"') {
        p++;
        while (*p && k + 1 < cap) {
            if (*p == '"') {
                if (p[1] == '"') {
                    out[k++] = '"';
                    p += 2;
                    continue;
                }
                break;
            }
            out[k++] = *p++;
        }
    } else {
        while (*p && *p != ',' && k + 1 < cap) out[k++] = *p++;
    }
    out[k] = 0;
    return (int)k;
}

/* Read an existing CSV: cut a torn last line, collect keys (status column
 * says ok/error). Returns 0 on success. */
static int book_load(book *B, const char *path, int retry_failed)
{
    FILE *fp = fopen(path, "r+");
    if (!fp) return errno == ENOENT ? 0 : -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long good_end = 0, pos = 0;
    int first = 1;
    while ((len = getline(&line, &cap, fp)) > 0) {
        pos += len;
        if (line[len - 1] != '\n') break; /* torn */
        good_end = pos;
        if (first) {
            first = 0;
            continue; /* header */
        }
        char key[PATH_MAX + 32];
        csv_first_field(line, key, sizeof key);
        int failed = strstr(line, ",error,") != NULL;
        if (failed && retry_failed) continue;
        if (B->n_done == B->cap_done) {
            int nc = B->cap_done ? 2 * B->cap_done : 256;
            char **q = realloc(B->done_keys, (size_t)nc * sizeof *q);
            if (!q) break;
            B->done_keys = q;
            B->cap_done = nc;
        }
        B->done_keys[B->n_done++] = strdup(key);
    }
    free(line);
    fclose(fp);
    if (good_end < pos && truncate(path, good_end) != 0) return -1;
    return 0;
}

static int book_has(const book *B, const char *key)
{
    for (int k = 0; k < B->n_done; k++)
        if (B->done_keys[k] && !strcmp(B->done_keys[k], key)) return 1;
    return 0;
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

static void header(sbuf *sb)
{
    sb_puts(sb, "key,file,frame,label,formula,natoms,status,error,ion,protocol,energy,grid,n_ions,"
                     "mpe_1d_eV,mpe_2d_eV,mpe_3d_eV,xi");
    for (int t = 0; t < NTHR; t++) sb_printf(sb, ",fv_disc_%.1f", aion_pes_threshold(t));
    for (int t = 0; t < NTHR; t++) sb_printf(sb, ",fv_conn_%.1f", aion_pes_threshold(t));
    sb_puts(sb, ",best_atom,n_eval,symmetry_ops,spacegroup,seconds,oxidation\n");
}

/* BVSE data folder: option, environment, then REPO/../shared/data/bvse
 * where REPO is the folder above the executable's build folder. */
static const char *bvse_dir(const char *opt, char *buf, size_t cap)
{
    if (opt) return opt;
    const char *env = getenv("AION_BVSE_DATA");
    if (env && *env) return env;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *d = dirname(exe); /* REPO/build */
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof tmp, "%s", d);
        d = dirname(tmp); /* REPO */
        snprintf(buf, cap, "%s/../shared/data/bvse", d);
        if (access(buf, R_OK) == 0) return buf;
    }
    snprintf(buf, cap, "../shared/data/bvse");
    return buf;
}

static void stem_of(const char *path, int frame, char *out, size_t cap)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    char *b = basename(tmp), *dot = strrchr(b, '.');
    if (dot && dot != b) *dot = 0;
    snprintf(out, cap, "%s_%d", b, frame);
}

static const char *frame_label(const aion_frame *f)
{
    const char *keys[] = {"label", "name", "cif_block", "comment", "id"};
    for (int k = 0; k < 5; k++) {
        const char *v = aion_frame_info_get(f, keys[k]);
        if (v && *v) return v;
    }
    return "";
}

/* ------------------------------------------------------------ main */

int cmd_screen(int argc, char **argv)
{
    const char *ion = NULL, *energy = "bvse", *protocol = "single", *out = "results.csv", *bvse_opt = NULL;
    const char *grids = NULL, *list = NULL, *species = NULL, *coulomb = NULL;
    double spacing = 0.25, exclusion = 1.2, symprec = 0.01, bvse_cutoff = 10.0, charge = 0;
    int symmetry = 0, threads = 0, overwrite = 0, retry_failed = 0;
    cli_opt t[32];
    int k = 0, npos = 0, rc = 1;
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    task *tasks = NULL;
    int ntask = 0, captask = 0;
    aion_bvse *bv = NULL;
    book B;
    aion_error err;
    char bvbuf[PATH_MAX];
    int zs[64];
    aion_potential_opts po;
    memset(&B, 0, sizeof B);
    B.fd_csv = B.fd_jsonl = -1;
    aion_potential_opts_init(&po);
    if (!pos) return cli_fail("out of memory");
    t[k++] = (cli_opt){"ion", OPT_STR, &ion, "mobile species: Li, Na, K, Mg, Ca, Zn, Al", 0, NULL, 0};
    t[k++] = (cli_opt){"energy", OPT_STR, &energy, "bvse (default) or a potential SPEC (pedone, FILE.mtp, ...)", 0, NULL, 0};
    t[k++] = (cli_opt){"protocol", OPT_STR, &protocol, "single: each mobile ion moved, rest fixed (default); probe: mobile ions removed", 0, NULL, 0};
    t[k++] = (cli_opt){"grid", OPT_DBL, &spacing, "grid spacing (Å), default 0.25", 0, NULL, 0};
    t[k++] = (cli_opt){"exclusion", OPT_DBL, &exclusion, "exclusion radius (Å), default 1.2", 0, NULL, 0};
    t[k++] = (cli_opt){"symmetry", OPT_FLAG, &symmetry, "evaluate only symmetry-irreducible points (spglib)", 0, NULL, 0};
    t[k++] = (cli_opt){"symprec", OPT_DBL, &symprec, "symmetry tolerance (Å), default 0.01", 0, NULL, 0};
    t[k++] = (cli_opt){"threads", OPT_INT, &threads, "threads (default: all)", 0, NULL, 0};
    t[k++] = (cli_opt){"bvse-data", OPT_STR, &bvse_opt, "folder with softbv-pairs.csv and principal-quantum-number.csv", 0, NULL, 0};
    t[k++] = (cli_opt){"bvse-cutoff", OPT_DBL, &bvse_cutoff, "BVSE interaction cutoff (Å), default 10", 0, NULL, 0};
    t[k++] = (cli_opt){"charge", OPT_DBL, &charge, "formal charge of the mobile ion (default by element)", 0, NULL, 0};
    t[k++] = (cli_opt){"species", OPT_STR, &species, "elements of the potential's species 0,1,... (MTP)", 0, NULL, 0};
    t[k++] = (cli_opt){"coulomb", OPT_STR, &coulomb, "Coulomb for classical potentials: ewald, dsf, cut, none", 0, NULL, 0};
    t[k++] = (cli_opt){"grids", OPT_STR, &grids, "write cube/CHGCAR files of the energy and level map and an SVG per structure here", 0, NULL, 0};
    t[k++] = (cli_opt){"list", OPT_STR, &list, "file with one structure path per line (in addition to FILES)", 0, NULL, 0};
    t[k++] = (cli_opt){"out", OPT_STR, &out, "results CSV (default results.csv; also .jsonl and .json next to it)", 0, NULL, 0};
    t[k++] = (cli_opt){"overwrite", OPT_FLAG, &overwrite, "start afresh instead of resuming", 0, NULL, 0};
    t[k++] = (cli_opt){"retry-failed", OPT_FLAG, &retry_failed, "when resuming, redo structures that failed", 0, NULL, 0};
    int prc = cli_parse(argc, argv, t, k, usage, pos, argc, &npos);
    if (prc) {
        free(pos);
        cli_opts_free();
        return prc == 2 ? 0 : 1;
    }
    aion_pes_opts o;
    aion_pes_opts_init(&o);
    if (!ion || !(o.mobile_z = aion_element_z(ion))) {
        cli_fail("--ion ELEMENT is required (Li, Na, K, Mg, Ca, Zn, Al)");
        goto done;
    }
    if (!aion_pes_mobile_charge(o.mobile_z) && charge == 0) {
        cli_fail("%s is not a supported mobile ion (Li, Na, K, Mg, Ca, Zn, Al; or give --charge)", ion);
        goto done;
    }
    if (!strcmp(protocol, "single"))
        o.protocol = AION_PES_SINGLE;
    else if (!strcmp(protocol, "probe"))
        o.protocol = AION_PES_PROBE;
    else {
        cli_fail("--protocol must be single or probe");
        goto done;
    }
    o.spacing = spacing;
    o.exclusion = exclusion;
    o.symmetry = symmetry;
    o.symprec = symprec;
    o.bvse_cutoff = bvse_cutoff;
    o.mobile_q = charge;
    if (!strcmp(energy, "bvse")) {
        const char *dir = bvse_dir(bvse_opt, bvbuf, sizeof bvbuf);
        if (aion_bvse_load(&bv, dir, &err) != AION_OK) {
            cli_fail("BVSE tables: %s", err.msg);
            goto done;
        }
        o.bvse = bv;
    } else {
        o.potential = energy;
        if (species) {
            int ns = cli_parse_species(species, zs, 64);
            if (ns < 0) goto done;
            po.species_z = zs;
            po.n_species_z = ns;
        }
        if (coulomb) {
            if (!strcmp(coulomb, "ewald")) po.coulomb = AION_COUL_EWALD;
            else if (!strcmp(coulomb, "dsf")) po.coulomb = AION_COUL_DSF;
            else if (!strcmp(coulomb, "cut")) po.coulomb = AION_COUL_CUT;
            else if (!strcmp(coulomb, "none")) po.coulomb = AION_COUL_NONE;
            else {
                cli_fail("--coulomb must be ewald, dsf, cut or none");
                goto done;
            }
        }
        o.potential_opts = &po;
        /* fail early on a bad spec */
        aion_potential *p = NULL;
        if (aion_potential_create(&p, energy, &po, &err) != AION_OK) {
            cli_fail("--energy %s: %s", energy, err.msg);
            goto done;
        }
        aion_potential_free(p);
    }
    o.keep_grids = grids != NULL;
    if (grids && aion_mkdirs(grids) != 0) {
        cli_fail("cannot create %s", grids);
        goto done;
    }

    /* inputs */
    char **paths = NULL;
    int npaths = 0;
    FILE *lf = NULL;
    paths = malloc(((size_t)npos + 1) * sizeof *paths);
    if (!paths) goto done;
    for (int i = 0; i < npos; i++) paths[npaths++] = pos[i];
    if (list) {
        lf = fopen(list, "r");
        if (!lf) {
            free(paths);
            cli_fail("%s: %s", list, strerror(errno));
            goto done;
        }
        char *line = NULL;
        size_t lcap = 0;
        ssize_t len;
        while ((len = getline(&line, &lcap, lf)) > 0) {
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' ')) line[--len] = 0;
            if (len == 0 || line[0] == '#') continue;
            char **q = realloc(paths, ((size_t)npaths + 1) * sizeof *q);
            if (!q) break;
            paths = q;
            paths[npaths++] = strdup(line);
        }
        free(line);
        fclose(lf);
    }
    if (npaths == 0) {
        free(paths);
        cli_fail("no input structures (FILES... or --list)");
        goto done;
    }

    /* bookkeeping */
    B.csv_path = out;
    snprintf(B.jsonl_path, sizeof B.jsonl_path, "%s", out);
    {
        char *dot = strrchr(B.jsonl_path, '.');
        char *slash = strrchr(B.jsonl_path, '/');
        if (dot && (!slash || dot > slash)) *dot = 0;
        strncat(B.jsonl_path, ".jsonl", sizeof B.jsonl_path - strlen(B.jsonl_path) - 1);
    }
    if (overwrite) {
        remove(out);
        remove(B.jsonl_path);
    } else if (book_load(&B, out, retry_failed) != 0) {
        cli_fail("%s: cannot read the existing results (%s)", out, strerror(errno));
        goto done_paths;
    }
    {
        /* the sidecar may hold a torn last line too */
        FILE *jf = fopen(B.jsonl_path, "r");
        if (jf) {
            char *line = NULL;
            size_t lcap = 0;
            ssize_t len;
            long pos2 = 0, good = 0;
            while ((len = getline(&line, &lcap, jf)) > 0) {
                pos2 += len;
                if (line[len - 1] == '\n') good = pos2;
                else break;
            }
            free(line);
            fclose(jf);
            if (good < pos2 && truncate(B.jsonl_path, good) != 0) {
                cli_fail("%s: cannot repair", B.jsonl_path);
                goto done_paths;
            }
        }
    }
    struct stat st_out;
    int fresh = stat(out, &st_out) != 0 || st_out.st_size == 0;
    B.fd_csv = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
    B.fd_jsonl = open(B.jsonl_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (B.fd_csv < 0 || B.fd_jsonl < 0) {
        cli_fail("cannot open %s / %s: %s", out, B.jsonl_path, strerror(errno));
        goto done_paths;
    }
    if (fresh) {
        sbuf h;
        sb_init(&h);
        header(&h);
        if (write_all(B.fd_csv, h.s, h.len) != 0) {
            sb_free(&h);
            cli_fail("%s: %s", out, strerror(errno));
            goto done_paths;
        }
        sb_free(&h);
    }

    /* read structures (serially; frames of multi-frame files are separate tasks) */
    int skipped = 0;
    for (int i = 0; i < npaths; i++) {
        aion_frame *frames = NULL;
        int nf = 0;
        aion_status st = aion_read_all(paths[i], NULL, &frames, &nf, &err);
        int count = st == AION_OK ? nf : 1;
        for (int fi = 0; fi < count; fi++) {
            if (ntask == captask) {
                int nc = captask ? 2 * captask : 64;
                task *q = realloc(tasks, (size_t)nc * sizeof *q);
                if (!q) {
                    aion_frames_free(frames, nf);
                    cli_fail("out of memory");
                    goto done_paths;
                }
                tasks = q;
                captask = nc;
            }
            task *T = &tasks[ntask];
            memset(T, 0, sizeof *T);
            aion_frame_init(&T->f);
            T->path = paths[i];
            T->frame = fi;
            snprintf(T->key, sizeof T->key, "%s#%d", paths[i], fi);
            if (book_has(&B, T->key)) {
                skipped++;
                continue;
            }
            if (st == AION_OK) {
                T->f = frames[fi]; /* take ownership */
                aion_frame_init(&frames[fi]);
                T->ok_read = 1;
            } else {
                snprintf(T->read_err, sizeof T->read_err, "%s", err.msg);
            }
            ntask++;
        }
        aion_frames_free(frames, nf);
    }
    if (skipped) fprintf(stderr, "aion screen: resuming, %d structure%s already in %s\n", skipped, skipped == 1 ? "" : "s", out);

    /* run */
    int nth = threads > 0 ? threads : omp_get_max_threads();
    int outer = ntask < nth ? (ntask > 0 ? ntask : 1) : nth;
    int inner = nth / outer > 0 ? nth / outer : 1;
    o.nthreads = inner;
    cli_catch_signals();
    long ndone = 0, nfail = 0;
    double t0 = omp_get_wtime();
    int write_failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(outer)
    for (int ti = 0; ti < ntask; ti++) {
        task *T = &tasks[ti];
        if (cli_stop_requested() || write_failed) continue;
        aion_pes_result r;
        aion_error e1;
        memset(&r, 0, sizeof r);
        memset(&e1, 0, sizeof e1);
        int ok = 0;
        char formula[256] = "";
        if (T->ok_read) {
            aion_frame_formula(&T->f, 1, formula, sizeof formula);
            ok = aion_pes_scan(&T->f, &o, &r, &e1) == AION_OK;
        } else {
            snprintf(e1.msg, sizeof e1.msg, "%s", T->read_err);
        }
        if (ok && grids) {
            char stem[PATH_MAX], p[PATH_MAX + 64];
            stem_of(T->path, T->frame, stem, sizeof stem);
            const struct {
                const char *suffix;
                int kind;
                const double *g;
            } outs[] = {{"energy.cube", 0, r.energy}, {"level.cube", 0, r.level}, {"energy_CHGCAR.vasp", 1, r.energy},
                        {"level_CHGCAR.vasp", 1, r.level}, {"path.svg", 2, NULL}};
            for (int q = 0; q < 5 && ok; q++) {
                snprintf(p, sizeof p, "%s/%s.%s", grids, stem, outs[q].suffix);
                aion_status ws = outs[q].kind == 0   ? aion_pes_write_cube(p, &T->f, &r, outs[q].g, T->key, &e1)
                                 : outs[q].kind == 1 ? aion_pes_write_chgcar(p, &T->f, &r, outs[q].g, T->key, &e1)
                                                     : aion_pes_write_svg(p, &T->f, &r, T->key, &e1);
                if (ws != AION_OK) ok = 0;
            }
        }
        /* CSV line */
        sbuf L;
        sb_init(&L);
        char gridtxt[64], frame_s[16];
        snprintf(gridtxt, sizeof gridtxt, "%dx%dx%d", r.n[0], r.n[1], r.n[2]);
        snprintf(frame_s, sizeof frame_s, "%d", T->frame);
        csv_field(&L, T->key);
        sb_putc(&L, ',');
        csv_field(&L, T->path);
        sb_printf(&L, ",%d,", T->frame);
        csv_field(&L, T->ok_read ? frame_label(&T->f) : "");
        sb_putc(&L, ',');
        csv_field(&L, formula);
        sb_printf(&L, ",%d,%s,", T->ok_read ? T->f.n : 0, ok ? "ok" : "error");
        csv_field(&L, ok ? "" : e1.msg);
        sb_printf(&L, ",%s,%s,", ion, protocol);
        csv_field(&L, energy);
        if (ok) {
            sb_printf(&L, ",%s,%d", gridtxt, r.n_ion);
            for (int d = 0; d < 3; d++) { sb_putc(&L, ','); csv_num(&L, r.mpe[d]); }
            { sb_putc(&L, ','); csv_num(&L, r.xi); }
            for (int q = 0; q < NTHR; q++) { sb_putc(&L, ','); csv_num(&L, r.fv_disc[q]); }
            for (int q = 0; q < NTHR; q++) { sb_putc(&L, ','); csv_num(&L, r.fv_conn[q]); }
            sb_printf(&L, ",%d,%ld,%d,%d,%.4g,", r.ion[r.best_ion].atom, r.n_eval, r.n_ops, r.spacegroup,
                           r.seconds);
            csv_field(&L, r.ox_note);
        } else {
            for (int q = 0; q < 2 + 4 + 2 * NTHR + 5; q++) sb_putc(&L, ',');
            sb_putc(&L, ',');
        }
        sb_putc(&L, '\n');
        /* JSON line */
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "key", T->key);
        cJSON_AddStringToObject(j, "file", T->path);
        cJSON_AddNumberToObject(j, "frame", T->frame);
        cJSON_AddStringToObject(j, "label", T->ok_read ? frame_label(&T->f) : "");
        cJSON_AddStringToObject(j, "formula", formula);
        cJSON_AddStringToObject(j, "status", ok ? "ok" : "error");
        if (!ok) cJSON_AddStringToObject(j, "error", e1.msg);
        if (ok) {
            cJSON *g = cJSON_AddArrayToObject(j, "grid");
            for (int d = 0; d < 3; d++) cJSON_AddItemToArray(g, cJSON_CreateNumber(r.n[d]));
            cJSON *mp = cJSON_AddArrayToObject(j, "mpe_eV");
            for (int d = 0; d < 3; d++)
                cJSON_AddItemToArray(mp, isfinite(r.mpe[d]) ? cJSON_CreateNumber(r.mpe[d]) : cJSON_CreateNull());
            cJSON_AddNumberToObject(j, "xi", r.xi);
            cJSON *fd = cJSON_AddArrayToObject(j, "fv_disc"), *fc = cJSON_AddArrayToObject(j, "fv_conn");
            for (int q = 0; q < NTHR; q++) {
                cJSON_AddItemToArray(fd, cJSON_CreateNumber(r.fv_disc[q]));
                cJSON_AddItemToArray(fc, cJSON_CreateNumber(r.fv_conn[q]));
            }
            cJSON_AddNumberToObject(j, "seconds", r.seconds);
            cJSON_AddNumberToObject(j, "n_eval", (double)r.n_eval);
            cJSON_AddNumberToObject(j, "symmetry_ops", r.n_ops);
            cJSON_AddStringToObject(j, "oxidation", r.ox_note);
            cJSON *ions = cJSON_AddArrayToObject(j, "ions");
            for (int s = 0; s < r.n_ion; s++) {
                const aion_pes_ion *I = &r.ion[s];
                cJSON *x = cJSON_CreateObject();
                cJSON_AddNumberToObject(x, "atom", I->atom);
                cJSON_AddNumberToObject(x, "mapped_from", I->mapped_from);
                cJSON_AddNumberToObject(x, "e_min_eV", I->e_min);
                cJSON *m2 = cJSON_AddArrayToObject(x, "mpe_eV");
                for (int d = 0; d < 3; d++)
                    cJSON_AddItemToArray(m2, isfinite(I->mpe[d]) ? cJSON_CreateNumber(I->mpe[d]) : cJSON_CreateNull());
                cJSON_AddNumberToObject(x, "xi", I->xi);
                cJSON_AddNumberToObject(x, "fv_disc_0.5", I->fv_disc[4]);
                cJSON_AddNumberToObject(x, "fv_conn_0.5", I->fv_conn[4]);
                cJSON_AddNumberToObject(x, "n_excluded", (double)I->n_excluded);
                cJSON_AddItemToArray(ions, x);
            }
        }
        char *jt = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
#pragma omp critical(screen_out)
        {
            if (!jt || L.oom || write_all(B.fd_jsonl, jt, strlen(jt)) || write_all(B.fd_jsonl, "\n", 1) ||
                fsync(B.fd_jsonl) || write_all(B.fd_csv, L.s, L.len) || fsync(B.fd_csv))
                write_failed = 1;
            ndone++;
            if (!ok) nfail++;
            double el = omp_get_wtime() - t0;
            cli_progress("screen", ndone, ntask, el > 0 ? ndone / el : 0, formula);
        }
        free(jt);
        sb_free(&L);
        aion_pes_result_free(&r);
    }
    cli_progress_end();
    double wall = omp_get_wtime() - t0;
    if (write_failed) {
        cli_fail("writing %s failed: %s", out, strerror(errno));
        goto done_paths;
    }

    /* results.json from the sidecar */
    {
        char jpath[PATH_MAX];
        snprintf(jpath, sizeof jpath, "%s", B.jsonl_path);
        jpath[strlen(jpath) - 1] = 0; /* .jsonl -> .json */
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "program", "aion screen");
        cJSON_AddStringToObject(root, "version", AION_VERSION);
        cJSON_AddStringToObject(root, "commit", AION_GIT_COMMIT);
        cJSON_AddStringToObject(root, "ion", ion);
        cJSON_AddStringToObject(root, "energy", energy);
        cJSON_AddStringToObject(root, "protocol", protocol);
        cJSON_AddNumberToObject(root, "grid_A", spacing);
        cJSON_AddNumberToObject(root, "exclusion_A", exclusion);
        cJSON_AddBoolToObject(root, "symmetry", symmetry);
        cJSON_AddNumberToObject(root, "threads", nth);
        cJSON_AddNumberToObject(root, "wall_s_this_run", wall);
        cJSON *arr = cJSON_AddArrayToObject(root, "structures");
        FILE *jf = fopen(B.jsonl_path, "r");
        char *line = NULL;
        size_t lcap = 0;
        while (jf && getline(&line, &lcap, jf) > 0) {
            cJSON *x = cJSON_Parse(line);
            if (!x) continue;
            /* a structure redone after a torn CSV line appears twice: keep the last */
            const cJSON *kx = cJSON_GetObjectItemCaseSensitive(x, "key");
            int idx = 0, replaced = 0;
            for (cJSON *y = arr->child; y && cJSON_IsString(kx); y = y->next, idx++) {
                const cJSON *ky = cJSON_GetObjectItemCaseSensitive(y, "key");
                if (cJSON_IsString(ky) && !strcmp(ky->valuestring, kx->valuestring)) {
                    cJSON_ReplaceItemInArray(arr, idx, x);
                    replaced = 1;
                    break;
                }
            }
            if (!replaced) cJSON_AddItemToArray(arr, x);
        }
        free(line);
        if (jf) fclose(jf);
        char *txt = cJSON_Print(root);
        int wr = txt ? cli_write_file_atomic(jpath, txt) : -1;
        free(txt);
        cJSON_Delete(root);
        if (wr) {
            cli_fail("cannot write %s", jpath);
            goto done_paths;
        }
    }
    fprintf(stderr, "aion screen: %ld structure%s in %.2f s (%ld failed)%s -> %s\n", ndone, ndone == 1 ? "" : "s", wall,
            nfail, skipped ? ", others done before" : "", out);
    rc = cli_stop_requested() ? 3 : 0;
    if (rc == 3) fprintf(stderr, "aion screen: interrupted; run the same command again to resume\n");
done_paths:
    for (int i = npos; i < npaths; i++) free(paths[i]);
    free(paths);
done:
    for (int i = 0; i < ntask; i++) aion_frame_free(&tasks[i].f);
    free(tasks);
    if (B.fd_csv >= 0) close(B.fd_csv);
    if (B.fd_jsonl >= 0) close(B.fd_jsonl);
    for (int i = 0; i < B.n_done; i++) free(B.done_keys[i]);
    free(B.done_keys);
    aion_bvse_free(bv);
    free(pos);
    cli_opts_free();
    return rc;
}
