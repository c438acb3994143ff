/* Diagnostic preload used on 2026-12-04 (eighteenth session) to time TornadoVM's OpenCL launches and try ways of
 * writing its argument frames: CLT_MODE 0 times only, 1 passes the blocking frame writes on as non-blocking from the
 * caller's array, 2 replaces a repeated identical frame by a marker, 3 writes from a pinned ring, 4 is 3 with same-queue
 * waits dropped. Raw material for docs/decode-kernels.md; the shipped form is scripts/native/cl-async-writes.c. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
typedef int32_t cl_int; typedef uint32_t cl_uint; typedef uint32_t cl_bool;
typedef struct _cl_command_queue *cl_command_queue; typedef struct _cl_mem *cl_mem; typedef struct _cl_event *cl_event;
typedef struct _cl_kernel *cl_kernel;
typedef cl_int (*wfn)(cl_command_queue, cl_mem, cl_bool, size_t, size_t, const void *, cl_uint, const cl_event *, cl_event *);
typedef cl_int (*kfn)(cl_command_queue, cl_kernel, cl_uint, const size_t *, const size_t *, const size_t *, cl_uint, const cl_event *, cl_event *);
typedef cl_int (*afn)(cl_kernel, cl_uint, size_t, const void *);
typedef cl_int (*mfn)(cl_command_queue, cl_uint, const cl_event *, cl_event *);
typedef struct _cl_context *cl_context;
typedef cl_int (*qinfo)(cl_command_queue, cl_uint, size_t, void *, size_t *);
typedef cl_mem (*cbuf)(cl_context, uint64_t, size_t, void *, cl_int *);
typedef void *(*mapf)(cl_command_queue, cl_mem, cl_bool, uint64_t, size_t, size_t, cl_uint, const cl_event *, cl_event *, cl_int *);
typedef cl_int (*evf)(cl_event); typedef cl_int (*waitf)(cl_uint, const cl_event *);
static qinfo rq; static cbuf rcb; static mapf rmap; static evf rret, rrel; static waitf rwait;
#define RING 4096
static cl_command_queue ringq; static unsigned char *ring; static cl_event ringev[RING]; static unsigned long ringpos;
static unsigned char *pinned_slot(cl_command_queue q) {
  if (ringq != q) { cl_context c; cl_int e; if (rq(q, 0x1090, sizeof c, &c, NULL)) return NULL; cl_mem m = rcb(c, 1 << 4, RING * 64, NULL, &e); if (e) return NULL;
    ring = rmap(q, m, 1, 1 << 1, 0, RING * 64, 0, NULL, NULL, &e); if (e || !ring) return NULL; ringq = q; memset(ringev, 0, sizeof ringev); }
  int i = (int) (ringpos % RING); if (ringev[i]) { rwait(1, &ringev[i]); rrel(ringev[i]); ringev[i] = 0; } return ring + 64 * i; }
typedef cl_int (*einfo)(cl_event, cl_uint, size_t, void *, size_t *);
static einfo rei; static unsigned long nstrip, nkept;
static cl_uint keep_foreign(cl_command_queue q, cl_uint n, const cl_event *wl, cl_event *out) {
  uint64_t props = 0; if (rq(q, 0x1093, sizeof props, &props, NULL) || (props & 1)) { for (cl_uint j = 0; j < n; j++) out[j] = wl[j]; return n; }
  cl_uint k = 0; for (cl_uint j = 0; j < n; j++) { cl_command_queue eq = 0; if (rei(wl[j], 0x11D0, sizeof eq, &eq, NULL) || eq != q) { out[k++] = wl[j]; nkept++; } else nstrip++; } return k; }
static wfn rw; static kfn rk; static afn ra; static mfn rm;
static int mode = -1; /* 0 time only, 1 non-blocking, 2 marker for repeated identical frames */
static unsigned long nw, nk, na, nskip; static double tw, tk, ta;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
static void *sym(const char *n) { void *f = dlsym(RTLD_NEXT, n); if (!f) { void *l = dlopen("libOpenCL.so.1", RTLD_NOW); if (l) f = dlsym(l, n); } return f; }
static void init(void) { if (mode >= 0) return; const char *m = getenv("CLT_MODE"); mode = m ? atoi(m) : 0;
  rw = (wfn) sym("clEnqueueWriteBuffer"); rk = (kfn) sym("clEnqueueNDRangeKernel"); ra = (afn) sym("clSetKernelArg"); rm = (mfn) sym("clEnqueueMarkerWithWaitList");
  rq = (qinfo) sym("clGetCommandQueueInfo"); rcb = (cbuf) sym("clCreateBuffer"); rmap = (mapf) sym("clEnqueueMapBuffer"); rret = (evf) sym("clRetainEvent"); rrel = (evf) sym("clReleaseEvent"); rwait = (waitf) sym("clWaitForEvents"); rei = (einfo) sym("clGetEventInfo"); }
