# Sourced by the launchers when a TornadoVM device is asked for: sets tornado_flags to the JVM flags
# of the SDK in $TORNADO_SDK, asking TornadoVM only for the backends in $tornado_backends
# ("opencl ptx cuda spirv" or a part of it; "all" or empty: every backend the SDK has).
# TornadoVM starts only when every backend on its module path finds a device, so a machine with an
# OpenCL driver but no CUDA can still run opencl:<i> from an SDK that also holds PTX and CUDA.
# The SDK's tornado-argfile holds the absolute path it was installed at and puts `.` first on the
# module path (any jar in the working directory would be loaded as a module). We write a copy with
# the SDK's current location, without `.`, and without the drivers that were not asked for.
argfile=""
for f in "$TORNADO_SDK/tornado-argfile" "$TORNADO_SDK/etc/tornado-argfile"; do
  [ -f "$f" ] && { argfile=$f; break; }
done
if [ -z "$argfile" ] || [ ! -d "$TORNADO_SDK/share/java/tornado" ]; then
  echo "mamba2: error: TORNADO_SDK=$TORNADO_SDK is not a TornadoVM SDK (no tornado-argfile); point TORNADO_SDK at a TornadoVM 5.2 (jdk25) SDK" >&2
  exit 3
fi
jars="$TORNADO_SDK/share/java/tornado"
sdk_backends=""
for b in opencl ptx cuda spirv; do
  ls "$jars"/tornado-drivers-$b-[0-9]*.jar >/dev/null 2>&1 && sdk_backends="$sdk_backends $b"
done
wanted="${tornado_backends:-all}"
[ "$wanted" = all ] && wanted="$sdk_backends"
# TornadoVM's SPIR-V backend dispatches through its OpenCL driver module
case " $wanted " in *" spirv "*) case " $wanted " in *" opencl "*) ;; *) wanted="$wanted opencl" ;; esac ;; esac
for b in $wanted; do
  case " $sdk_backends " in
    *" $b "*) ;;
    *) echo "mamba2: error: device backend '$b' is not in the TornadoVM SDK at $TORNADO_SDK (it has:${sdk_backends:- none})" >&2; exit 3 ;;
  esac
