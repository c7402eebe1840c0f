/* Option tables, YAML run files, progress bar, signals, JSON run records. */
#include "opts.h"

#include "cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

/* strings that came from run files (freed by cli_opts_free) */
static char **owned;
static int n_owned;

static char *keep(const char *s)
{
    char **o = realloc(owned, (size_t)(n_owned + 1) * sizeof *o);
    char *d = strdup(s);
    if (!o || !d) {
        free(d);
        if (o) owned = o;
        return NULL;
    }
    owned = o;
    owned[n_owned++] = d;
    return d;
}

void cli_opts_free(void)
{
    for (int k = 0; k < n_owned; k++) free(owned[k]);
    free(owned);
    owned = NULL;
    n_owned = 0;
}

cli_opt *cli_find(cli_opt *opts, int nopts, const char *name)
{
    for (int k = 0; k < nopts; k++)
        if (!strcmp(opts[k].name, name)) return &opts[k];
    return NULL;
}

int cli_zbl(cli_opt *opts, int nopts, int *mode, double *inner, double *outer)
{
    const cli_opt *o = cli_find(opts, nopts, "zbl");
    if (!o || !o->set) return 0;
    const double *v = o->ptr;
    int n = *o->count;
    if (n == 1 && v[0] == 0) {
        *mode = -1;
    } else if (n == 2 && v[0] > 0 && v[1] > v[0] && isfinite(v[1])) {
        *mode = 1;
        *inner = v[0];
        *outer = v[1];
    } else {
        return cli_fail("--zbl takes INNER,OUTER with 0 < INNER < OUTER (Å), or 0 for no baseline");
    }
    return 0;
}

static int set_value(cli_opt *o, const char *val, const char *where)
{
    char *end;
    switch (o->type) {
    case OPT_STR:
        *(const char **)o->ptr = val;
        break;
    case OPT_INT:
    case OPT_LONG: {
        errno = 0;
        long v = strtol(val, &end, 10);
        if (end == val || *end || errno) return cli_fail("%s: --%s expects an integer, got '%s'", where, o->name, val);
        if (o->type == OPT_INT) *(int *)o->ptr = (int)v;
        else *(long *)o->ptr = v;
        break;
    }
    case OPT_U64: {
        errno = 0;
        unsigned long long v = strtoull(val, &end, 10);
        if (end == val || *end || errno) return cli_fail("%s: --%s expects a non-negative integer, got '%s'", where, o->name, val);
        *(uint64_t *)o->ptr = (uint64_t)v;
        break;
    }
    case OPT_DBL: {
        double v;
        errno = 0;
        v = strtod(val, &end);
        if (end == val || *end || errno || v != v) return cli_fail("%s: --%s expects a number, got '%s'", where, o->name, val);
        *(double *)o->ptr = v;
        break;
    }
    case OPT_FLAG: {
        if (!val || !strcmp(val, "true") || !strcmp(val, "yes") || !strcmp(val, "1")) *(int *)o->ptr = 1;
        else if (!strcmp(val, "false") || !strcmp(val, "no") || !strcmp(val, "0")) *(int *)o->ptr = 0;
        else return cli_fail("%s: --%s is a yes/no switch, got '%s'", where, o->name, val);
        break;
    }
    case OPT_STR_LIST: {
        const char **arr = o->ptr;
        if (*o->count >= o->max) return cli_fail("%s: --%s can be given at most %d times", where, o->name, o->max);
        arr[(*o->count)++] = val;
        break;
    }
    case OPT_DBL_LIST: {
        /* comma- or space-separated list */
        double *arr = o->ptr;
        int n = 0;
        const char *p = val;
        while (*p) {
            while (*p == ',' || *p == ' ' || *p == '[' || *p == ']') p++;
            if (!*p) break;
            double v = strtod(p, &end);
            if (end == p) return cli_fail("%s: --%s expects a list of numbers, got '%s'", where, o->name, val);
            if (n >= o->max) return cli_fail("%s: --%s takes at most %d values", where, o->name, o->max);
            arr[n++] = v;
            p = end;
            while (*p == ' ' || *p == ']') p++;
            if (*p && *p != ',') return cli_fail("%s: --%s expects a list of numbers, got '%s'", where, o->name, val);
        }
        *o->count = n;
        break;
    }
    }
    o->set = 1;
    return 0;
}