#define SLOTS 1024
static cl_mem sb[SLOTS]; static size_t so[SLOTS], ss[SLOTS]; static unsigned char sv[SLOTS][64];
static int slot(cl_mem b, size_t off) { uintptr_t h = ((uintptr_t) b >> 4) * 31 + off; int i = (int) (h % SLOTS);
  for (int k = 0; k < SLOTS; k++, i = (i + 1) % SLOTS) if (sb[i] == b && so[i] == off) return i; else if (sb[i] == 0) return i; return -1; }
cl_int clEnqueueWriteBuffer(cl_command_queue q, cl_mem b, cl_bool bl, size_t off, size_t sz, const void *p, cl_uint n, const cl_event *wl, cl_event *ev) {
  init(); double t = now(); cl_int s; if (getenv("CLT_DUMP") && bl && sz <= 64 && nw < 40) { fprintf(stderr, "w %p off %zu sz %zu:", (void*) b, off, sz); for (size_t j = 0; j < sz; j++) fprintf(stderr, "%02x", ((const unsigned char*) p)[j]); fprintf(stderr, "\n"); }
  int i = (bl && sz <= 64) ? slot(b, off) : -1;
  if (i >= 0 && mode == 2 && sb[i] == b && ss[i] == sz && memcmp(p, sv[i], sz) == 0) {
    s = rm(q, n, wl, ev); nskip++;
  } else {
    if (i >= 0) { sb[i] = b; so[i] = off; ss[i] = sz; memcpy(sv[i], p, sz); }
    unsigned char *pin = (i >= 0 && mode >= 3 && ev) ? pinned_slot(q) : NULL;
    cl_event kept[64]; if (mode == 4 && n <= 64) { n = keep_foreign(q, n, wl, kept); wl = n ? kept : NULL; }
    if (pin) { memcpy(pin, p, sz); s = rw(q, b, 0, off, sz, pin, n, wl, ev); if (s == 0) { rret(*ev); ringev[ringpos % RING] = *ev; ringpos++; } }
    else s = rw(q, b, (bl && sz <= 64 && mode == 1) ? 0 : bl, off, sz, p, n, wl, ev);
  }
  if (bl && sz <= 64) { tw += now() - t; nw++; }
  return s;
}
cl_int clEnqueueNDRangeKernel(cl_command_queue q, cl_kernel k, cl_uint d, const size_t *o, const size_t *g, const size_t *l, cl_uint n, const cl_event *wl, cl_event *ev) {
  init(); double t = now(); cl_event kept[64]; if (mode == 4 && n <= 64) { n = keep_foreign(q, n, wl, kept); wl = n ? kept : NULL; }
  cl_int s = rk(q, k, d, o, g, l, n, wl, ev); tk += now() - t; nk++; return s; }
cl_int clSetKernelArg(cl_kernel k, cl_uint i, size_t sz, const void *v) { init(); double t = now(); cl_int s = ra(k, i, sz, v); ta += now() - t; na++; return s; }
__attribute__((destructor)) static void rep(void) { if (nk) fprintf(stderr, "cltime mode %d: %lu small writes %.1f us each (%lu as markers), %lu launches %.1f us each, %lu setArg %.2f us each; %lu same-queue waits dropped, %lu kept\n",
  mode, nw, nw ? tw / nw : 0, nskip, nk, tk / nk, na, na ? ta / na : 0, nstrip, nkept); }
