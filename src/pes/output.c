/*
 * Output of energy landscapes: Gaussian cube and VASP CHGCAR-layout volumetric
 * files (read by VESTA, OVITO, ASE), and an SVG picture of the percolating
 * region (projections of the level map).
 *
 * Cube: Bohr units (1 Bohr = 0.529177210903 Å), atoms with their Z, voxel
 * vectors = lattice vectors / n, data with the c index fastest, 6 per line.
 * CHGCAR: POSCAR header (Direct coordinates), blank line, "n0 n1 n2", then the
 * values with the a index fastest (Fortran order), 5 per line, multiplied by
 * the cell volume as CHGCAR stores ρ·V. When the grid origin is not 0
 * (symmetry-adapted grids) the atoms are written shifted by −origin so that
 * grid point 0 sits at the file's origin.
 */
#include "pes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BOHR_A 0.529177210903

static FILE *open_tmp(const char *path, char *tmp, size_t cap, aion_error *err)
{
    snprintf(tmp, cap, "%s.tmp.%ld", path, (long)getpid());
    FILE *fp = fopen(tmp, "w");
    if (!fp) aion_err_set(err, AION_ERR_IO, "%s: cannot write (%s)", tmp, strerror(errno));
    return fp;
}

static aion_status close_tmp(FILE *fp, const char *tmp, const char *path, aion_error *err)
{
    int bad = ferror(fp);
    if (fclose(fp) != 0) bad = 1;
    if (bad || rename(tmp, path) != 0) {
        remove(tmp);
        return aion_err_set(err, AION_ERR_IO, "%s: write failed (%s)", path, strerror(errno));
    }
    return AION_OK;
}

aion_status aion_pes_write_cube(const char *path, const aion_frame *f, const aion_pes_result *r, const double *grid,
                                const char *comment, aion_error *err)
{
    char tmp[4200];
    const int *n = r->n;
    if (!grid) return aion_err_set(err, AION_ERR_INVALID, "no grid to write (keep_grids)");
    FILE *fp = open_tmp(path, tmp, sizeof tmp, err);
    if (!fp) return err ? err->code : AION_ERR_IO;
    double org[3];
    for (int c = 0; c < 3; c++)
        org[c] = (r->origin[0] * f->cell[0][c] + r->origin[1] * f->cell[1][c] + r->origin[2] * f->cell[2][c]) / BOHR_A;
    fprintf(fp, "%s\n", comment ? comment : "aion energy landscape");
    fprintf(fp, "values in eV relative to the minimum; grid %d x %d x %d\n", n[0], n[1], n[2]);
    fprintf(fp, "%5d %12.6f %12.6f %12.6f\n", f->n, org[0], org[1], org[2]);
    for (int a = 0; a < 3; a++)
        fprintf(fp, "%5d %12.6f %12.6f %12.6f\n", n[a], f->cell[a][0] / n[a] / BOHR_A, f->cell[a][1] / n[a] / BOHR_A,
                f->cell[a][2] / n[a] / BOHR_A);
    for (int i = 0; i < f->n; i++)
        fprintf(fp, "%5d %12.6f %12.6f %12.6f %12.6f\n", f->z[i], (double)f->z[i], f->pos[i][0] / BOHR_A,
                f->pos[i][1] / BOHR_A, f->pos[i][2] / BOHR_A);
    long k = 0;
    for (int i = 0; i < n[0]; i++)
        for (int j = 0; j < n[1]; j++) {
            for (int l = 0; l < n[2]; l++, k++) fprintf(fp, "%13.5e%s", grid[k], (l % 6 == 5) ? "\n" : "");
            if (n[2] % 6) fputc('\n', fp);
        }
    return close_tmp(fp, tmp, path, err);
}

