/* Labelling driver: CP2K processes, per-structure result files, restarts. */
#define _XOPEN_SOURCE 700
#include "label_driver.h"

#include "cli.h"
#include "opts.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PATHMAX 4096

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void job_name(int i, char *buf, size_t n) { snprintf(buf, n, "s%06d", i); }

static void path_of(char *buf, const label_opts *o, const char *sub, int i, const char *ext)
{
    char name[32];
    job_name(i, name, sizeof name);
    snprintf(buf, PATHMAX, "%s/%s/%s%s", o->workdir, sub, name, ext);
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void rm_tree(const char *p) { nftw(p, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* The CP2K input of frame i and its key. */
static int make_input(const aion_frame *f, int i, const label_opts *o, char **text, char key[17])
{
    aion_error err;
    if (aion_cp2k_input(f, &o->cp, "aion", text, &err) != AION_OK) {
        cli_fail("structure %d: %s", i, err.msg);
        return -1;
    }
    aion_label_key(*text, key);
    return 0;
}

/* 1 if results/sNNNNNN.xyz exists and carries this key. */
static int have_result(const label_opts *o, int i, const char *key)
{
    char path[PATHMAX];
    aion_frame *fr = NULL;
    int nf = 0, ok = 0;
    aion_error err;
    path_of(path, o, "results", i, ".xyz");
    if (access(path, R_OK) != 0) return 0;
    if (aion_read_all(path, NULL, &fr, &nf, &err) == AION_OK && nf == 1) {
        const char *k = aion_frame_info_get(&fr[0], "label_key");
        ok = k && !strcmp(k, key) && (fr[0].has & AION_HAS_ENERGY) && (fr[0].has & AION_HAS_FORCES);
    }
    aion_frames_free(fr, nf);
    if (!ok) fprintf(stderr, "aion: %s: stale or unreadable (other settings or structure): recomputing\n", path);
    return ok;
}

/* The reason stored in failed/sNNNNNN.txt if it carries this key, else NULL. */
static char *stored_failure(const label_opts *o, int i, const char *key)
{
    char path[PATHMAX], line[2048], *reason = NULL;
    int key_ok = 0;
    FILE *fp;
    path_of(path, o, "failed", i, ".txt");
    if (!(fp = fopen(path, "r"))) return NULL;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "key ", 4) && !strcmp(line + 4, key)) key_ok = 1;
        if (!strncmp(line, "reason ", 7) && !reason) reason = strdup(line + 7);
    }
    fclose(fp);
    if (!key_ok) {
        free(reason);
        return NULL;
    }
    return reason ? reason : strdup("unknown");
}

static void record_failure(const label_opts *o, int i, const char *key, const char *reason)
{
    char path[PATHMAX];
    char *txt;
    size_t n = strlen(reason) + 128;
    path_of(path, o, "failed", i, ".txt");
    if (!(txt = malloc(n))) return;
    snprintf(txt, n, "index %d\nkey %s\nreason %s\n", i, key, reason);
    if (cli_write_file_atomic(path, txt)) fprintf(stderr, "aion: cannot write %s: %s\n", path, strerror(errno));
    free(txt);
}

typedef struct slot {
    pid_t pid;
    int idx;
    double t0;
    int timed_out;
    double kill_at;         /* when to send SIGKILL after a SIGTERM (0 = not yet) */
    char key[17];
} slot;

