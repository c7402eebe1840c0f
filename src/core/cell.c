/*
 * Triclinic cell geometry. Cells are row-major with lattice vectors as rows;
 * fractional coordinates f and Cartesian r are related by r = f · cell.
 */
#include "internal.h"

#include <math.h>
#include <string.h>

aion_status aion_cell_inverse(const double c[3][3], double inv[3][3])
{
    double det = aion_det3(c);
    double scale = 0.0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) scale = fmax(scale, fabs(c[i][j]));
    if (!(fabs(det) > 1e-12 * scale * scale * scale) || !isfinite(det)) return AION_ERR_NUMERIC;
    inv[0][0] = (c[1][1] * c[2][2] - c[1][2] * c[2][1]) / det;
    inv[0][1] = (c[0][2] * c[2][1] - c[0][1] * c[2][2]) / det;
    inv[0][2] = (c[0][1] * c[1][2] - c[0][2] * c[1][1]) / det;
    inv[1][0] = (c[1][2] * c[2][0] - c[1][0] * c[2][2]) / det;
    inv[1][1] = (c[0][0] * c[2][2] - c[0][2] * c[2][0]) / det;
    inv[1][2] = (c[0][2] * c[1][0] - c[0][0] * c[1][2]) / det;
    inv[2][0] = (c[1][0] * c[2][1] - c[1][1] * c[2][0]) / det;
    inv[2][1] = (c[0][1] * c[2][0] - c[0][0] * c[2][1]) / det;
    inv[2][2] = (c[0][0] * c[1][1] - c[0][1] * c[1][0]) / det;
    return AION_OK;
}

static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

static void cross3(const double a[3], const double b[3], double c[3])
{
    c[0] = a[1] * b[2] - a[2] * b[1];
    c[1] = a[2] * b[0] - a[0] * b[2];
    c[2] = a[0] * b[1] - a[1] * b[0];
}

void aion_cell_to_params(const double cell[3][3], double abc[3], double ang[3])
{
    const double r2d = 180.0 / acos(-1.0);
    for (int i = 0; i < 3; i++) abc[i] = sqrt(dot3(cell[i], cell[i]));
    ang[0] = acos(fmax(-1.0, fmin(1.0, dot3(cell[1], cell[2]) / (abc[1] * abc[2])))) * r2d;
    ang[1] = acos(fmax(-1.0, fmin(1.0, dot3(cell[0], cell[2]) / (abc[0] * abc[2])))) * r2d;
    ang[2] = acos(fmax(-1.0, fmin(1.0, dot3(cell[0], cell[1]) / (abc[0] * abc[1])))) * r2d;
}

aion_status aion_cell_from_params(const double abc[3], const double ang[3], double c[3][3])
{
    const double d2r = acos(-1.0) / 180.0;
    double ca = cos(ang[0] * d2r), cb = cos(ang[1] * d2r), cg = cos(ang[2] * d2r);
    double sg = sin(ang[2] * d2r);
    double cx, cy, cz2;
    /* exact zeros for right angles */
    if (fabs(ang[0] - 90.0) < 1e-12) ca = 0.0;
    if (fabs(ang[1] - 90.0) < 1e-12) cb = 0.0;
    if (fabs(ang[2] - 90.0) < 1e-12) { cg = 0.0; sg = 1.0; }
    if (!(abc[0] > 0 && abc[1] > 0 && abc[2] > 0) || fabs(sg) < 1e-12) return AION_ERR_INVALID;
    memset(c, 0, 9 * sizeof(double));
    c[0][0] = abc[0];
    c[1][0] = abc[1] * cg;
    c[1][1] = abc[1] * sg;
    cx = cb;
    cy = (ca - cb * cg) / sg;
    cz2 = 1.0 - cx * cx - cy * cy;
    if (!(cz2 > 0.0)) return AION_ERR_INVALID;
    c[2][0] = abc[2] * cx;
    c[2][1] = abc[2] * cy;
    c[2][2] = abc[2] * sqrt(cz2);
    return AION_OK;
}

void aion_cell_widths(const double cell[3][3], double w[3])
{
    double v = fabs(aion_det3(cell));
    for (int i = 0; i < 3; i++) {
        double n[3];
        cross3(cell[(i + 1) % 3], cell[(i + 2) % 3], n);
        double a = sqrt(dot3(n, n));
        w[i] = a > 0 ? v / a : 0.0;
    }
}

aion_status aion_frame_wrap(aion_frame *f)
{
    double inv[3][3];
    if (!(f->has & AION_HAS_CELL)) return AION_OK;
    if (aion_cell_inverse(f->cell, inv)) return AION_ERR_NUMERIC;
    for (int i = 0; i < f->n; i++) {
        double s[3];
        for (int k = 0; k < 3; k++)
            s[k] = f->pos[i][0] * inv[0][k] + f->pos[i][1] * inv[1][k] + f->pos[i][2] * inv[2][k];
        for (int k = 0; k < 3; k++) {
            if (!f->pbc[k]) continue;
            double fl = floor(s[k]);
            s[k] -= fl;
            if (s[k] >= 1.0) s[k] -= 1.0;
            if (f->image && (f->has & AION_HAS_IMAGE)) f->image[i][k] += (int)fl;
        }
        for (int k = 0; k < 3; k++) f->pos[i][k] = s[0] * f->cell[0][k] + s[1] * f->cell[1][k] + s[2] * f->cell[2][k];
    }
    return AION_OK;
}
