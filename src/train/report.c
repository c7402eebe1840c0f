/*
 * Fit statistics and the training report: errors of energies (per atom),
 * forces (per Cartesian component) and stresses (per independent component),
 * overall, per element (forces) and per config_type; parity plots and the
 * learning curve as SVG (src/core/svg.c); everything in report.json.
 *
 * MLIP-2's calc-errors prints as force "average" the mean over atoms of
 * |F_pred - F_ref| / 3 (the vector-norm error divided by 3), which is not the
 * per-component MAE; we report both (mlip_f).
 */
#include "train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void aion_fit_errors_compute(const aion_frame *ref, const aion_frame *pred, int n, const char *type, int z,
                             aion_fit_errors *out)
{
    double se = 0, sf = 0, ss = 0, mf3 = 0;
    long natom = 0;
    memset(out, 0, sizeof *out);
    for (int k = 0; k < n; k++) {
        const aion_frame *r = &ref[k], *p = &pred[k];
        if (type) {
            const char *ct = aion_frame_info_get(r, "config_type");
            if (!ct || strcmp(ct, type)) continue;
        }
        if (r->n != p->n || r->n <= 0) continue;
        if (!z && (r->has & AION_HAS_ENERGY) && (p->has & AION_HAS_ENERGY)) {
            double d = fabs(p->energy - r->energy) / r->n;
            out->mae_e += d;
            se += d * d;
            if (d > out->max_e) out->max_e = d;
            out->n_e++;
        }
        if ((r->has & AION_HAS_FORCES) && (p->has & AION_HAS_FORCES) && r->forces && p->forces)
            for (int i = 0; i < r->n; i++) {
                if (z && r->z[i] != z) continue;
                double v2 = 0;
                for (int c = 0; c < 3; c++) {
                    double d = fabs(p->forces[i][c] - r->forces[i][c]);
                    out->mae_f += d;
                    sf += d * d;
                    v2 += d * d;
                    if (d > out->max_f) out->max_f = d;
                    out->n_f++;
                }
                mf3 += sqrt(v2) / 3.0;
                natom++;
            }
        if (!z && (r->has & AION_HAS_STRESS) && (p->has & AION_HAS_STRESS)) {
            static const int ia[6] = {0, 1, 2, 1, 0, 0}, ib[6] = {0, 1, 2, 2, 2, 1};
            for (int c = 0; c < 6; c++) {
                double d = fabs(p->stress[ia[c]][ib[c]] - 0.5 * (r->stress[ia[c]][ib[c]] + r->stress[ib[c]][ia[c]]));
                out->mae_s += d;
                ss += d * d;
                if (d > out->max_s) out->max_s = d;
                out->n_s++;
            }
        }
    }
    if (out->n_e) {
        out->mae_e /= (double)out->n_e;
        out->rmse_e = sqrt(se / (double)out->n_e);
    }
    if (out->n_f) {
        out->mae_f /= (double)out->n_f;
        out->rmse_f = sqrt(sf / (double)out->n_f);
        out->mlip_f = mf3 / (double)natom;
    }
    if (out->n_s) {
        out->mae_s /= (double)out->n_s;
        out->rmse_s = sqrt(ss / (double)out->n_s);
    }
}

/* ------------------------------------------------------------------ */