static pid_t spawn_cp2k(const label_opts *o, const char *jobdir)
{
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        char nt[16];
        int fd;
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a killed driver takes its CP2K jobs along */
        if (getppid() != parent) _exit(126);
        if (chdir(jobdir) != 0) _exit(126);
        fd = open("cp2k.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        fd = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, 0);
            close(fd);
        }
        snprintf(nt, sizeof nt, "%d", o->threads);
        setenv("OMP_NUM_THREADS", nt, 1);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execlp(o->cp2k, o->cp2k, "-i", "cp2k.inp", "-o", "cp2k.out", (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", o->cp2k, strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    return pid;
}

/* Start structure i: fresh job directory, input written atomically. */
static int launch(const aion_frame *f, int i, const label_opts *o, slot *s)
{
    char jobdir[PATHMAX], path[PATHMAX + 16], name[32];
    char *text = NULL;
    job_name(i, name, sizeof name);
    snprintf(jobdir, sizeof jobdir, "%s/jobs/%s", o->workdir, name);
    if (make_input(f, i, o, &text, s->key)) return -1;
    rm_tree(jobdir); /* CP2K appends to old outputs: start clean */
    if (aion_mkdirs(jobdir)) {
        free(text);
        return cli_fail("cannot create %s: %s", jobdir, strerror(errno));
    }
    snprintf(path, sizeof path, "%s/cp2k.inp", jobdir);
    if (cli_write_file_atomic(path, text)) {
        free(text);
        return cli_fail("cannot write %s: %s", path, strerror(errno));
    }
    free(text);
    s->idx = i;
    s->t0 = now_s();
    s->timed_out = 0;
    s->kill_at = 0;
    s->pid = spawn_cp2k(o, jobdir);
    if (s->pid < 0) return cli_fail("cannot start %s: %s", o->cp2k, strerror(errno));
    return 0;
}

/* Last non-empty line of the job's cp2k.log (for "cannot run" messages). */
static void log_tail(const char *jobdir, char *buf, size_t n)
{
    char path[PATHMAX + 16], line[480];
    FILE *fp;
    buf[0] = '\0';
    snprintf(path, sizeof path, "%s/cp2k.log", jobdir);
    if (!(fp = fopen(path, "r"))) return;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0]) snprintf(buf, n, "%s", line);
    }
    fclose(fp);
}

/* A job ended: parse, store the result or the failure. Returns 1 on success. */
static int finish(const aion_frame *frames, const label_opts *o, slot *s, int status, label_stats *st)
{
    char jobdir[PATHMAX], out[PATHMAX + 16], res[PATHMAX], name[32], reason[PATHMAX + 1500] = "", buf[64];
    double wall = now_s() - s->t0;
    aion_cp2k_result r;
    aion_error err;
    aion_status ps;
    aion_frame f;
    int ok = 0;
    job_name(s->idx, name, sizeof name);
    snprintf(jobdir, sizeof jobdir, "%s/jobs/%s", o->workdir, name);
    snprintf(out, sizeof out, "%s/cp2k.out", jobdir);
    st->cp2k_wall_s += wall;
    ps = aion_cp2k_parse_output(out, &r, &err);
    if (s->timed_out) {
        snprintf(reason, sizeof reason, "timed out after %.0f s (--timeout)", o->timeout_s);
    } else if (WIFSIGNALED(status)) {
        snprintf(reason, sizeof reason, "cp2k killed by signal %d%s%s", WTERMSIG(status), ps != AION_OK ? "; " : "",
                 ps != AION_OK ? err.msg : "");
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && ps == AION_ERR_IO) {
        char tail[512];
        log_tail(jobdir, tail, sizeof tail);
        snprintf(reason, sizeof reason, "could not run cp2k: %s", tail[0] ? tail : "exit status 127");
    } else if (ps != AION_OK) {
        snprintf(reason, sizeof reason, "%s", err.msg);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(reason, sizeof reason, "cp2k exited with status %d", WEXITSTATUS(status));
    } else if (o->cp.stress && !o->cp.template_text && !(r.has & AION_HAS_STRESS)) {
        snprintf(reason, sizeof reason, "%s: no stress tensor in the output", out);
    }
    if (!reason[0]) {
        aion_frame_init(&f);
        if (aion_frame_copy(&f, &frames[s->idx]) != AION_OK || aion_cp2k_result_apply(&r, &f, &err) != AION_OK) {
            snprintf(reason, sizeof reason, "%s", err.msg);
        } else {
            aion_write_opts wo;
            aion_writer *w = NULL;
            int mesh[3];
            f.has &= ~(unsigned)AION_HAS_ATOM_ENERGY;
            aion_frame_info_set(&f, "method", o->cp.template_text ? "template" : aion_cp2k_method_name(o->cp.method));
            if (o->cp.method == AION_CP2K_PBE && !o->cp.template_text) {
                snprintf(buf, sizeof buf, "%g", o->cp.cutoff_Ry);
                aion_frame_info_set(&f, "cutoff_Ry", buf);
            }
            /* the mesh the input had: the preset's (pbe), or a template's @AION_KPOINTS@ */
            const int has_mesh = o->cp.template_text ? strstr(o->cp.template_text, "@AION_KPOINTS@") != NULL
                                                     : o->cp.method == AION_CP2K_PBE;
            if (has_mesh) {
                aion_cp2k_kmesh(&o->cp, f.cell, mesh);
                snprintf(buf, sizeof buf, "%dx%dx%d", mesh[0], mesh[1], mesh[2]);
                aion_frame_info_set(&f, "kpoints", buf);
            }
            snprintf(buf, sizeof buf, "%.2f", wall);
            aion_frame_info_set(&f, "walltime_s", buf);
            snprintf(buf, sizeof buf, "%d", s->idx);
            aion_frame_info_set(&f, "label_index", buf);
            aion_frame_info_set(&f, "label_key", s->key);
            path_of(res, o, "results", s->idx, ".xyz");
            aion_write_opts_init(&wo);
            wo.format = AION_FMT_EXTXYZ;
            wo.precision = 17;
            if (aion_writer_open(&w, res, &wo, &err) != AION_OK) {
                snprintf(reason, sizeof reason, "%s", err.msg);
            } else if (aion_writer_write(w, &f) != AION_OK) {
                snprintf(reason, sizeof reason, "%s", aion_writer_errmsg(w));
                aion_writer_abort(w);
            } else if (aion_writer_close(w, &err) != AION_OK) {
                snprintf(reason, sizeof reason, "%s", err.msg);
            } else {
                ok = 1;
            }
            if (ok)
                fprintf(stderr, "aion: structure %d: E = %.6f eV (%.6f eV/atom), %d SCF steps, %.1f s\n", s->idx,
                        f.energy, f.energy / f.n, r.scf_steps, wall);
        }
        aion_frame_free(&f);
    }
    aion_cp2k_result_free(&r);
    if (ok) {
        path_of(res, o, "failed", s->idx, ".txt");
        remove(res);
        if (!o->keep) rm_tree(jobdir);
        st->computed++;
    } else {
        fprintf(stderr, "aion: structure %d FAILED: %s (files kept in %s)\n", s->idx, reason, jobdir);
        record_failure(o, s->idx, s->key, reason);
        st->failed++;
    }
    return ok;
}

