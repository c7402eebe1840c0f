/* SVG plot helper: structure of the output, escaping, log axes, skipped points. */
#include "aion.h"
#include "test.h"

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++) n++;
    return n;
}

static void test_plot(void)
{
    aion_plot *p = aion_plot_create("MSD <Li>", "t (ps)", "MSD (Å²)");
    CHECK(p != NULL);
    double x[5] = {1, 2, 3, 4, 5}, y[5] = {1, 4, NAN, 16, 25}, e[5] = {0.1, 0.2, 0.3, 0.4, 0.5};
    CHECK_OK(aion_plot_add(p, "Li & O", x, y, e, 5, AION_PLOT_LINE | AION_PLOT_POINTS));
    char *s = aion_plot_svg(p, 600, 400);
    CHECK(s && strncmp(s, "<svg", 4) == 0);
    CHECK(strstr(s, "</svg>") != NULL);
    CHECK(strstr(s, "MSD &lt;Li&gt;") != NULL);
    CHECK(strstr(s, "Li &amp; O") != NULL);
    CHECK(count(s, "<circle") == 4);   /* NaN point skipped */
    CHECK(count(s, "<polyline") == 2); /* line broken at the NaN */
    free(s);
    aion_plot_set_log(p, 1, 1);
    double y2[3] = {-1, 10, 100}, x2[3] = {1, 10, 100};
    CHECK_OK(aion_plot_add(p, "", x2, y2, NULL, 3, AION_PLOT_POINTS));
    s = aion_plot_svg(p, 0, 0);
    CHECK(s && count(s, "<circle") == 6); /* y ≤ 0 skipped on the log axis */
    CHECK(strstr(s, ">100<") != NULL);    /* decade tick */
    free(s);
    char path[] = "/tmp/aion-test-svg-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    CHECK_OK(aion_plot_write(p, path, NULL));
    FILE *f = fopen(path, "r");
    char head[5] = {0};
    CHECK(f && fread(head, 1, 4, f) == 4 && !strcmp(head, "<svg"));
    if (f) fclose(f);
    remove(path);
    aion_plot_free(p);
    aion_plot_free(NULL);
}

int main(void)
{
    TEST_RUN(test_plot);
    return TEST_END();
}