/* Flat YAML mapping: scalar values, or sequences of scalars (joined with ','). */
static int load_run_file(const char *path, cli_opt *opts, int nopts)
{
    FILE *fp = fopen(path, "rb");
    yaml_parser_t parser;
    yaml_event_t ev;
    int rc = 0, depth = 0, in_seq = 0, done = 0, cmdline_list = 0;
    cli_opt *o_list = NULL;
    char key[128] = "", list[4096] = "";
    long key_line = 0;
    if (!fp) return cli_fail("%s: cannot open run file: %s", path, strerror(errno));
    if (!yaml_parser_initialize(&parser)) {
        fclose(fp);
        return cli_fail("out of memory");
    }
    yaml_parser_set_input_file(&parser, fp);
    while (!done && rc == 0) {
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = cli_fail("%s:%lu: %s", path, (unsigned long)parser.problem_mark.line + 1,
                          parser.problem ? parser.problem : "YAML syntax error");
            break;
        }
        long line = (long)ev.start_mark.line + 1;
        switch (ev.type) {
        case YAML_MAPPING_START_EVENT:
            if (++depth > 1) rc = cli_fail("%s:%ld: nested mappings are not allowed in a run file", path, line);
            break;
        case YAML_MAPPING_END_EVENT: depth--; break;
        case YAML_SEQUENCE_START_EVENT:
            if (!key[0] || in_seq) rc = cli_fail("%s:%ld: unexpected list", path, line);
            in_seq = 1;
            list[0] = '\0';
            o_list = cli_find(opts, nopts, key);
            cmdline_list = o_list && o_list->type == OPT_STR_LIST && o_list->set;
            break;
        case YAML_SEQUENCE_END_EVENT: {
            cli_opt *o = cli_find(opts, nopts, key);
            char where[256];
            in_seq = 0;
            snprintf(where, sizeof where, "%s:%ld", path, key_line);
            if (!o) rc = cli_fail("%s: unknown option '%s'", where, key);
            else if (o->type == OPT_STR_LIST) (void)0; /* items were added one by one */
            else if (!o->set) rc = set_value(o, keep(list), where);
            key[0] = '\0';
            break;
        }
        case YAML_SCALAR_EVENT: {
            const char *v = (const char *)ev.data.scalar.value;
            if (in_seq && (o_list = cli_find(opts, nopts, key)) && o_list->type == OPT_STR_LIST) {
                /* a list of strings: one value per item (the command line wins) */
                char where[256];
                snprintf(where, sizeof where, "%s:%ld", path, line);
                if (!cmdline_list && set_value(o_list, keep(v), where)) rc = 1;
            } else if (in_seq) {
                if (strlen(list) + strlen(v) + 2 >= sizeof list) rc = cli_fail("%s:%ld: list too long", path, line);
                else {
                    if (list[0]) strcat(list, ",");
                    strcat(list, v);
                }
            } else if (!key[0]) {
                snprintf(key, sizeof key, "%s", v);
                for (char *c = key; *c; c++)
                    if (*c == '_') *c = '-';
                key_line = line;
            } else {
                cli_opt *o = cli_find(opts, nopts, key);
                char where[256];
                snprintf(where, sizeof where, "%s:%ld", path, line);
                if (!o) rc = cli_fail("%s: unknown option '%s'", where, key);
                else if (!o->set) rc = set_value(o, keep(v), where); /* command line wins */
                key[0] = '\0';
            }
            break;
        }
        case YAML_STREAM_END_EVENT: done = 1; break;
        default: break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    fclose(fp);
    return rc;
}

static void print_help(const char *usage, const cli_opt *opts, int nopts)
{
    printf("%s\n\noptions (also settable as `name: value` in a YAML --run-file):\n", usage);
    for (int k = 0; k < nopts; k++) {
        const char *arg = opts[k].type == OPT_FLAG                                      ? ""
                          : opts[k].type == OPT_STR                                     ? " S"
                          : opts[k].type == OPT_STR_LIST                                ? " S (repeatable)"
                          : opts[k].type == OPT_DBL_LIST                                ? " a,b,.."
                                                                                        : " N";
        printf("  --%s%s\n      %s\n", opts[k].name, arg, opts[k].help);
    }
    printf("  --run-file FILE\n      read options from a YAML file (the command line wins)\n");
}

int cli_parse(int argc, char **argv, cli_opt *opts, int nopts, const char *usage, char **pos, int maxpos, int *npos)
{
    const char *run_file = NULL;
    *npos = 0;
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k];
        if (cli_is_help(a)) {
            print_help(usage, opts, nopts);
            return 2;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (*npos >= maxpos) return cli_fail("unexpected argument '%s' (see --help)", a);
            pos[(*npos)++] = argv[k];
            continue;
        }
        char name[128];
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (len >= sizeof name) return cli_fail("option too long: %s", a);
        memcpy(name, a + 2, len);
        name[len] = '\0';
        for (char *c = name; *c; c++)
            if (*c == '_') *c = '-';
        if (!strcmp(name, "run-file")) {
            if (eq) run_file = eq + 1;
            else if (k + 1 < argc) run_file = argv[++k];
            else return cli_fail("--run-file needs a file");
            continue;
        }
        cli_opt *o = cli_find(opts, nopts, name);
        if (!o) return cli_fail("unknown option --%s (see --help)", name);
        const char *val = NULL;
        if (eq) val = eq + 1;
        else if (o->type != OPT_FLAG) {
            if (k + 1 >= argc) return cli_fail("--%s needs a value", name);
            val = argv[++k];
        }
        if (set_value(o, val, "command line")) return 1;
    }
    if (run_file && load_run_file(run_file, opts, nopts)) return 1;
    return 0;
}

