/* Pipeline configuration: the shipped default.yaml equals the built-in defaults, YAML round trip,
 * single-key settings, error messages with file:line, stage hashes react to the keys their stage
 * reads and only to those; plot bands/dashes render. */
#include "pipeline/pipeline.h"
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *yaml_of(const aion_pipeline_config *c)
{
    char *y = aion_pipeline_config_yaml(c);
    CHECK(y != NULL);
    return y;
}

static void test_default_file(void)
{
    aion_pipeline_config def, f;
    aion_error err;
    aion_pipeline_config_init(&def);
    /* start from something different from every default, so the file must set each key */
    memset(&f, 0, sizeof f);
    f.n_temps = 1;
    f.temps_K[0] = 1;
    CHECK_OK(aion_pipeline_config_load(&f, "examples/pipelines/default.yaml", &err));
    char *a = yaml_of(&def), *b = yaml_of(&f);
    if (a && b) {
        CHECK(strcmp(a, b) == 0);
        if (strcmp(a, b)) fprintf(stderr, "built-in:\n%s\nfile:\n%s\n", a, b);
    }
    free(a);
    free(b);
    CHECK_OK(aion_pipeline_config_check(&def, &err));
    CHECK(def.n_temps >= 4);
    CHECK(!strcmp(f.base_dir, "examples/pipelines"));
    /* the shipped potential and its training report exist where the default file says */
    char path[2 * AION_PIPELINE_STR];
    aion_pipe_resolve(&f, f.potential, path, sizeof path);
    CHECK(access(path, R_OK) == 0);
    if (access(path, R_OK)) fprintf(stderr, "default potential %s missing\n", path);
    aion_pipe_resolve(&f, f.validation_report, path, sizeof path);
    CHECK(access(path, R_OK) == 0);
    /* it was trained on xTB without stresses: the default never runs it under a barostat */
    CHECK(!strcmp(def.quench_ensemble, "nvt") && def.npt_ps == 0);
}

static void test_roundtrip_and_set(void)
{
    aion_pipeline_config c, d;
    aion_error err;
    char path[] = "/tmp/aion-pipe-XXXXXX";
    aion_pipeline_config_init(&c);
    CHECK_OK(aion_pipeline_config_set(&c, "production.temperatures", "[650, 725.5,800]", &err));
    CHECK(c.n_temps == 3 && c.temps_K[1] == 725.5);
    CHECK_OK(aion_pipeline_config_set(&c, "system.atoms", "400", &err));
    CHECK(c.atoms == 400);
    CHECK_OK(aion_pipeline_config_set(&c, "name", "a \"quoted\" name: with colon", &err));
    CHECK_OK(aion_pipeline_config_set(&c, "seed", "18446744073709551615", &err));
    CHECK(c.seed == UINT64_MAX);
    CHECK(aion_pipeline_config_set(&c, "system.atoms", "4x", &err) == AION_ERR_PARSE);
    CHECK(aion_pipeline_config_set(&c, "seed", "-1", &err) == AION_ERR_PARSE);
    CHECK(aion_pipeline_config_set(&c, "md.timestep", "nan", &err) == AION_ERR_PARSE);
    CHECK(aion_pipeline_config_set(&c, "system.atom", "4", &err) == AION_ERR_INVALID);
    CHECK(strstr(err.msg, "system.atom") != NULL);
    /* write the YAML, read it back into another config */
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    char *y = yaml_of(&c);
    if (fd >= 0 && y) {
        CHECK(write(fd, y, strlen(y)) == (ssize_t)strlen(y));
        close(fd);
        aion_pipeline_config_init(&d);
        CHECK_OK(aion_pipeline_config_load(&d, path, &err));
        char *y2 = yaml_of(&d);
        CHECK(y2 && !strcmp(y, y2));
        free(y2);
        CHECK(!strcmp(d.name, "a \"quoted\" name: with colon"));
        CHECK(d.n_temps == 3 && d.temps_K[2] == 800);
        remove(path);
    }
    free(y);
}

static void load_text(const char *text, aion_status want, const char *msg_part)
{
    char path[] = "/tmp/aion-pipe-XXXXXX";
    aion_pipeline_config c;
    aion_error err;
    memset(&err, 0, sizeof err);
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    aion_pipeline_config_init(&c);
    aion_status st = aion_pipeline_config_load(&c, path, &err);
    CHECK(st == want);
    if (msg_part) {
        CHECK(strstr(err.msg, msg_part) != NULL);
        if (!strstr(err.msg, msg_part)) fprintf(stderr, "message: %s (wanted %s)\n", err.msg, msg_part);
    }
    remove(path);
}