/* 1 if exe can be run (a path, or a name found in PATH). */
static int can_run(const char *exe)
{
    const char *path = getenv("PATH");
    char buf[PATHMAX];
    if (strchr(exe, '/')) return access(exe, X_OK) == 0;
    if (!path) path = "/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, n ? path : ".", exe);
        if (access(buf, X_OK) == 0) return 1;
        path += n;
        if (*path == ':') path++;
    }
    return 0;
}

static int take_lock(const label_opts *o)
{
    char path[PATHMAX], buf[32];
    snprintf(path, sizeof path, "%s/lock", o->workdir);
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd >= 0) {
            int len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
            if (write(fd, buf, (size_t)len) != len) {
                close(fd);
                return cli_fail("cannot write %s", path);
            }
            close(fd);
            return 0;
        }
        FILE *fp = fopen(path, "r");
        long pid = 0;
        if (fp) {
            if (fscanf(fp, "%ld", &pid) != 1) pid = 0;
            fclose(fp);
        }
        if (pid > 0 && pid != getpid() && kill((pid_t)pid, 0) == 0)
            return cli_fail("%s is in use by process %ld (another aion label?)", o->workdir, pid);
        remove(path); /* left by a run that was killed */
    }
    return cli_fail("cannot lock %s", o->workdir);
}

static void drop_lock(const label_opts *o)
{
    char path[PATHMAX];
    snprintf(path, sizeof path, "%s/lock", o->workdir);
    remove(path);
}

