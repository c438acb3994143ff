/*
 * Preloaded by the launcher on OpenCL runs (scripts/lib/tornado.sh; MAMBA2_CL_ASYNC_WRITES=0 turns
 * it off): small *blocking* clEnqueueWriteBuffer calls on in-order queues become non-blocking
 * writes from a copy of the bytes in pinned host memory.
 *
 * Why: TornadoVM 5.2 writes every kernel's 24-byte argument frame (its global sizes) from a Java
 * array with a blocking write (its JNI passes CL_TRUE whatever the caller asked, as the array is
 * pinned only for the call). On an in-order queue a blocking write returns only once every command
 * before it has finished, so each launch waits for the kernel before it and host and device take
 * turns. Here the bytes are copied into a slot of a ring in pinned memory (a CL_MEM_ALLOC_HOST_PTR
 * buffer mapped once) and written from there without blocking: the queue's order still puts the
 * write after the commands before it and before the kernel after it, and a slot is reused only
 * once its write has completed. On the H200's OpenCL driver this took a 130m decode token from
 * 3.4-4.3 to 2.9-3.0 ms (docs/decode-kernels.md, eighteenth session).
 *
 * Writes larger than a slot, non-blocking ones, writes on out-of-order queues and any failure take
 * the driver's own path unchanged. No OpenCL headers are needed: the few types and constants are
 * declared here as the Khronos headers declare them. MAMBA2_CL_ASYNC_REPORT=1 prints one line at
 * exit with how many writes took each path.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int32_t cl_int;
typedef uint32_t cl_uint;
typedef uint32_t cl_bool;
typedef uint64_t cl_bitfield;
typedef struct _cl_context *cl_context;
typedef struct _cl_command_queue *cl_command_queue;
typedef struct _cl_mem *cl_mem;
typedef struct _cl_event *cl_event;

#define CL_SUCCESS 0
#define CL_FALSE 0
#define CL_TRUE 1
#define CL_MEM_ALLOC_HOST_PTR (1 << 4)
#define CL_MAP_WRITE (1 << 1)
#define CL_QUEUE_CONTEXT 0x1090
#define CL_QUEUE_PROPERTIES 0x1093
#define CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE (1 << 0)

typedef cl_int (*write_buffer_fn)(cl_command_queue, cl_mem, cl_bool, size_t, size_t, const void *, cl_uint,
                                  const cl_event *, cl_event *);
typedef cl_int (*queue_info_fn)(cl_command_queue, cl_uint, size_t, void *, size_t *);
typedef cl_mem (*create_buffer_fn)(cl_context, cl_bitfield, size_t, void *, cl_int *);
typedef void *(*map_buffer_fn)(cl_command_queue, cl_mem, cl_bool, cl_bitfield, size_t, size_t, cl_uint,
                               const cl_event *, cl_event *, cl_int *);
typedef cl_int (*event_fn)(cl_event);
typedef cl_int (*wait_fn)(cl_uint, const cl_event *);

/* bytes a slot holds (TornadoVM's frames are 24) and slots a ring has (a decode token uses one a kernel) */
#define SLOT 64
#define SLOTS 4096
#define QUEUES 8