/* ------------------------------------------------------------ progress */

static int progress_shown;

void cli_progress(const char *what, long done, long total, double rate, const char *extra)
{
    char eta[32] = "";
    int width = 30, fill;
    if (!isatty(fileno(stderr)) || total <= 0) return;
    fill = (int)(width * (double)done / (double)total);
    if (rate > 0 && done < total) {
        long s = (long)((double)(total - done) / rate);
        snprintf(eta, sizeof eta, " ETA %ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    }
    fprintf(stderr, "\r%s [", what);
    for (int k = 0; k < width; k++) fputc(k < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %3d%% %ld/%ld %.3g/s%s %s\033[K", (int)(100.0 * done / total), done, total, rate, eta,
            extra ? extra : "");
    fflush(stderr);
    progress_shown = 1;
}

void cli_progress_end(void)
{
    if (progress_shown) fputc('\n', stderr);
    progress_shown = 0;
}

/* ------------------------------------------------------------ signals */

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

void cli_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cli_stop_requested(void) { return stop_flag != 0; }

/* ------------------------------------------------------------ run record */

struct cli_record {
    cJSON *root;
};

cli_record *cli_record_begin(int argc, char **argv)
{
    cli_record *r = calloc(1, sizeof *r);
    char buf[64];
    time_t now = time(NULL);
    if (!r) return NULL;
    r->root = cJSON_CreateObject();
    cJSON_AddStringToObject(r->root, "program", "aion");
    cJSON_AddStringToObject(r->root, "version", AION_VERSION);
    cJSON_AddStringToObject(r->root, "commit", AION_GIT_COMMIT);
#ifdef __VERSION__
    cJSON_AddStringToObject(r->root, "compiler", "gcc/clang " __VERSION__);
#endif
    cJSON_AddStringToObject(r->root, "flags", AION_CFLAGS);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    cJSON_AddStringToObject(r->root, "started", buf);
    cJSON *cmd = cJSON_AddArrayToObject(r->root, "command");
    cJSON_AddItemToArray(cmd, cJSON_CreateString("aion"));
    for (int k = 0; k < argc; k++) cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[k]));
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    cJSON_AddStringToObject(r->root, "host", host);
    return r;
}

void cli_record_options(cli_record *r, const cli_opt *opts, int nopts)
{
    if (!r) return;
    cJSON *o = cJSON_AddObjectToObject(r->root, "inputs");
    for (int k = 0; k < nopts; k++) {
        const cli_opt *p = &opts[k];
        switch (p->type) {
        case OPT_STR:
            if (*(const char **)p->ptr) cJSON_AddStringToObject(o, p->name, *(const char **)p->ptr);
            else cJSON_AddNullToObject(o, p->name);
            break;
        case OPT_INT: cJSON_AddNumberToObject(o, p->name, *(int *)p->ptr); break;
        case OPT_LONG: cJSON_AddNumberToObject(o, p->name, (double)*(long *)p->ptr); break;
        case OPT_U64: cJSON_AddNumberToObject(o, p->name, (double)*(uint64_t *)p->ptr); break;
        case OPT_DBL: cJSON_AddNumberToObject(o, p->name, *(double *)p->ptr); break;
        case OPT_FLAG: cJSON_AddBoolToObject(o, p->name, *(int *)p->ptr); break;
        case OPT_STR_LIST: {
            cJSON *a = cJSON_AddArrayToObject(o, p->name);
            for (int i = 0; i < *p->count; i++) cJSON_AddItemToArray(a, cJSON_CreateString(((const char **)p->ptr)[i]));
            break;
        }
        case OPT_DBL_LIST: {
            cJSON *a = cJSON_AddArrayToObject(o, p->name);
            for (int i = 0; i < *p->count; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(((double *)p->ptr)[i]));
            break;
        }
        }
    }
}

static cJSON *section(cli_record *r, const char *name)
{
    cJSON *s = cJSON_GetObjectItemCaseSensitive(r->root, name);
    if (!s) s = cJSON_AddObjectToObject(r->root, name);
    return s;
}

void cli_record_number(cli_record *r, const char *sec, const char *key, double v)
{
    if (!r) return;
    cJSON *s = section(r, sec);
    cJSON_DeleteItemFromObjectCaseSensitive(s, key);
    cJSON_AddNumberToObject(s, key, v);
}

void cli_record_string(cli_record *r, const char *sec, const char *key, const char *v)
{
    if (!r) return;
    cJSON *s = section(r, sec);
    cJSON_DeleteItemFromObjectCaseSensitive(s, key);
    cJSON_AddStringToObject(s, key, v ? v : "");
}

int cli_write_file_atomic(const char *path, const char *text)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    FILE *fp;
    int rc = -1;
    if (!tmp) return -1;
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    fp = fopen(tmp, "wb");
    if (fp) {
        int ok = fputs(text, fp) >= 0;
        ok &= fflush(fp) == 0 && fsync(fileno(fp)) == 0;
        ok &= fclose(fp) == 0;
        if (ok && rename(tmp, path) == 0) rc = 0;
        else remove(tmp);
    }
    free(tmp);
    return rc;
}

int cli_record_write(cli_record *r, const char *path)
{
    char buf[64];
    time_t now = time(NULL);
    char *txt;
    int rc;
    if (!r) return -1;
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    cJSON_DeleteItemFromObjectCaseSensitive(r->root, "finished");
    cJSON_AddStringToObject(r->root, "finished", buf);
    txt = cJSON_Print(r->root);
    if (!txt) return -1;
    rc = cli_write_file_atomic(path, txt);
    free(txt);
    return rc;
}

void cli_record_free(cli_record *r)
{
    if (!r) return;
    cJSON_Delete(r->root);
    free(r);
}