aion_status aion_pes_write_chgcar(const char *path, const aion_frame *f, const aion_pes_result *r,
                                  const double *grid, const char *comment, aion_error *err)
{
    char tmp[4200];
    const int *n = r->n;
    double inv[3][3];
    if (!grid) return aion_err_set(err, AION_ERR_INVALID, "no grid to write (keep_grids)");
    if (aion_cell_inverse(f->cell, inv) != AION_OK) return aion_err_set(err, AION_ERR_NUMERIC, "singular cell");
    FILE *fp = open_tmp(path, tmp, sizeof tmp, err);
    if (!fp) return err ? err->code : AION_ERR_IO;
    double vol = aion_frame_volume(f);
    /* species in order of first appearance, atoms grouped by species */
    int zs[128], cnt[128], ns = 0;
    for (int i = 0; i < f->n; i++) {
        int s;
        for (s = 0; s < ns; s++)
            if (zs[s] == f->z[i]) break;
        if (s == ns) {
            if (ns == 128) break;
            zs[ns] = f->z[i];
            cnt[ns++] = 0;
        }
        cnt[s]++;
    }
    fprintf(fp, "%s\n1.0\n", comment ? comment : "aion energy landscape (values x volume, eV A^3)");
    for (int a = 0; a < 3; a++) fprintf(fp, " %16.10f %16.10f %16.10f\n", f->cell[a][0], f->cell[a][1], f->cell[a][2]);
    for (int s = 0; s < ns; s++) fprintf(fp, " %s", aion_element_symbol(zs[s]));
    fputc('\n', fp);
    for (int s = 0; s < ns; s++) fprintf(fp, " %d", cnt[s]);
    fprintf(fp, "\nDirect\n");
    for (int s = 0; s < ns; s++)
        for (int i = 0; i < f->n; i++) {
            if (f->z[i] != zs[s]) continue;
            double fr[3];
            for (int c = 0; c < 3; c++) {
                fr[c] = f->pos[i][0] * inv[0][c] + f->pos[i][1] * inv[1][c] + f->pos[i][2] * inv[2][c] - r->origin[c];
                fr[c] -= floor(fr[c]);
            }
            fprintf(fp, " %14.10f %14.10f %14.10f\n", fr[0], fr[1], fr[2]);
        }
    fprintf(fp, "\n %d %d %d\n", n[0], n[1], n[2]);
    long cntv = 0;
    for (int l = 0; l < n[2]; l++)
        for (int j = 0; j < n[1]; j++)
            for (int i = 0; i < n[0]; i++) {
                long k = ((long)i * n[1] + j) * n[2] + l;
                fprintf(fp, " %17.10e", grid[k] * vol);
                if (++cntv % 5 == 0) fputc('\n', fp);
            }
    if (cntv % 5) fputc('\n', fp);
    return close_tmp(fp, tmp, path, err);
}