static aion_status write_text(const char *dir, const char *name, const aion_strbuf *sb, aion_error *err)
{
    char path[4096], tmp[4200];
    FILE *fp;
    if (sb->oom) return aion_err_set(err, AION_ERR_NOMEM, "out of memory writing %s", name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    fp = fopen(tmp, "w");
    if (!fp) return aion_err_set(err, AION_ERR_IO, "%s: %s", tmp, strerror(errno));
    int ok = fwrite(sb->s ? sb->s : "", 1, sb->len, fp) == sb->len;
    ok &= fclose(fp) == 0;
    if (!ok || rename(tmp, path)) {
        remove(tmp);
        return aion_err_set(err, AION_ERR_IO, "%s: cannot write", path);
    }
    return AION_OK;
}

static void json_num(aion_strbuf *sb, double v)
{
    if (isfinite(v)) aion_sb_printf(sb, "%.6g", v);
    else aion_sb_puts(sb, "null");
}

static void json_str(aion_strbuf *sb, const char *s)
{
    aion_sb_putc(sb, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') aion_sb_printf(sb, "\\%c", c);
        else if (c < 0x20) aion_sb_printf(sb, "\\u%04x", c);
        else aion_sb_putc(sb, (char)c);
    }
    aion_sb_putc(sb, '"');
}

/* errors in report units: meV/atom, meV/Å, GPa */
static void json_errors(aion_strbuf *sb, const aion_fit_errors *e)
{
    aion_sb_printf(sb, "{\"n_configs\": %ld, \"n_force_components\": %ld, \"n_stress_components\": %ld", e->n_e, e->n_f,
                   e->n_s);
    if (e->n_e) {
        aion_sb_puts(sb, ", \"energy_mae_meV_atom\": ");
        json_num(sb, 1e3 * e->mae_e);
        aion_sb_puts(sb, ", \"energy_rmse_meV_atom\": ");
        json_num(sb, 1e3 * e->rmse_e);
        aion_sb_puts(sb, ", \"energy_max_meV_atom\": ");
        json_num(sb, 1e3 * e->max_e);
    }
    if (e->n_f) {
        aion_sb_puts(sb, ", \"force_mae_meV_A\": ");
        json_num(sb, 1e3 * e->mae_f);
        aion_sb_puts(sb, ", \"force_rmse_meV_A\": ");
        json_num(sb, 1e3 * e->rmse_f);
        aion_sb_puts(sb, ", \"force_max_meV_A\": ");
        json_num(sb, 1e3 * e->max_f);
        aion_sb_puts(sb, ", \"force_mlip2_average_meV_A\": ");
        json_num(sb, 1e3 * e->mlip_f);
    }
    if (e->n_s) {
        aion_sb_puts(sb, ", \"stress_mae_GPa\": ");
        json_num(sb, AION_EV_A3_TO_GPA * e->mae_s);
        aion_sb_puts(sb, ", \"stress_rmse_GPa\": ");
        json_num(sb, AION_EV_A3_TO_GPA * e->rmse_s);
        aion_sb_puts(sb, ", \"stress_max_GPa\": ");
        json_num(sb, AION_EV_A3_TO_GPA * e->max_s);
    }
    aion_sb_putc(sb, '}');
}

/* ------------------------------------------------------------------ */
/* SVG (src/core/svg.c)                                                */
/* ------------------------------------------------------------------ */

/* One parity plot: points (reference, prediction), thinned evenly to at most
 * 20000, and the line y = x. */
static aion_status parity_plot(const char *dir, const char *label, const char *what, const char *unit,
                               const double *a, const double *b, long n, double rmse, aion_error *err)
{
    char title[256], xl[128], yl[128], path[4200];
    long stride = n > 20000 ? (n + 19999) / 20000 : 1, m = 0;
    double lo = INFINITY, hi = -INFINITY;
    aion_status st = AION_OK;
    double *x = aion_calloc((size_t)(n / stride + 2), sizeof *x), *y = aion_calloc((size_t)(n / stride + 2), sizeof *y);
    aion_plot *p = NULL;
    if (!x || !y) goto nomem;
    for (long k = 0; k < n; k += stride) {
        x[m] = a[k];
        y[m++] = b[k];
    }
    for (long k = 0; k < n; k++) {
        lo = fmin(lo, fmin(a[k], b[k]));
        hi = fmax(hi, fmax(a[k], b[k]));
    }
    snprintf(title, sizeof title, "%s set: %s (%ld values, RMSE %.3g %s)", label, what, n, rmse, unit);
    snprintf(xl, sizeof xl, "reference (%s)", unit);
    snprintf(yl, sizeof yl, "MTP (%s)", unit);
    if (!(p = aion_plot_create(title, xl, yl))) goto nomem;
    if (n > 0) {
        const double dx[2] = {lo, hi};
        if ((st = aion_plot_add(p, "y = x", dx, dx, NULL, 2, AION_PLOT_LINE))) goto done;
        if ((st = aion_plot_add(p, label, x, y, NULL, (int)m, AION_PLOT_POINTS))) goto done;
    }
    snprintf(path, sizeof path, "%s/parity_%s_%s.svg", dir, label, what);
    st = aion_plot_write(p, path, err);
    goto done;
nomem:
    st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
done:
    aion_plot_free(p);
    free(x);
    free(y);
    return st;
}

static aion_status parity_svg(const char *dir, const aion_fit_set *s, aion_error *err)
{
    long ne = 0, nf = 0, ns = 0;
    for (int k = 0; k < s->n; k++) {
        ne += (s->ref[k].has & AION_HAS_ENERGY) != 0;
        if ((s->ref[k].has & AION_HAS_FORCES) && (s->pred[k].has & AION_HAS_FORCES)) nf += 3L * s->ref[k].n;
        ns += (s->ref[k].has & AION_HAS_STRESS) && (s->pred[k].has & AION_HAS_STRESS) ? 6 : 0;
    }
    double *ea = aion_calloc((size_t)ne + 1, 8), *eb = aion_calloc((size_t)ne + 1, 8);
    double *fa = aion_calloc((size_t)nf + 1, 8), *fb = aion_calloc((size_t)nf + 1, 8);
    double *sa = aion_calloc((size_t)ns + 1, 8), *sb2 = aion_calloc((size_t)ns + 1, 8);
    aion_status st = AION_OK;
    if (!ea || !eb || !fa || !fb || !sa || !sb2) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    ne = nf = ns = 0;
    for (int k = 0; k < s->n; k++) {
        const aion_frame *r = &s->ref[k], *p = &s->pred[k];
        if (r->has & AION_HAS_ENERGY) {
            ea[ne] = r->energy / r->n;
            eb[ne++] = p->energy / p->n;
        }
        if ((r->has & AION_HAS_FORCES) && (p->has & AION_HAS_FORCES))
            for (int i = 0; i < r->n; i++)
                for (int c = 0; c < 3; c++) {
                    fa[nf] = r->forces[i][c];
                    fb[nf++] = p->forces[i][c];
                }
        if ((r->has & AION_HAS_STRESS) && (p->has & AION_HAS_STRESS)) {
            static const int ia[6] = {0, 1, 2, 1, 0, 0}, ib[6] = {0, 1, 2, 2, 2, 1};
            for (int c = 0; c < 6; c++) {
                sa[ns] = r->stress[ia[c]][ib[c]] * AION_EV_A3_TO_GPA;
                sb2[ns++] = p->stress[ia[c]][ib[c]] * AION_EV_A3_TO_GPA;
            }
        }
    }
    {
        aion_fit_errors e;
        aion_fit_errors_compute(s->ref, s->pred, s->n, NULL, 0, &e);
        if ((st = parity_plot(dir, s->label, "energy", "eV/atom", ea, eb, ne, e.rmse_e, err))) goto done;
        if ((st = parity_plot(dir, s->label, "forces", "eV/Å", fa, fb, nf, e.rmse_f, err))) goto done;
        st = parity_plot(dir, s->label, "stress", "GPa", sa, sb2, ns, e.rmse_s * AION_EV_A3_TO_GPA, err);
    }
done:
    free(ea);
    free(eb);
    free(fa);
    free(fb);
    free(sa);
    free(sb2);
    return st;
}

static aion_status learning_svg(const char *dir, const aion_train_iter *h, int nh, aion_error *err)
{
    char path[4200];
    aion_status st = AION_OK;
    double *it = aion_calloc((size_t)nh + 1, sizeof *it), *l = aion_calloc((size_t)nh + 1, sizeof *l),
           *vi = aion_calloc((size_t)nh + 1, sizeof *vi), *vl = aion_calloc((size_t)nh + 1, sizeof *vl);
    aion_plot *p = NULL;
    int nv = 0;
    if (!it || !l || !vi || !vl || !(p = aion_plot_create("learning curve", "L-BFGS iteration", "loss"))) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int k = 0; k < nh; k++) {
        it[k] = h[k].iter;
        l[k] = h[k].loss;
        if (isfinite(h[k].valid_loss)) {
            vi[nv] = h[k].iter;
            vl[nv++] = h[k].valid_loss;
        }
    }
    aion_plot_set_log(p, 0, 1);
    if ((st = aion_plot_add(p, "training loss", it, l, NULL, nh, AION_PLOT_LINE))) goto done;
    if (nv && (st = aion_plot_add(p, "validation loss", vi, vl, NULL, nv, AION_PLOT_POINTS))) goto done;
    snprintf(path, sizeof path, "%s/learning_curve.svg", dir);
    st = aion_plot_write(p, path, err);
done:
    aion_plot_free(p);
    free(it);
    free(l);
    free(vi);
    free(vl);
    return st;
}