int label_run(const aion_frame *frames, int n, const label_opts *o, label_stats *st)
{
    char dir[PATHMAX], path[PATHMAX];
    int *todo = NULL, ntodo = 0, next = 0, active = 0, rc = 2;
    slot *slots = NULL;
    memset(st, 0, sizeof *st);
    st->total = n;
    if (o->jobs < 1 || o->threads < 1) return cli_fail("--jobs and --threads-per-job must be at least 1"), 2;
    if (!can_run(o->cp2k)) return cli_fail("cannot find the CP2K executable '%s' (--cp2k)", o->cp2k), 2;
    if (aion_mkdirs(o->workdir)) return cli_fail("cannot create %s: %s", o->workdir, strerror(errno)), 2;
    if (take_lock(o)) return 2;
    for (int k = 0; k < 3; k++) {
        static const char *sub[3] = {"results", "failed", "jobs"};
        snprintf(dir, sizeof dir, "%s/%s", o->workdir, sub[k]);
        if (aion_mkdirs(dir)) {
            cli_fail("cannot create %s: %s", dir, strerror(errno));
            goto done;
        }
    }
    todo = malloc((size_t)(n > 0 ? n : 1) * sizeof *todo);
    slots = calloc((size_t)o->jobs, sizeof *slots);
    if (!todo || !slots) {
        cli_fail("out of memory");
        goto done;
    }
    /* what is done already */
    for (int i = 0; i < n; i++) {
        char *text = NULL, key[17], *why;
        if (make_input(&frames[i], i, o, &text, key)) goto done;
        free(text);
        if (have_result(o, i, key)) {
            st->reused++;
        } else if (!o->retry_failed && (why = stored_failure(o, i, key))) {
            st->failed++;
            free(why);
        } else {
            todo[ntodo++] = i;
        }
    }
    fprintf(stderr, "aion: %d structures: %d labelled before, %d failed before%s, %d to run (%d jobs x %d threads)\n",
            n, st->reused, st->failed, st->failed ? " (--retry-failed runs them again)" : "", ntodo, o->jobs,
            o->threads);
    cli_catch_signals();
    while (next < ntodo || active > 0) {
        int status;
        pid_t pid;
        while (!st->interrupted && active < o->jobs && next < ntodo) {
            slot *s = NULL;
            for (int k = 0; k < o->jobs; k++)
                if (slots[k].pid <= 0) {
                    s = &slots[k];
                    break;
                }
            if (launch(&frames[todo[next]], todo[next], o, s)) {
                s->pid = 0;
                goto stop_all;
            }
            next++;
            active++;
        }
        if (!st->interrupted && cli_stop_requested()) {
            st->interrupted = 1;
            fprintf(stderr, "aion: stop requested: ending the running CP2K jobs (finished labels are kept)\n");
            for (int k = 0; k < o->jobs; k++)
                if (slots[k].pid > 0) {
                    kill(-slots[k].pid, SIGTERM);
                    slots[k].kill_at = now_s() + 5;
                }
            next = ntodo;
        }
        pid = waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            for (int k = 0; k < o->jobs; k++)
                if (slots[k].pid == pid) {
                    if (!st->interrupted || slots[k].timed_out) {
                        finish(frames, o, &slots[k], status, st);
                    }
                    slots[k].pid = 0;
                    active--;
                }
            continue;
        }
        if (pid < 0 && errno == ECHILD) break;
        /* timeouts, and SIGKILL for jobs that ignored SIGTERM */
        double t = now_s();
        for (int k = 0; k < o->jobs; k++) {
            if (slots[k].pid <= 0) continue;
            if (o->timeout_s > 0 && !slots[k].timed_out && t - slots[k].t0 > o->timeout_s) {
                slots[k].timed_out = 1;
                kill(-slots[k].pid, SIGTERM);
                slots[k].kill_at = t + 5;
            } else if (slots[k].kill_at > 0 && t > slots[k].kill_at) {
                kill(-slots[k].pid, SIGKILL);
                slots[k].kill_at = t + 3600;
            }
        }
        struct timespec nap = {0, 100 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    rc = st->interrupted ? 130 : st->failed ? 1 : 0;
    if (!st->interrupted) {
        /* failures.txt: every structure without a label, with the reason */
        char *txt = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&txt, &len);
        if (mem) {
            fputs("# index\treason (aion label; details in failed/sNNNNNN.txt and jobs/sNNNNNN/)\n", mem);
            for (int i = 0; i < n; i++) {
                char *text = NULL, key[17], *why;
                if (make_input(&frames[i], i, o, &text, key)) continue;
                free(text);
                if ((why = stored_failure(o, i, key))) {
                    fprintf(mem, "%d\t%s\n", i, why);
                    free(why);
                }
            }
            fclose(mem);
            snprintf(path, sizeof path, "%s/failures.txt", o->workdir);
            if (!txt || cli_write_file_atomic(path, txt)) fprintf(stderr, "aion: cannot write %s\n", path);
        }
        free(txt);
    }
    goto done;
stop_all:
    for (int k = 0; k < o->jobs; k++)
        if (slots[k].pid > 0) {
            kill(-slots[k].pid, SIGKILL);
            waitpid(slots[k].pid, NULL, 0);
        }
    rc = 2;
done:
    drop_lock(o);
    free(todo);
    free(slots);
    return rc;
}