/* Colour map (viridis-like, 5 anchors) for t in [0,1]. */
static void cmap(double t, int rgb[3])
{
    static const double a[5][3] = {
        {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
    if (!(t >= 0)) t = 0;
    if (t > 1) t = 1;
    double x = t * 4;
    int i = (int)x;
    if (i > 3) i = 3;
    double u = x - i;
    for (int c = 0; c < 3; c++) rgb[c] = (int)lround(a[i][c] + u * (a[i + 1][c] - a[i][c]));
}

static const char *elem_colour(int z)
{
    switch (z) {
    case 3: return "#cc80ff";
    case 8: return "#ff0d0d";
    case 15: return "#ff8000";
    case 16: return "#e0c000";
    case 26: return "#e06633";
    default: return "#606060";
    }
}

aion_status aion_pes_write_svg(const char *path, const aion_frame *f, const aion_pes_result *r, const char *title,
                               aion_error *err)
{
    char tmp[4200];
    const int *n = r->n;
    double inv[3][3];
    if (!r->level) return aion_err_set(err, AION_ERR_INVALID, "no level map to draw (keep_grids)");
    if (aion_cell_inverse(f->cell, inv) != AION_OK) return aion_err_set(err, AION_ERR_NUMERIC, "singular cell");
    double mpe = r->ion ? r->ion[r->best_ion].mpe[0] : INFINITY;
    double top = isfinite(mpe) ? mpe * 1.05 + 1e-3 : 1.0;
    FILE *fp = open_tmp(path, tmp, sizeof tmp, err);
    if (!fp) return err ? err->code : AION_ERR_IO;
    const double panel = 300, pad = 40;
    double W = 3 * panel + 4 * pad, H = panel + 2 * pad + 40;
    fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
                "font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H);
    fprintf(fp, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(fp, "<text x=\"%.0f\" y=\"20\" font-size=\"14\">%s — level map below the 1D MPE (%.3f eV); grey: above</text>\n",
            pad, title ? title : "percolating region", mpe);
    static const char *axname[3] = {"a", "b", "c"};
    for (int ax = 0; ax < 3; ax++) {
        int u = (ax + 1) % 3, v = (ax + 2) % 3;
        /* panel geometry: the (u, v) face of the cell as a parallelogram */
        double eu[3], ev[3];
        memcpy(eu, f->cell[u], sizeof eu);
        memcpy(ev, f->cell[v], sizeof ev);
        double lu = sqrt(eu[0] * eu[0] + eu[1] * eu[1] + eu[2] * eu[2]);
        double cu = (eu[0] * ev[0] + eu[1] * ev[1] + eu[2] * ev[2]) / lu;
        double lv2 = ev[0] * ev[0] + ev[1] * ev[1] + ev[2] * ev[2];
        double sv = sqrt(fmax(lv2 - cu * cu, 1e-12));
        /* 2D basis: U = (lu, 0), V = (cu, sv) */
        double xmin = fmin(0, cu), xmax = fmax(lu, lu + cu), ymax = sv;
        double sc = fmin((panel - 10) / (xmax - xmin), (panel - 10) / ymax);
        double ox = pad + ax * (panel + pad) - xmin * sc + 5, oy = 40 + pad + panel - 5;
#define PX(fu, fv) (ox + ((fu)*lu + (fv)*cu) * sc)
#define PY(fu, fv) (oy - ((fv)*sv) * sc)
        fprintf(fp, "<g>\n<text x=\"%.1f\" y=\"%.1f\">projection along %s (min over %s)</text>\n",
                pad + ax * (panel + pad), 40.0 + pad - 8, axname[ax], axname[ax]);
        for (int i = 0; i < n[u]; i++)
            for (int j = 0; j < n[v]; j++) {
                double m = INFINITY;
                for (int k = 0; k < n[ax]; k++) {
                    int idx[3];
                    idx[ax] = k, idx[u] = i, idx[v] = j;
                    double lvl = r->level[((long)idx[0] * n[1] + idx[1]) * n[2] + idx[2]];
                    if (lvl < m) m = lvl;
                }
                double fu = r->origin[u] + (i - 0.5) / n[u], fv = r->origin[v] + (j - 0.5) / n[v];
                double du = 1.0 / n[u], dv = 1.0 / n[v];
                char col[32];
                if (m <= top) {
                    int rgb[3];
                    cmap(top > 0 ? m / top : 0, rgb);
                    snprintf(col, sizeof col, "rgb(%d,%d,%d)", rgb[0], rgb[1], rgb[2]);
                } else {
                    snprintf(col, sizeof col, "#e8e8e8");
                }
                fprintf(fp, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\" stroke=\"none\"/>\n",
                        PX(fu, fv), PY(fu, fv), PX(fu + du, fv), PY(fu + du, fv), PX(fu + du, fv + dv),
                        PY(fu + du, fv + dv), PX(fu, fv + dv), PY(fu, fv + dv), col);
            }
        fprintf(fp, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"none\" stroke=\"black\"/>\n",
                PX(0, 0), PY(0, 0), PX(1, 0), PY(1, 0), PX(1, 1), PY(1, 1), PX(0, 1), PY(0, 1));
        for (int a = 0; a < f->n; a++) {
            double fr[3];
            for (int c = 0; c < 3; c++) {
                fr[c] = f->pos[a][0] * inv[0][c] + f->pos[a][1] * inv[1][c] + f->pos[a][2] * inv[2][c];
                fr[c] -= floor(fr[c]);
            }
            fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\" stroke=\"black\" stroke-width=\"0.5\"/>\n",
                    PX(fr[u], fr[v]), PY(fr[u], fr[v]), elem_colour(f->z[a]));
        }
        fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\">%s →</text><text x=\"%.1f\" y=\"%.1f\">%s ↑</text>\n</g>\n",
                PX(0.9, 0) - 10, PY(0, 0) + 16, axname[u], PX(0, 1) - 24, PY(0, 1) + 4, axname[v]);
#undef PX
#undef PY
    }
    /* colour bar */
    double bx = pad, by = H - 22;
    for (int s = 0; s < 50; s++) {
        int rgb[3];
        cmap(s / 49.0, rgb);
        fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"4\" height=\"10\" fill=\"rgb(%d,%d,%d)\"/>\n", bx + 4 * s, by,
                rgb[0], rgb[1], rgb[2]);
    }
    fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\">0 … %.3f eV above the minimum</text>\n", bx + 210, by + 9, top);
    fprintf(fp, "</svg>\n");
    return close_tmp(fp, tmp, path, err);
}