aion_status aion_fit_report_write(const char *dir, const aion_fit_set *sets, int nsets, const int *species_z,
                                  int n_species, const aion_train_iter *hist, int nhist, const char *extra_json,
                                  aion_error *err)
{
    aion_strbuf sb;
    aion_status st;
    aion_sb_init(&sb);
    aion_sb_puts(&sb, "{\n  \"units\": {\"energy\": \"meV/atom\", \"forces\": \"meV/Å per component\", "
                      "\"stress\": \"GPa per independent component (xx yy zz yz xz xy)\", "
                      "\"force_mlip2_average\": \"mean over atoms of |dF|/3 (MLIP-2 calc-errors)\"},\n  \"sets\": {");
    for (int s = 0; s < nsets; s++) {
        aion_fit_errors e;
        aion_sb_puts(&sb, s ? ",\n    " : "\n    ");
        json_str(&sb, sets[s].label);
        aion_sb_puts(&sb, ": {\"all\": ");
        aion_fit_errors_compute(sets[s].ref, sets[s].pred, sets[s].n, NULL, 0, &e);
        json_errors(&sb, &e);
        aion_sb_puts(&sb, ",\n      \"forces_by_element\": {");
        for (int q = 0; q < n_species; q++) {
            aion_fit_errors_compute(sets[s].ref, sets[s].pred, sets[s].n, NULL, species_z[q], &e);
            aion_sb_puts(&sb, q ? ", " : "");
            json_str(&sb, aion_element_symbol(species_z[q]));
            aion_sb_puts(&sb, ": ");
            json_errors(&sb, &e);
        }
        aion_sb_puts(&sb, "},\n      \"by_config_type\": {");
        /* distinct config_type values in order of appearance */
        int first = 1;
        for (int k = 0; k < sets[s].n; k++) {
            const char *ct = aion_frame_info_get(&sets[s].ref[k], "config_type");
            int seen = 0;
            if (!ct) continue;
            for (int j = 0; j < k && !seen; j++) {
                const char *c2 = aion_frame_info_get(&sets[s].ref[j], "config_type");
                seen = c2 && !strcmp(c2, ct);
            }
            if (seen) continue;
            aion_fit_errors_compute(sets[s].ref, sets[s].pred, sets[s].n, ct, 0, &e);
            aion_sb_puts(&sb, first ? "\n        " : ",\n        ");
            first = 0;
            json_str(&sb, ct);
            aion_sb_puts(&sb, ": ");
            json_errors(&sb, &e);
        }
        aion_sb_puts(&sb, "}}");
        if ((st = parity_svg(dir, &sets[s], err))) goto done;
    }
    aion_sb_puts(&sb, "\n  },\n  \"learning_curve\": {\"columns\": [\"iter\", \"evaluations\", \"loss\", "
                      "\"train_rmse_energy_meV_atom\", \"train_rmse_force_meV_A\", \"train_rmse_stress_GPa\", "
                      "\"valid_loss\", \"valid_rmse_energy_meV_atom\", \"valid_rmse_force_meV_A\", "
                      "\"valid_rmse_stress_GPa\", \"grad_norm\", \"cpu_s\", \"wall_s\"],\n    \"rows\": [");
    for (int k = 0; k < nhist; k++) {
        const aion_train_iter *h = &hist[k];
        const double v[13] = {h->iter,        (double)h->nevals,
                              h->loss,        1e3 * h->rmse_e,
                              1e3 * h->rmse_f, AION_EV_A3_TO_GPA * h->rmse_s,
                              h->valid_loss,  1e3 * h->valid_rmse_e,
                              1e3 * h->valid_rmse_f, AION_EV_A3_TO_GPA * h->valid_rmse_s,
                              h->grad_norm,   h->cpu_s,
                              h->wall_s};
        aion_sb_puts(&sb, k ? ",\n      [" : "\n      [");
        for (int c = 0; c < 13; c++) {
            if (c) aion_sb_puts(&sb, ", ");
            json_num(&sb, v[c]);
        }
        aion_sb_putc(&sb, ']');
    }
    aion_sb_puts(&sb, "]}");
    if (extra_json) {
        aion_sb_puts(&sb, ",\n  \"run\": ");
        aion_sb_puts(&sb, extra_json);
    }
    aion_sb_puts(&sb, "\n}\n");
    if ((st = write_text(dir, "report.json", &sb, err))) goto done;
    if (nhist > 0) st = learning_svg(dir, hist, nhist, err);
done:
    aion_sb_free(&sb);
    return st;
}