done
recorded=$(sed -n 's#^-Djava.library.path=\(.*\)/lib$#\1#p' "$argfile" | head -n 1)
modpath=""
for j in "$jars"/*.jar; do
  name=$(basename "$j")
  skip=0
  for b in $sdk_backends; do
    case " $wanted " in *" $b "*) continue ;; esac
    case "$name" in tornado-drivers-$b-*) skip=1 ;; esac
  done
  [ $skip = 1 ] || modpath="${modpath:+$modpath:}$j"
done
drop=()
for b in $sdk_backends; do
  case " $wanted " in *" $b "*) continue ;; esac
  drop+=(-e "/^--add-\(exports\|opens\|reads\)=.*tornado\.drivers\.$b\b/d" -e "s/,tornado\.drivers\.$b\b//g" -e "s/=tornado\.drivers\.$b,/=/")
done
mkdir -p "$root/runner/target"
# named by the backends and the SDK's path: runs of one checkout with different SDKs (a stock and a
# patched driver, say) would otherwise rewrite each other's argfile between their JVM starts
patched="$root/runner/target/tornado-argfile-$(echo $wanted | tr ' ' '-')-$(printf '%s' "$TORNADO_SDK" | cksum | cut -d' ' -f1)"
sed ${recorded:+-e "s#$recorded#$TORNADO_SDK#g"} "${drop[@]}" \
    -e "s#^--module-path .*#--module-path $modpath#" "$argfile" > "$patched"
# A task graph's TornadoVM bytecode must fit tornado.tvm.maxbytecodesize bytes (default 4096: about
# 5 Mamba-2 blocks of the decode plan); 64 KiB holds a graph of the most blocks TornadoVM's other
# limits allow (DecodePlan.maxBlocksPerGraph reads this property to split the model).
# recover.bailout=false: when TornadoVM cannot run a graph on the device (an overflowing bytecode
# buffer, a kernel that does not compile) it fails instead of quietly running the tasks as
# sequential Java, which never ends for KernelContext kernels and hides the cause.
# max.events=64: TornadoVM 5.2 fills every wait-event list of a plan (one per task or more, each
# tornado.max.events ints, 32768 by default) with -1 on every execute(), graph replay or not, though
# the lists are read only with dependencies enabled (see docs/tornadovm-launch-cost.md); 64 keeps
# that fill at 256 bytes a list. MAMBA2_JAVA_OPTS, which comes later on the command line, overrides it.
# Full-unroll budgets: a kernel's off-heap array access (FloatArray.get/set) is a larger Graal node
# graph than a float[] access, so with Graal's default budgets the 16-row tile loads of the blocked
# SSD kernels stay rolled loops (one load in flight per work item; kernel time +24% on the H200).
# 1500 nodes unrolls them as it did for float[] (the generated code matches line for line).
# device.memory: TornadoVM counts the bytes it allocates on a device against this cap (4GB by
# default; a count, nothing is reserved), which stopped the 2.7b model (6.6 GB) on an H200 with
# "Unable to allocate"; the project's own fit check (DeviceMemoryPlan) compares the plan with the
# device's memory before anything is allocated, so the cap is lifted here.
# fullInlining: TornadoVM's default inlining policy refuses, with an error, to inline a helper whose
# graph (its own callees inlined) exceeds 600 nodes; a kernel cannot call a helper it does not inline,
# so that policy only ever turns a compilable kernel into an error (the tensor-core SSD's staging
# helpers, two fp32→fp16 conversions each, reach 669). Full inlining inlines every helper.
tornado_flags=("@$patched" -Dtornado.tvm.maxbytecodesize=65536 -Dtornado.recover.bailout=false -Dtornado.max.events=64
               -Djdk.graal.FullUnrollMaxNodes=1500 -Djdk.graal.ExactFullUnrollMaxNodes=1500 -Dtornado.device.memory=1024GB
               -Dtornado.compiler.fullInlining=True)
# SPIR-V (docs/spirv.md): TornadoVM 5.2's default load/store-minimising SPIR-V code generation loops
# forever while compiling a kernel with a loop-carried fma (every SSD kernel has one), so it is
# turned off unless the SDK's argfile or MAMBA2_JAVA_OPTS decides. PoCL 6.0 (the CPU driver that
# takes SPIR-V) miscompiles a barrier-heavy kernel with its default work-group method (loopvec);
# cbs runs it right. Both only when spirv is asked for; an explicit setting wins.
case " $wanted " in
  *" spirv "*)
    case " $(grep -h -- '^-Dtornado.spirv.loadstore=' "$argfile" || true) ${MAMBA2_JAVA_OPTS:-} " in
      *-Dtornado.spirv.loadstore=*) ;;
      *) tornado_flags+=(-Dtornado.spirv.loadstore=false) ;;
    esac
    export POCL_WORK_GROUP_METHOD="${POCL_WORK_GROUP_METHOD:-cbs}" ;;
esac
# The CUDA backend compiles CUDA C with NVRTC, which needs the toolkit's headers.
if [ -z "${CUDA_PATH:-}" ] && [ -d /usr/local/cuda ]; then export CUDA_PATH=/usr/local/cuda; fi
# OpenCL drivers built on LLVM (PoCL, loaded whenever its ICD is installed) replace the JVM's signal
# handlers, and the JVM then dies on its own SIGSEGV-based checks without a word. Signal chaining
# (libjsig) keeps the JVM's handlers first and hands other signals on to the driver's.
if [ -f "$JAVA_HOME/lib/libjsig.so" ]; then
  export LD_PRELOAD="$JAVA_HOME/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"
fi
# TornadoVM 5.2 writes each OpenCL kernel's argument frame with a blocking write, so every launch
# waits for the kernel before it; scripts/native/cl-async-writes.c makes those small writes
# non-blocking (from pinned memory), preloaded where a C compiler built it (gpu-bundle ships it
# prebuilt). MAMBA2_CL_ASYNC_WRITES=0 leaves TornadoVM's writes as they are; =2 also gives each distinct
# frame a device buffer of its own so that a launch writes nothing (not yet timed on a GPU).
case " $wanted " in
  *" opencl "*)
    if [ "${MAMBA2_CL_ASYNC_WRITES:-1}" != 0 ]; then
      source "$root/scripts/lib/cl-async-writes.sh"
      shim=$(cl_async_writes_lib)
      if [ -n "$shim" ]; then export LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD:}$shim"; fi
    fi ;;
esac
# TornadoVM 5.2's CUDA backend hands NVRTC no options of a run's own (a kernel's register cap, say); with
# MAMBA2_NVRTC_OPTIONS ('KERNEL=OPTIONS;...') scripts/native/nvrtc-options.c adds them per kernel, preloaded.
case " $wanted " in
  *" cuda "*)
    if [ -n "${MAMBA2_NVRTC_OPTIONS:-}" ]; then
      source "$root/scripts/lib/native.sh"
      shim=$(native_lib nvrtc-options)
      if [ -n "$shim" ]; then
        export LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD:}$shim"
      else
        echo "mamba2: warning: MAMBA2_NVRTC_OPTIONS ignored: no C compiler to build scripts/native/nvrtc-options.c" >&2
      fi
    fi ;;
esac