int label_assemble(const aion_frame *frames, int n, const label_opts *o, const char *out)
{
    aion_write_opts wo;
    aion_writer *w = NULL;
    aion_error err;
    int count = 0;
    aion_write_opts_init(&wo);
    wo.precision = 17;
    if (aion_writer_open(&w, out, &wo, &err) != AION_OK) return cli_fail("%s", err.msg), -1;
    for (int i = 0; i < n; i++) {
        char path[PATHMAX], *text = NULL, key[17];
        aion_frame *fr = NULL;
        int nf = 0;
        if (make_input(&frames[i], i, o, &text, key)) {
            aion_writer_abort(w);
            return -1;
        }
        free(text);
        path_of(path, o, "results", i, ".xyz");
        if (access(path, R_OK) != 0) continue;
        if (aion_read_all(path, NULL, &fr, &nf, &err) != AION_OK || nf != 1) {
            fprintf(stderr, "aion: %s: %s (skipped)\n", path, nf != 1 ? "not one frame" : err.msg);
            aion_frames_free(fr, nf);
            continue;
        }
        const char *k = aion_frame_info_get(&fr[0], "label_key");
        if (k && !strcmp(k, key)) {
            if (aion_writer_write(w, &fr[0]) != AION_OK) {
                cli_fail("%s", aion_writer_errmsg(w));
                aion_frames_free(fr, nf);
                aion_writer_abort(w);
                return -1;
            }
            count++;
        }
        aion_frames_free(fr, nf);
    }
    if (aion_writer_close(w, &err) != AION_OK) return cli_fail("%s", err.msg), -1;
    return count;
}

int label_cp2k_setup(aion_cp2k_opts *cp, const char *method, const char *data_dir, const char *set,
                     const char *template_path, char **template_text)
{
    aion_error err;
    int m = aion_cp2k_method_from_name(method);
    *template_text = NULL;
    if (m < 0) return cli_fail("unknown --method '%s' (xtb or pbe)", method), -1;
    aion_cp2k_opts_init(cp, (aion_cp2k_method)m);
    if (data_dir) {
        char kv[600];
        snprintf(kv, sizeof kv, "data_dir=%s", data_dir);
        if (aion_cp2k_opts_set(cp, kv, &err) != AION_OK) return cli_fail("%s", err.msg), -1;
    }
    if (set) {
        char *copy = strdup(set), *save = NULL;
        if (!copy) return cli_fail("out of memory"), -1;
        for (char *kv = strtok_r(copy, ", ", &save); kv; kv = strtok_r(NULL, ", ", &save))
            if (aion_cp2k_opts_set(cp, kv, &err) != AION_OK) {
                cli_fail("--set: %s", err.msg);
                free(copy);
                return -1;
            }
        free(copy);
    }
    if (template_path) {
        errno = 0;
        FILE *fp = fopen(template_path, "rb");
        long len = -1;
        char *t = NULL;
        if (fp && !fseek(fp, 0, SEEK_END) && (len = ftell(fp)) >= 0 && len <= (1L << 24) && !fseek(fp, 0, SEEK_SET) &&
            (t = malloc((size_t)len + 1)) && fread(t, 1, (size_t)len, fp) == (size_t)len) {
            t[len] = '\0';
        } else {
            cli_fail("%s: cannot read the template%s%s", template_path, errno ? ": " : "", errno ? strerror(errno) : "");
            free(t);
            t = NULL;
        }
        if (fp) fclose(fp);
        if (!t) return -1;
        cp->template_text = t;
        *template_text = t;
    }
    return 0;
}
