/*
 * Preloaded by the launcher on OpenCL runs (scripts/lib/tornado.sh; MAMBA2_CL_ASYNC_WRITES=0 turns
 * it off): small *blocking* clEnqueueWriteBuffer calls on in-order queues become non-blocking
 * writes from a copy of the bytes in pinned host memory.
 *
 * Why: TornadoVM 5.2 writes every kernel's 24-byte argument frame (its loop bounds) from a Java
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
 *
 * MAMBA2_CL_ASYNC_WRITES=2 (not yet timed on a GPU, so not the default) also removes the frame writes
 * themselves: TornadoVM's OpenCL launches set a kernel's argument 0 to the frame buffer and then write
 * the frame; a 24-byte blocking write at offset 0 of the buffer the calling thread last set as
 * argument 0 of a kernel it has not launched since is taken as that frame (its SPIR-V launches write
 * the frame before the arguments, and those writes go through). Each distinct frame (a plan has a few dozen: the kernels' loop
 * bounds) gets a read-only device buffer of its own, made once, and the kernel's argument 0 (and any
 * other argument set to the frame buffer since, as TornadoVM's SPIR-V launches do) is pointed at it
 * instead; the write becomes an already-complete user event (a marker when it had events to wait
 * for). A launch is then its kernel alone.
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
typedef struct _cl_kernel *cl_kernel;

#define CL_SUCCESS 0
#define CL_FALSE 0
#define CL_TRUE 1
#define CL_COMPLETE 0
#define CL_MEM_READ_ONLY (1 << 2)
#define CL_MEM_ALLOC_HOST_PTR (1 << 4)
#define CL_MEM_COPY_HOST_PTR (1 << 5)
#define CL_MAP_WRITE (1 << 1)
#define CL_QUEUE_CONTEXT 0x1090
#define CL_QUEUE_PROPERTIES 0x1093
#define CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE (1 << 0)
#define CL_QUEUE_PROFILING_ENABLE (1 << 1)

typedef cl_int (*write_buffer_fn)(cl_command_queue, cl_mem, cl_bool, size_t, size_t, const void *, cl_uint,
                                  const cl_event *, cl_event *);
typedef cl_int (*queue_info_fn)(cl_command_queue, cl_uint, size_t, void *, size_t *);
typedef cl_mem (*create_buffer_fn)(cl_context, cl_bitfield, size_t, void *, cl_int *);
typedef void *(*map_buffer_fn)(cl_command_queue, cl_mem, cl_bool, cl_bitfield, size_t, size_t, cl_uint,
                               const cl_event *, cl_event *, cl_int *);
typedef cl_int (*event_fn)(cl_event);
typedef cl_int (*wait_fn)(cl_uint, const cl_event *);
typedef cl_int (*kernel_arg_fn)(cl_kernel, cl_uint, size_t, const void *);
typedef cl_event (*user_event_fn)(cl_context, cl_int *);
typedef cl_int (*user_status_fn)(cl_event, cl_int);
typedef cl_int (*marker_fn)(cl_command_queue, cl_uint, const cl_event *, cl_event *);
typedef cl_int (*launch_fn)(cl_command_queue, cl_kernel, cl_uint, const size_t *, const size_t *, const size_t *, cl_uint,
                            const cl_event *, cl_event *);

/* bytes a slot holds (TornadoVM's frames are 24) and slots a ring has (a decode token uses one a kernel) */
#define SLOT 64
#define SLOTS 4096
#define QUEUES 8
/* TornadoVM 5.2's OpenCL argument frame: three longs (OCLKernelStackFrame.RESERVED_SLOTS) */
#define FRAME 24
/* distinct frames given a buffer of their own, all queues together */
#define FRAMES 4096
/* arguments besides 0 that may hold the frame buffer (SPIR-V launches pass it again) */
#define FRAME_ARGS 8

