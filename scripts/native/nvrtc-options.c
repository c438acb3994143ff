/*
 * NVRTC options per kernel for TornadoVM's CUDA backend, preloaded into its JVM (scripts/lib/tornado.sh does that when
 * MAMBA2_NVRTC_OPTIONS is set). TornadoVM 5.2 compiles each kernel's CUDA C with NVRTC, passing the architecture and
 * include paths alone whatever its compiler flags say, and emits no __launch_bounds__, so a kernel cannot be given a
 * register cap; this library adds options to nvrtcCompileProgram for the programs that define the kernels named.
 *
 * MAMBA2_NVRTC_OPTIONS: entries separated by ';', each KERNEL=OPTIONS (options separated by spaces); a program whose
 * source defines "void KERNEL(" gets them, KERNEL '*' matches every program. Example: 'gemmWide=--maxrregcount=128'.
 * Each program given options is named once on stderr ("nvrtc-options: gemmWide: --maxrregcount=128").
 *
 * It defines nvrtcCreateProgram (to read the source), nvrtcCompileProgram and nvrtcDestroyProgram, which, preloaded,
 * come before NVRTC's for the library TornadoVM calls them from, and calls NVRTC's own (real() below).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int result;          /* nvrtcResult */
typedef void *program;       /* nvrtcProgram */

enum { NVRTC_ERROR_OUT_OF_MEMORY = 1, NVRTC_ERROR_INTERNAL_ERROR = 11 };

/* the options a program is to get (a copy of its entry's text) and the kernel that matched, per program */
struct chosen {
    program prog;
    char *kernel;
    char *options;
    struct chosen *next;
};

static struct chosen *chosen;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * NVRTC's own function: after this library in the global scope, or, as TornadoVM's JNI library loads NVRTC into a
 * scope of its own (the JVM opens it RTLD_LOCAL, out of RTLD_NEXT's reach), from the NVRTC already loaded, by soname.
 */
static void *real(const char *name) {
    void *f = dlsym(RTLD_NEXT, name);
    static const char *const sonames[] = {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"};
    for (size_t i = 0; f == NULL && i < sizeof sonames / sizeof sonames[0]; i++) {
        void *h = dlopen(sonames[i], RTLD_LAZY | RTLD_NOLOAD);
        if (h != NULL) f = dlsym(h, name);
    }
    if (f == NULL) fprintf(stderr, "nvrtc-options: no NVRTC %s found (is NVRTC loaded?)\n", name);
    return f;
}

/* The entry of MAMBA2_NVRTC_OPTIONS that names a kernel the source defines (the first that does), as a new chosen. */
static struct chosen *choose(const char *source) {
    const char *spec = getenv("MAMBA2_NVRTC_OPTIONS");
    if (spec == NULL || source == NULL) return NULL;
    for (const char *entry = spec; *entry != '\0';) {
        const char *end = strchr(entry, ';');
        size_t len = end != NULL ? (size_t) (end - entry) : strlen(entry);
        const char *eq = memchr(entry, '=', len);
        if (eq != NULL && eq > entry) {
            size_t nameLen = (size_t) (eq - entry);
            int matches = nameLen == 1 && entry[0] == '*';
            if (!matches) {
                char *needle = malloc(nameLen + 7);
                if (needle == NULL) return NULL;
                memcpy(needle, "void ", 5);
                memcpy(needle + 5, entry, nameLen);
                memcpy(needle + 5 + nameLen, "(", 2);
                matches = strstr(source, needle) != NULL;
                free(needle);
            }
            if (matches) {
                struct chosen *c = calloc(1, sizeof *c);
                if (c == NULL) return NULL;
                c->kernel = strndup(entry, nameLen);
                c->options = strndup(eq + 1, len - nameLen - 1);
                if (c->kernel == NULL || c->options == NULL) {
                    free(c->kernel);
                    free(c->options);
                    free(c);
                    return NULL;
                }
                return c;
            }
        }
        entry = end != NULL ? end + 1 : entry + len;
    }
    return NULL;
}

result nvrtcCreateProgram(program *prog, const char *src, const char *name, int numHeaders, const char *const *headers,
                          const char *const *includeNames) {
    static result (*create)(program *, const char *, const char *, int, const char *const *, const char *const *);
    if (create == NULL && (create = real("nvrtcCreateProgram")) == NULL) return NVRTC_ERROR_INTERNAL_ERROR;
    result r = create(prog, src, name, numHeaders, headers, includeNames);
    if (r == 0) {
        struct chosen *c = choose(src);
        if (c != NULL) {
            c->prog = *prog;
            pthread_mutex_lock(&lock);
            c->next = chosen;
            chosen = c;
            pthread_mutex_unlock(&lock);
        }
    }
    return r;
}

result nvrtcCompileProgram(program prog, int numOptions, const char *const *options) {
    static result (*compile)(program, int, const char *const *);
    if (compile == NULL && (compile = real("nvrtcCompileProgram")) == NULL) return NVRTC_ERROR_INTERNAL_ERROR;
    char *extra = NULL;
    pthread_mutex_lock(&lock);
    for (struct chosen *c = chosen; c != NULL; c = c->next) {
        if (c->prog == prog) {
            extra = strdup(c->options);
            if (c->kernel != NULL) {
                fprintf(stderr, "nvrtc-options: %s: %s\n", c->kernel, c->options);
                free(c->kernel);
                c->kernel = NULL; /* named once */
            }
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    if (extra == NULL) return compile(prog, numOptions, options);
    /* the caller's options, then the entry's, split at spaces */
    const char **all = malloc(sizeof *all * ((size_t) numOptions + strlen(extra) / 2 + 2));
    if (all == NULL) {
        free(extra);
        return NVRTC_ERROR_OUT_OF_MEMORY;
    }
    int n = 0;
    for (int i = 0; i < numOptions; i++) all[n++] = options[i];
    for (char *save = NULL, *t = strtok_r(extra, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) all[n++] = t;
    result r = compile(prog, n, all);
    free(all);
    free(extra);
    return r;
}

result nvrtcDestroyProgram(program *prog) {
    static result (*destroy)(program *);
    if (destroy == NULL && (destroy = real("nvrtcDestroyProgram")) == NULL) return NVRTC_ERROR_INTERNAL_ERROR;
    pthread_mutex_lock(&lock);
    for (struct chosen **at = &chosen; *at != NULL; at = &(*at)->next) {
        if ((*at)->prog == *prog) {
            struct chosen *gone = *at;
            *at = gone->next;
            free(gone->kernel);
            free(gone->options);
            free(gone);
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return destroy(prog);
}