static void test_errors(void)
{
    load_text("system:\n  atoms: 96\nproduction:\n  temperatures:\n    - 600\n    - 700\n", AION_OK, NULL);
    load_text("system:\n  atoms: 96\n  bogus: 1\n", AION_ERR_INVALID, ":3: unknown key 'system.bogus'");
    load_text("system:\n  atoms: many\n", AION_ERR_PARSE, ":2: system.atoms: not an integer");
    load_text("system:\n  atoms: [1\n", AION_ERR_PARSE, ":");
    load_text("system:\n  nested:\n    deep: 1\n", AION_ERR_PARSE, "key: value");
    load_text("- a\n- b\n", AION_ERR_PARSE, "mapping of sections");
    aion_pipeline_config c;
    aion_error err;
    aion_pipeline_config_init(&c);
    c.n_temps = 1;
    CHECK(aion_pipeline_config_check(&c, &err) == AION_ERR_INVALID);
    aion_pipeline_config_init(&c);
    c.temps_K[1] = c.temps_K[0];
    CHECK(aion_pipeline_config_check(&c, &err) == AION_ERR_INVALID);
    aion_pipeline_config_init(&c);
    snprintf(c.ion, sizeof c.ion, "Xx");
    CHECK(aion_pipeline_config_check(&c, &err) == AION_ERR_INVALID);
    aion_pipeline_config_init(&c);
    c.fit_end = 0.05;
    CHECK(aion_pipeline_config_check(&c, &err) == AION_ERR_INVALID);
    CHECK(aion_pipeline_config_load(&c, "/nonexistent/p.yaml", &err) == AION_ERR_IO);
}

/* Each stage's hash changes with the keys it reads and with no other. */
static void test_hashes(void)
{
    aion_pipeline_config a, b;
    aion_error err;
    aion_pipeline_config_init(&a);
    const unsigned stages[] = {PK_QUENCH, PK_MD, PK_TRANSPORT, PK_STRUCTURE};
    for (const pipe_key *k = aion_pipe_keys; k->name; k++) {
        b = a;
        /* change the key to another valid value */
        const char *v = k->type == PT_STR ? "Na" : k->type == PT_DBL_LIST ? "[1, 2]" : k->type == PT_DBL ? "3.25" : "3";
        CHECK_OK(aion_pipeline_config_set(&b, k->name, v, &err));
        for (int s = 0; s < 4; s++) {
            int changed = aion_pipe_stage_hash(&a, stages[s], NULL) != aion_pipe_stage_hash(&b, stages[s], NULL);
            int reads = (k->stages & stages[s]) != 0;
            CHECK(changed == reads);
            if (changed != reads) fprintf(stderr, "key %s stage %u: changed %d reads %d\n", k->name, stages[s], changed, reads);
        }
    }
    /* execution keys are never hashed; the temperatures are per stage (extra text) */
    CHECK(aion_pipe_stage_hash(&a, PK_MD, "T=500\n") != aion_pipe_stage_hash(&a, PK_MD, "T=600\n"));
}

static void test_plot_band(void)
{
    aion_plot *p = aion_plot_create("t", "x", "y");
    double x[3] = {1, 2, 3}, y[3] = {1, 10, 100}, e[3] = {0.5, 5, 50};
    CHECK(p != NULL);
    aion_plot_set_log(p, 0, 1);
    CHECK_OK(aion_plot_add(p, "data", x, y, NULL, 3, AION_PLOT_LINE));
    CHECK_OK(aion_plot_add(p, "band", x, y, e, 3, AION_PLOT_BAND | AION_PLOT_SAME_COLOR));
    CHECK_OK(aion_plot_add(p, "", x, y, NULL, 3, AION_PLOT_LINE | AION_PLOT_DASHED));
    char *svg = aion_plot_svg(p, 400, 300);
    CHECK(svg && strstr(svg, "<polygon") && strstr(svg, "stroke-dasharray"));
    /* the band took the colour of the series before it: two elements in the first colour */
    if (svg) {
        int n = 0;
        for (const char *s = svg; (s = strstr(s, "#1f77b4")); s++) n++;
        CHECK(n >= 3); /* line, band, legend swatches */
        CHECK(strstr(svg, "#d62728") != NULL); /* the dashed series starts the next colour */
    }
    free(svg);
    aion_plot_free(p);
}

int main(void)
{
    TEST_RUN(test_default_file);
    TEST_RUN(test_roundtrip_and_set);
    TEST_RUN(test_errors);
    TEST_RUN(test_hashes);
    TEST_RUN(test_plot_band);
    return TEST_END();
}