struct ring {
    cl_command_queue queue;   /* NULL: free; the queue this ring serves */
    cl_context context;
    unsigned char *bytes;     /* SLOTS × SLOT bytes of mapped pinned memory; NULL: this queue takes the driver's path */
    cl_event pending[SLOTS];  /* the write reading each slot, until the slot is reused */
    unsigned long next;
    int profiling;            /* the queue time-stamps its commands (reported: it slows NVIDIA's launches) */
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static write_buffer_fn real_write;
static queue_info_fn queue_info;
static create_buffer_fn create_buffer;
static map_buffer_fn map_buffer;
static event_fn retain_event, release_event;
static wait_fn wait_for_events;
static kernel_arg_fn real_kernel_arg;
static user_event_fn create_user_event;
static user_status_fn set_user_event_status;
static marker_fn enqueue_marker;
static launch_fn real_launch;
static struct ring rings[QUEUES];
static unsigned long pinned, passed, cached;
static int mode = 1;

/* frames with a buffer of their own: the context, the bytes, the buffer */
static cl_context frame_contexts[FRAMES];
static unsigned char frame_bytes[FRAMES][FRAME];
static cl_mem frame_buffers[FRAMES];
static int frames;

/*
 * The kernel whose argument 0 this thread set last and has not launched since (NULL: none), that argument's buffer, and
 * its other arguments set to it since. A frame write is taken only between the arguments and the launch: TornadoVM's
 * OpenCL launches set the arguments and then write the frame; its SPIR-V ones write the frame first, and those writes
 * must land, as the kernel then reads the shared buffer.
 */
static __thread cl_kernel frame_kernel;
static __thread cl_mem frame_buffer;
static __thread cl_uint frame_args[FRAME_ARGS];
static __thread int frame_arg_count;

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
    const char *m = getenv("MAMBA2_CL_ASYNC_WRITES");
    if (m != NULL && m[0] == '2') mode = 2;
    real_kernel_arg = (kernel_arg_fn) opencl_symbol("clSetKernelArg");
    create_user_event = (user_event_fn) opencl_symbol("clCreateUserEvent");
    set_user_event_status = (user_status_fn) opencl_symbol("clSetUserEventStatus");
    enqueue_marker = (marker_fn) opencl_symbol("clEnqueueMarkerWithWaitList");
    real_launch = (launch_fn) opencl_symbol("clEnqueueNDRangeKernel");
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
    r->context = NULL;
    if (queue_info(queue, CL_QUEUE_PROPERTIES, sizeof properties, &properties, NULL) != CL_SUCCESS
        || (properties & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE)
        || queue_info(queue, CL_QUEUE_CONTEXT, sizeof context, &context, NULL) != CL_SUCCESS) {
        return NULL;
    }
    r->profiling = (properties & CL_QUEUE_PROFILING_ENABLE) != 0;
    r->context = context;
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

cl_int clSetKernelArg(cl_kernel kernel, cl_uint index, size_t size, const void *value) {
    pthread_once(&once, resolve);
    if (real_kernel_arg == NULL) return -30;
    if (mode == 2 && size == sizeof(cl_mem) && value != NULL) {
        cl_mem m = *(const cl_mem *) value;
        if (index == 0) {
            frame_kernel = kernel;
            frame_buffer = m;
            frame_arg_count = 0;
        } else if (kernel == frame_kernel && m == frame_buffer && frame_arg_count < FRAME_ARGS) {
            frame_args[frame_arg_count++] = index;
        }
    }
    return real_kernel_arg(kernel, index, size, value);
}

cl_int clEnqueueNDRangeKernel(cl_command_queue queue, cl_kernel kernel, cl_uint dims, const size_t *offset, const size_t *global,
                              const size_t *local, cl_uint waits, const cl_event *wait_list, cl_event *event) {
    pthread_once(&once, resolve);
    if (real_launch == NULL) return -30;
    if (kernel == frame_kernel) frame_kernel = NULL;
    return real_launch(queue, kernel, dims, offset, global, local, waits, wait_list, event);
}

/* The read-only buffer holding these frame bytes in this context, made on first use; NULL when none can be had. Under lock. */
static cl_mem frame_copy(cl_context context, const void *bytes) {
    for (int i = 0; i < frames; i++) {
        if (frame_contexts[i] == context && memcmp(frame_bytes[i], bytes, FRAME) == 0) return frame_buffers[i];
    }
    if (frames == FRAMES) return NULL;
    cl_int status = CL_SUCCESS;
    cl_mem copy = create_buffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, FRAME, (void *) bytes, &status);
    if (status != CL_SUCCESS) return NULL;
    frame_contexts[frames] = context;
    memcpy(frame_bytes[frames], bytes, FRAME);
    frame_buffers[frames] = copy;
    return frame_buffers[frames++];
}

/*
 * The frame path (mode 2, under lock): the kernel's frame arguments pointed at the frame's own buffer and a completed
 * event (or a marker on the events the write was to wait for) in place of the write. CL_SUCCESS when taken.
 */
static cl_int frame_instead(struct ring *r, const void *ptr, cl_uint waits, const cl_event *wait_list, cl_event *event) {
    if (create_user_event == NULL || set_user_event_status == NULL || enqueue_marker == NULL || r->context == NULL) return -1;
    cl_mem copy = frame_copy(r->context, ptr);
    if (copy == NULL || real_kernel_arg(frame_kernel, 0, sizeof copy, &copy) != CL_SUCCESS) return -1;
    for (int i = 0; i < frame_arg_count; i++) real_kernel_arg(frame_kernel, frame_args[i], sizeof copy, &copy);
    frame_kernel = NULL;
    if (waits > 0) return enqueue_marker(r->queue, waits, wait_list, event);
    if (event == NULL) return CL_SUCCESS;
    cl_int status = CL_SUCCESS;
    cl_event done = create_user_event(r->context, &status);
    if (status != CL_SUCCESS) return status;
    set_user_event_status(done, CL_COMPLETE);
    *event = done;
    return CL_SUCCESS;
}

cl_int clEnqueueWriteBuffer(cl_command_queue queue, cl_mem buffer, cl_bool blocking, size_t offset, size_t size,
                            const void *ptr, cl_uint waits, const cl_event *wait_list, cl_event *event) {
    pthread_once(&once, resolve);
    if (real_write == NULL) return -30; /* CL_INVALID_VALUE: no OpenCL library to forward to */
    if (blocking && size > 0 && size <= SLOT && queue_info && create_buffer && map_buffer && retain_event
        && release_event && wait_for_events) {
        pthread_mutex_lock(&lock);
        struct ring *r = ring_of(queue);
        if (mode == 2 && r != NULL && r->bytes != NULL && size == FRAME && offset == 0 && frame_kernel != NULL
            && buffer == frame_buffer && frame_instead(r, ptr, waits, wait_list, event) == CL_SUCCESS) {
            cached++;
            pthread_mutex_unlock(&lock);
            return CL_SUCCESS;
        }
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
    if (on != NULL && on[0] == '1' && pinned + cached + passed > 0) {
        int queues = 0, profiling = 0;
        for (int i = 0; i < QUEUES; i++) {
            if (rings[i].bytes != NULL) queues++, profiling += rings[i].profiling;
        }
        fprintf(stderr, "mamba2: cl-async-writes: %lu small blocking writes made non-blocking from pinned memory, %lu argument frames "
                "taken from their own buffers (%d frames), %lu writes passed to the driver; %d queue(s), %d time-stamping commands\n",
                pinned, cached, frames, passed, queues, profiling);
    }
}
