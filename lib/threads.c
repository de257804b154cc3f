/*
 * threads.c - how many threads a parallel count uses by default.
 *
 * WORD_COUNT_THREADS wins when it holds a whole number from 1 to
 * WC_MAX_THREADS; otherwise the CPUs this process may use: the affinity mask
 * (taskset, cpusets) capped by the cgroup CPU quota (containers: a quota of
 * 1.5 CPUs gives 2 threads).  The answer is computed once and cached.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "threads.h"

static atomic_int wc_default_cache;  /* 0: not computed yet */
static atomic_int wc_env_invalid;

static int wc_affinity_cpus(void)
{
    /* The mask may be larger than the default cpu_set_t on machines with
     * more than 1024 CPUs: grow it until the kernel accepts it. */
    for (int ncpu = 1024; ncpu <= (1 << 20); ncpu *= 2) {
        cpu_set_t *set = CPU_ALLOC(ncpu);
        if (set == NULL)
            return 0;
        size_t size = CPU_ALLOC_SIZE(ncpu);
        if (sched_getaffinity(0, size, set) == 0) {
            int n = CPU_COUNT_S(size, set);
            CPU_FREE(set);
            return n;
        }
        CPU_FREE(set);
        if (errno != EINVAL)
            return 0;
    }
    return 0;
}

int wc_quota_threads(long long quota, long long period)
{
    if (quota <= 0 || period <= 0)
        return 0;
    /* Not (quota + period - 1) / period: a quota near LLONG_MAX (a file
     * that says so, or strtoll's answer to a longer number) overflowed. */
    long long n = quota / period + (quota % period != 0);
    return n > WC_MAX_THREADS ? WC_MAX_THREADS : (int)n;
}

/* ceil(quota / period) from a cgroup file, or 0 when there is no limit. */
static int wc_read_quota(const char *path, int v2)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    char quota[32] = "";
    long long q = 0, period = 0;
    int ok;
    if (v2) { /* cpu.max: "max 100000" or "150000 100000" */
        ok = fscanf(f, "%31s %lld", quota, &period) == 2;
        if (ok && strcmp(quota, "max") != 0)
            q = strtoll(quota, NULL, 10);
    } else { /* cpu.cfs_quota_us: -1 or a number */
        ok = fscanf(f, "%lld", &q) == 1;
    }
    fclose(f);
    if (!ok || q <= 0)
        return 0;
    if (!v2) {
        f = fopen("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "r");
        if (f == NULL)
            return 0;
        ok = fscanf(f, "%lld", &period) == 1;
        fclose(f);
        if (!ok)
            return 0;
    }
    return wc_quota_threads(q, period);
}

static int wc_cgroup_cpus(void)
{
    /* cgroup v2: this process's group is the "0::/path" line. */
    char line[4096], path[4200];
    int n = 0;
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (f != NULL) {
        while (fgets(line, sizeof line, f) != NULL) {
            if (strncmp(line, "0::", 3) == 0) {
                line[strcspn(line, "\n")] = '\0';
                snprintf(path, sizeof path, "/sys/fs/cgroup%s/cpu.max",
                         strcmp(line + 3, "/") == 0 ? "" : line + 3);
                n = wc_read_quota(path, 1);
                break;
            }
        }
        fclose(f);
    }
    if (n == 0)
        n = wc_read_quota("/sys/fs/cgroup/cpu.max", 1);
    if (n == 0)
        n = wc_read_quota("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", 0);
    return n;
}

int wc_available_cpus(void)
{
    int n = wc_affinity_cpus();
    if (n <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (int)(c > WC_MAX_THREADS ? WC_MAX_THREADS : c) : 1;
    }
    int quota = wc_cgroup_cpus();
    if (quota > 0 && quota < n)
        n = quota;
    return n > WC_MAX_THREADS ? WC_MAX_THREADS : n;
}

static int wc_compute_default(void)
{
    const char *env = getenv("WORD_COUNT_THREADS");
    if (env != NULL && *env != '\0') {
        char *end;
        errno = 0;
        long v = strtol(env, &end, 10);
        while (*end == ' ' || *end == '\t' || *end == '\n')
            end++;
        if (errno == 0 && *end == '\0' && v >= 1 && v <= WC_MAX_THREADS) {
            atomic_store(&wc_env_invalid, 0);
            return (int)v;
        }
        atomic_store(&wc_env_invalid, 1);
    } else {
        atomic_store(&wc_env_invalid, 0);
    }
    return wc_available_cpus();
}

int wc_default_threads(void)
{
    int n = atomic_load(&wc_default_cache);
    if (n == 0) {
        n = wc_compute_default();
        atomic_store(&wc_default_cache, n);
    }
    return n;
}

int wc_threads_env_invalid(void)
{
    (void)wc_default_threads();
    return atomic_load(&wc_env_invalid);
}

void wc_threads_after_fork(void)
{
    atomic_store(&wc_default_cache, 0);
}
