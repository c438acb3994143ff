// Times cubins of the SSD's register-blocked chunk output and chunk states, as scripts/kernel-registers --keep writes
// them (TornadoVM's kernels through OpenCL C, optionally compiled with launch bounds), at the shape of the SSD targets:
// batch 8, seqlen 2048, 80 heads of 64, dstate 128, 1 group, chunk 128. It answers what TornadoVM cannot be asked: how
// fast the same kernel runs at another register budget. Each cubin runs 25 times (the first 5 untimed) on the same
// random inputs, its output poisoned (NaN) first; the checksum of the output tells variants that disagree.
//
// build: nvcc -O2 -o ssd-kernel-timer benchmarks/cubin/ssd-kernel-timer.cu -cudart static
// run:   ./ssd-kernel-timer DIR/chunkOutputBlocked84.cubin OTHER.cubin ...   (the kernel's name is the file's name up to
//        the first '.' or '-'; "Blocked84" in it means 16 × 8 work items a group, else 16 × 16)
#include <cuda_runtime.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

static void check(cudaError_t e, const char *what) {
    if (e != cudaSuccess) { std::fprintf(stderr, "ssd-kernel-timer: %s: %s\n", what, cudaGetErrorString(e)); std::exit(1); }
}

static const int HEADER = 4;  // TornadoVM's off-heap arrays: 16 bytes before element 0

// A device array of n floats after the header: uniform in [lo, hi], or per chunk position a decreasing cumulative decay.
static float *array(size_t n, float lo, float hi, unsigned seed, int decayOf = 0) {
    std::vector<float> h(n + HEADER, 0.f);
    std::srand(seed);
    for (size_t i = 0; i < n; i++)
        h[i + HEADER] = decayOf ? -0.01f * (float) (i % decayOf) : lo + (hi - lo) * (std::rand() / (float) RAND_MAX);
    float *d;
    check(cudaMalloc(&d, h.size() * sizeof(float)), "cudaMalloc");
    check(cudaMemcpy(d, h.data(), h.size() * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy");
    return d;
}

static double checksum(const float *d, size_t n) {
    std::vector<float> h(n);
    check(cudaMemcpy(h.data(), d + HEADER, n * sizeof(float), cudaMemcpyDeviceToHost), "cudaMemcpy");
    double s = 0;
    for (float v : h) s += std::fabs((double) v);
    return s;
}

int main(int argc, char **argv) {
    const int B = 8, L = 2048, H = 80, P = 64, G = 1, N = 128, Q = 128, NC = L / Q;
    const size_t xn = (size_t) B * L * H * P, qn = (size_t) B * NC * H * Q, sn = (size_t) B * NC * H * P * N;
    float *x = array(xn, -1, 1, 1), *z = array(xn, -1, 1, 2), *y = array(xn, 0, 0, 3);
    float *dt = array(qn, 0.005f, 0.02f, 4), *cum = array(qn, 0, 0, 5, Q), *wState = array(qn, 0, 1, 6);
    float *cb = array((size_t) B * NC * G * Q * Q, -1, 1, 7), *C = array((size_t) B * L * G * N, -1, 1, 8);
    float *Bm = array((size_t) B * L * G * N, -1, 1, 9), *stateIn = array(sn, -1, 1, 10), *states = array(sn, 0, 0, 11);
    float *D = array(H, 0, 1, 12), *scratch = array(64, 0, 0, 13);
    int dimsHost[HEADER + 12] = {0, 0, 0, 0, B, L, H, P, G, N, Q, NC, 1, 0, 0, 0};  // SsdDims: ..., HAS_Z = 1
    int *dims;
    check(cudaMalloc(&dims, sizeof dimsHost), "cudaMalloc");
    check(cudaMemcpy(dims, dimsHost, sizeof dimsHost, cudaMemcpyHostToDevice), "cudaMemcpy");
    if (argc < 2) { std::fprintf(stderr, "usage: ssd-kernel-timer KERNEL.cubin ...\n"); return 2; }
    for (int a = 1; a < argc; a++) {
        std::string path = argv[a], file = path.substr(path.rfind('/') + 1);
        std::string name = file.substr(0, file.find_first_of(".-"));
        bool chunkStates = name.rfind("chunkStates", 0) == 0;
        if (!chunkStates && name.rfind("chunkOutput", 0) != 0) { std::fprintf(stderr, "%s: not a chunkOutput or chunkStates kernel\n", file.c_str()); return 2; }
        cudaLibrary_t lib;
        check(cudaLibraryLoadFromFile(&lib, path.c_str(), nullptr, nullptr, 0, nullptr, nullptr, 0), path.c_str());
        cudaKernel_t kernel;
        check(cudaLibraryGetKernel(&kernel, lib, name.c_str()), name.c_str());
        dim3 block(16, name.find("Blocked84") != std::string::npos ? 8 : 16, 1);
        dim3 grid(chunkStates ? 2 : 1, chunkStates ? 1 : 2, B * NC * H);  // 64 × 64 tiles: (N/64, P/64) or (P/64, Q/64)
        float *out = chunkStates ? states : y;
        size_t outN = chunkStates ? sn : xn;
        void *ctx = scratch;
        std::vector<void *> args;
        if (chunkStates) args = {&ctx, &ctx, &ctx, &ctx, &x, &Bm, &wState, &dims, &states};
        else args = {&ctx, &ctx, &ctx, &ctx, &x, &z, &dt, &cum, &cb, &C, &stateIn, &D, &dims, &y};
        check(cudaMemset(out, 0xff, (outN + HEADER) * sizeof(float)), "cudaMemset");
        cudaEvent_t start, stop;
        cudaEventCreate(&start);
        cudaEventCreate(&stop);
        std::vector<float> ms;
        for (int i = 0; i < 25; i++) {
            cudaEventRecord(start);
            check(cudaLaunchKernel((const void *) kernel, grid, block, args.data(), 0, 0), "launch");
            cudaEventRecord(stop);
            check(cudaEventSynchronize(stop), "run");
            float t;
            cudaEventElapsedTime(&t, start, stop);
            if (i >= 5) ms.push_back(t);
        }
        std::sort(ms.begin(), ms.end());
        cudaFuncAttributes attr;
        check(cudaFuncGetAttributes(&attr, (const void *) kernel), "attributes");
        std::printf("%-44s median %.4f ms  IQR %.4f  registers %3d  checksum %.6e\n", file.c_str(), ms[ms.size() / 2],
                    ms[ms.size() * 3 / 4] - ms[ms.size() / 4], attr.numRegs, checksum(out, outN));
    }
    return 0;
}
