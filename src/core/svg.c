/*
 * Small SVG plots: line and scatter series with optional error bars, linear or
 * logarithmic axes with "nice" ticks, a legend. Text only, no dependencies.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct series {
    char *label;
    double *x, *y, *e;
    int n;
    unsigned style;
} series;

struct aion_plot {
    char *title, *xlabel, *ylabel;
    int logx, logy;
    series *s;
    int ns;
};

aion_plot *aion_plot_create(const char *title, const char *xlabel, const char *ylabel)
{
    aion_plot *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->title = aion_strdup(title ? title : "");
    p->xlabel = aion_strdup(xlabel ? xlabel : "");
    p->ylabel = aion_strdup(ylabel ? ylabel : "");
    if (!p->title || !p->xlabel || !p->ylabel) {
        aion_plot_free(p);
        return NULL;
    }
    return p;
}

void aion_plot_free(aion_plot *p)
{
    if (!p) return;
    for (int k = 0; k < p->ns; k++) {
        free(p->s[k].label);
        free(p->s[k].x);
        free(p->s[k].y);
        free(p->s[k].e);
    }
    free(p->s);
    free(p->title);
    free(p->xlabel);
    free(p->ylabel);
    free(p);
}

void aion_plot_set_log(aion_plot *p, int logx, int logy)
{
    if (!p) return;
    p->logx = logx;
    p->logy = logy;
}

aion_status aion_plot_add(aion_plot *p, const char *label, const double *x, const double *y, const double *yerr,
                          int n, unsigned style)
{
    if (!p || !x || !y || n < 0) return AION_ERR_INVALID;
    series *ns = aion_realloc_array(p->s, (size_t)p->ns + 1, sizeof *ns);
    if (!ns) return AION_ERR_NOMEM;
    p->s = ns;
    series *s = &p->s[p->ns];
    memset(s, 0, sizeof *s);
    s->label = aion_strdup(label ? label : "");
    s->x = malloc(sizeof(double) * (size_t)(n ? n : 1));
    s->y = malloc(sizeof(double) * (size_t)(n ? n : 1));
    if (yerr) s->e = malloc(sizeof(double) * (size_t)(n ? n : 1));
    if (!s->label || !s->x || !s->y || (yerr && !s->e)) {
        free(s->label);
        free(s->x);
        free(s->y);
        free(s->e);
        return AION_ERR_NOMEM;
    }
    memcpy(s->x, x, sizeof(double) * (size_t)n);
    memcpy(s->y, y, sizeof(double) * (size_t)n);
    if (yerr) memcpy(s->e, yerr, sizeof(double) * (size_t)n);
    s->n = n;
    s->style = style ? style : AION_PLOT_LINE;
    p->ns++;
    return AION_OK;
}

static void esc(aion_strbuf *b, const char *t)
{
    for (; *t; t++) {
        switch (*t) {
        case '<': aion_sb_puts(b, "&lt;"); break;
        case '>': aion_sb_puts(b, "&gt;"); break;
        case '&': aion_sb_puts(b, "&amp;"); break;
        case '"': aion_sb_puts(b, "&quot;"); break;
        default: aion_sb_putc(b, *t);
        }
    }
}

static int usable(double v, int logax) { return isfinite(v) && (!logax || v > 0); }

/* Nice tick step for a linear range. */
static double nice_step(double span, int target)
{
    double raw = span / target, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

static const char *colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

char *aion_plot_svg(const aion_plot *p, int width, int height)
{
    if (!p) return NULL;
    if (width <= 0) width = 640;
    if (height <= 0) height = 440;
    const double L = 78, R = 20, T = 36, B = 56;
    const double W = width - L - R, H = height - T - B;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int k = 0; k < p->ns; k++)
        for (int i = 0; i < p->s[k].n; i++) {
            double x = p->s[k].x[i], y = p->s[k].y[i], e = p->s[k].e ? p->s[k].e[i] : 0;
            if (!usable(x, p->logx) || !usable(y, p->logy)) continue;
            x0 = fmin(x0, x);
            x1 = fmax(x1, x);
            double lo = y - (isfinite(e) ? e : 0), hi = y + (isfinite(e) ? e : 0);
            if (p->logy && lo <= 0) lo = y;
            y0 = fmin(y0, lo);
            y1 = fmax(y1, hi);
        }
    if (!(x0 <= x1)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    if (p->logx) x0 = log10(x0), x1 = log10(x1);
    if (p->logy) y0 = log10(y0), y1 = log10(y1);
    if (x1 - x0 < 1e-300) x0 -= 0.5, x1 += 0.5;
    if (y1 - y0 < 1e-300) y0 -= 0.5, y1 += 0.5;
    if (!p->logy) {
        double pad = 0.05 * (y1 - y0);
        y0 -= pad;
        y1 += pad;
    }
    aion_strbuf b;
    aion_sb_init(&b);
    aion_sb_printf(&b,
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                   "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" "
                   "fill=\"white\"/>\n",
                   width, height, width, height);
#define PX(v) (L + ((v) - x0) / (x1 - x0) * W)
#define PY(v) (T + H - ((v) - y0) / (y1 - y0) * H)
    /* axes and ticks */
    aion_sb_printf(&b, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" stroke=\"black\"/>\n", L, T,
                   W, H);
    for (int ax = 0; ax < 2; ax++) {
        double a0 = ax ? y0 : x0, a1 = ax ? y1 : x1;
        int lg = ax ? p->logy : p->logx;
        double st = lg ? fmax(1.0, floor((a1 - a0) / 6) + 1) : nice_step(a1 - a0, 6);
        for (double v = ceil(a0 / st - 1e-9) * st; v <= a1 + 1e-9 * st; v += st) {
            char lab[48];
            double shown = lg ? pow(10, v) : (fabs(v) < 1e-12 * st ? 0.0 : v);
            snprintf(lab, sizeof lab, "%g", shown);
            if (ax == 0)
                aion_sb_printf(&b,
                               "<line x1=\"%.2f\" y1=\"%g\" x2=\"%.2f\" y2=\"%g\" stroke=\"black\"/><text x=\"%.2f\" "
                               "y=\"%g\" text-anchor=\"middle\">%s</text>\n",
                               PX(v), T + H, PX(v), T + H + 5, PX(v), T + H + 18, lab);
            else
                aion_sb_printf(&b,
                               "<line x1=\"%g\" y1=\"%.2f\" x2=\"%g\" y2=\"%.2f\" stroke=\"black\"/><text x=\"%g\" "
                               "y=\"%.2f\" text-anchor=\"end\">%s</text>\n",
                               L - 5, PY(v), L, PY(v), L - 8, PY(v) + 4, lab);
        }
    }
    aion_sb_printf(&b, "<text x=\"%g\" y=\"%d\" text-anchor=\"middle\">", L + W / 2, height - 14);
    esc(&b, p->xlabel);
    aion_sb_printf(&b, "</text>\n<text transform=\"translate(18,%g) rotate(-90)\" text-anchor=\"middle\">", T + H / 2);
    esc(&b, p->ylabel);
    aion_sb_printf(&b, "</text>\n<text x=\"%g\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">", L + W / 2);
    esc(&b, p->title);
    aion_sb_puts(&b, "</text>\n");
    /* series */
    int ci = -1, nlab = 0;
    for (int k = 0; k < p->ns; k++) {
        const series *s = &p->s[k];
        if (!(s->style & AION_PLOT_SAME_COLOR) || ci < 0) ci++;
        const char *c = colors[ci % 8];
        if ((s->style & AION_PLOT_BAND) && s->e) {
            /* filled band between y - e and y + e (points with both ends usable) */
            aion_sb_printf(&b, "<polygon fill=\"%s\" fill-opacity=\"0.18\" stroke=\"none\" points=\"", c);
            for (int pass = 0; pass < 2; pass++)
                for (int ii = 0; ii < s->n; ii++) {
                    int i = pass ? s->n - 1 - ii : ii;
                    double yy = pass ? s->y[i] - s->e[i] : s->y[i] + s->e[i];
                    if (!usable(s->x[i], p->logx) || !usable(s->y[i] - s->e[i], p->logy) ||
                        !usable(s->y[i] + s->e[i], p->logy))
                        continue;
                    aion_sb_printf(&b, "%.2f,%.2f ", PX(p->logx ? log10(s->x[i]) : s->x[i]),
                                   PY(p->logy ? log10(yy) : yy));
                }
            aion_sb_puts(&b, "\"/>\n");
        }
        if (s->style & AION_PLOT_LINE) {
            int open = 0;
            for (int i = 0; i < s->n; i++) {
                if (!usable(s->x[i], p->logx) || !usable(s->y[i], p->logy)) {
                    if (open) aion_sb_puts(&b, "\"/>\n");
                    open = 0;
                    continue;
                }
                double X = PX(p->logx ? log10(s->x[i]) : s->x[i]), Y = PY(p->logy ? log10(s->y[i]) : s->y[i]);
                if (!open)
                    aion_sb_printf(&b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s points=\"", c,
                                   (s->style & AION_PLOT_DASHED) ? " stroke-dasharray=\"6,4\"" : "");
                aion_sb_printf(&b, "%.2f,%.2f ", X, Y);
                open = 1;
            }
            if (open) aion_sb_puts(&b, "\"/>\n");
        }
        for (int i = 0; i < s->n; i++) {
            if (!usable(s->x[i], p->logx) || !usable(s->y[i], p->logy)) continue;
            double X = PX(p->logx ? log10(s->x[i]) : s->x[i]), Y = PY(p->logy ? log10(s->y[i]) : s->y[i]);
            if (s->e && !(s->style & AION_PLOT_BAND) && isfinite(s->e[i]) && s->e[i] > 0) {
                double lo = s->y[i] - s->e[i], hi = s->y[i] + s->e[i];
                double Ylo = p->logy ? (lo > 0 ? PY(log10(lo)) : T + H) : PY(lo);
                double Yhi = PY(p->logy ? log10(hi) : hi);
                aion_sb_printf(&b,
                               "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\"/>"
                               "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\"/>"
                               "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\"/>\n",
                               X, Ylo, X, Yhi, c, X - 3, Ylo, X + 3, Ylo, c, X - 3, Yhi, X + 3, Yhi, c);
            }
            if (s->style & AION_PLOT_POINTS)
                aion_sb_printf(&b, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"%s\"/>\n", X, Y, c);
        }
        if (s->label[0]) {
            double ly = T + 16 + 16 * nlab++;
            if ((s->style & AION_PLOT_BAND) && !(s->style & AION_PLOT_LINE))
                aion_sb_printf(&b,
                               "<rect x=\"%g\" y=\"%g\" width=\"20\" height=\"8\" fill=\"%s\" fill-opacity=\"0.3\"/>"
                               "<text x=\"%g\" y=\"%g\">",
                               L + W - 150, ly - 8, c, L + W - 125, ly);
            else
                aion_sb_printf(&b,
                               "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\" stroke-width=\"2\"%s/>"
                               "<text x=\"%g\" y=\"%g\">",
                               L + W - 150, ly - 4, L + W - 130, ly - 4, c,
                               (s->style & AION_PLOT_DASHED) ? " stroke-dasharray=\"6,4\"" : "", L + W - 125, ly);
            esc(&b, s->label);
            aion_sb_puts(&b, "</text>\n");
        }
    }
#undef PX
#undef PY
    aion_sb_puts(&b, "</svg>\n");
    if (b.oom) {
        aion_sb_free(&b);
        return NULL;
    }
    return b.s;
}

aion_status aion_plot_write(const aion_plot *p, const char *path, aion_error *err)
{
    char tmp[4096];
    char *svg = aion_plot_svg(p, 0, 0);
    if (!svg) return aion_err_set(err, AION_ERR_NOMEM, "out of memory rendering a plot");
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        free(svg);
        return aion_err_set(err, AION_ERR_IO, "cannot write %s", path);
    }
    size_t len = strlen(svg);
    int bad = fwrite(svg, 1, len, f) != len;
    bad |= fclose(f) != 0;
    free(svg);
    if (bad || rename(tmp, path) != 0) {
        remove(tmp);
        return aion_err_set(err, AION_ERR_IO, "cannot write %s", path);
    }
    return AION_OK;
}