struct ring {
    cl_command_queue queue;   /* NULL: free; the queue this ring serves */
    unsigned char *bytes;     /* SLOTS × SLOT bytes of mapped pinned memory; NULL: this queue takes the driver's path */
    cl_event pending[SLOTS];  /* the write reading each slot, until the slot is reused */
    unsigned long next;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static write_buffer_fn real_write;
static queue_info_fn queue_info;
static create_buffer_fn create_buffer;
static map_buffer_fn map_buffer;
static event_fn retain_event, release_event;
static wait_fn wait_for_events;
static struct ring rings[QUEUES];
static unsigned long pinned, passed;

static void *opencl_symbol(const char *name) {
    void *f = dlsym(RTLD_NEXT, name);
    if (f == NULL) {
        /* the JVM loads TornadoVM's JNI library, and libOpenCL with it, with local symbols: ask libOpenCL itself */
        void *lib = dlopen("libOpenCL.so.1", RTLD_NOW);
        if (lib != NULL) f = dlsym(lib, name);
    }
    return f;
}

static void resolve(void) {
    queue_info = (queue_info_fn) opencl_symbol("clGetCommandQueueInfo");
    create_buffer = (create_buffer_fn) opencl_symbol("clCreateBuffer");
    map_buffer = (map_buffer_fn) opencl_symbol("clEnqueueMapBuffer");
    retain_event = (event_fn) opencl_symbol("clRetainEvent");
    release_event = (event_fn) opencl_symbol("clReleaseEvent");
    wait_for_events = (wait_fn) opencl_symbol("clWaitForEvents");
    real_write = (write_buffer_fn) opencl_symbol("clEnqueueWriteBuffer");
}

/* The pinned slots of an in-order queue, mapped on first use; NULL where the driver's path must be taken. */
static unsigned char *ring_bytes(struct ring *r, cl_command_queue queue) {
    cl_bitfield properties = 0;
    cl_context context = NULL;
    cl_int status = CL_SUCCESS;
    r->queue = queue;
    r->bytes = NULL;
    if (queue_info(queue, CL_QUEUE_PROPERTIES, sizeof properties, &properties, NULL) != CL_SUCCESS
        || (properties & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE)
        || queue_info(queue, CL_QUEUE_CONTEXT, sizeof context, &context, NULL) != CL_SUCCESS) {
        return NULL;
    }
    cl_mem buffer = create_buffer(context, CL_MEM_ALLOC_HOST_PTR, (size_t) SLOTS * SLOT, NULL, &status);
    if (status != CL_SUCCESS) return NULL;
    void *mapped = map_buffer(queue, buffer, CL_TRUE, CL_MAP_WRITE, 0, (size_t) SLOTS * SLOT, 0, NULL, NULL, &status);
    if (status != CL_SUCCESS || mapped == NULL) return NULL;
    r->bytes = mapped;
    return r->bytes;
}

/* The ring of a queue (made on first use), or NULL when every ring serves another queue. */
static struct ring *ring_of(cl_command_queue queue) {
    for (int i = 0; i < QUEUES; i++) {
        if (rings[i].queue == queue) return &rings[i];
        if (rings[i].queue == NULL) {
            ring_bytes(&rings[i], queue);
            return &rings[i];
        }
    }
    return NULL;
}

cl_int clEnqueueWriteBuffer(cl_command_queue queue, cl_mem buffer, cl_bool blocking, size_t offset, size_t size,
                            const void *ptr, cl_uint waits, const cl_event *wait_list, cl_event *event) {
    pthread_once(&once, resolve);
    if (real_write == NULL) return -30; /* CL_INVALID_VALUE: no OpenCL library to forward to */
    if (blocking && size > 0 && size <= SLOT && queue_info && create_buffer && map_buffer && retain_event
        && release_event && wait_for_events) {
        pthread_mutex_lock(&lock);
        struct ring *r = ring_of(queue);
        if (r != NULL && r->bytes != NULL) {
            unsigned long slot = r->next % SLOTS;
            if (r->pending[slot] != NULL) {
                wait_for_events(1, &r->pending[slot]);
                release_event(r->pending[slot]);
                r->pending[slot] = NULL;
            }
            unsigned char *copy = r->bytes + slot * SLOT;
            memcpy(copy, ptr, size);
            cl_event written = NULL;
            cl_int status = real_write(queue, buffer, CL_FALSE, offset, size, copy, waits, wait_list, &written);
            if (status == CL_SUCCESS) {
                if (event != NULL) {
                    retain_event(written);
                    *event = written;
                }
                r->pending[slot] = written;
                r->next++;
                pinned++;
            }
            pthread_mutex_unlock(&lock);
            return status;
        }
        pthread_mutex_unlock(&lock);
    }
    __atomic_add_fetch(&passed, 1, __ATOMIC_RELAXED);
    return real_write(queue, buffer, blocking, offset, size, ptr, waits, wait_list, event);
}

__attribute__((destructor)) static void report(void) {
    const char *on = getenv("MAMBA2_CL_ASYNC_REPORT");
    if (on != NULL && on[0] == '1') {
        fprintf(stderr, "mamba2: cl-async-writes: %lu small blocking writes made non-blocking from pinned memory, %lu passed to the driver\n",
                pinned, passed);
    }
}
