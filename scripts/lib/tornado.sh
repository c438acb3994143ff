# Sourced by scripts/mamba2 when a TornadoVM device is asked for: sets tornado_flags to the JVM
# flags of the SDK in $TORNADO_SDK.
# The SDK's tornado-argfile holds the absolute path it was installed at and puts `.` first on the
# module path (any jar in the working directory would be loaded as a module). We write a copy with
# the SDK's current location and without `.`, so the SDK can move and any directory works.
argfile=""
for f in "$TORNADO_SDK/tornado-argfile" "$TORNADO_SDK/etc/tornado-argfile"; do
  [ -f "$f" ] && { argfile=$f; break; }
done
if [ -z "$argfile" ]; then
  echo "mamba2: error: TORNADO_SDK=$TORNADO_SDK holds no tornado-argfile; point TORNADO_SDK at a TornadoVM 5.2 (jdk25) SDK" >&2
  exit 3
fi
recorded=$(sed -n 's#^-Djava.library.path=\(.*\)/lib$#\1#p' "$argfile" | head -n 1)
mkdir -p "$root/runner/target"
patched="$root/runner/target/tornado-argfile"
sed -e 's#--module-path \.:#--module-path #' ${recorded:+-e "s#$recorded#$TORNADO_SDK#g"} "$argfile" > "$patched"
# A task graph's TornadoVM bytecode must fit tornado.tvm.maxbytecodesize bytes (default 4096: about
# 5 Mamba-2 blocks of the decode plan); 64 KiB holds a graph of the most blocks TornadoVM's other
# limits allow (DecodePlan.maxBlocksPerGraph reads this property to split the model).
# recover.bailout=false: when TornadoVM cannot run a graph on the device (an overflowing bytecode
# buffer, a kernel that does not compile) it fails instead of quietly running the tasks as
# sequential Java, which never ends for KernelContext kernels and hides the cause.
tornado_flags=("@$patched" -Dtornado.tvm.maxbytecodesize=65536 -Dtornado.recover.bailout=false)
# OpenCL drivers built on LLVM (PoCL, loaded whenever its ICD is installed) replace the JVM's signal
# handlers, and the JVM then dies on its own SIGSEGV-based checks without a word. Signal chaining
# (libjsig) keeps the JVM's handlers first and hands other signals on to the driver's.
if [ -f "$JAVA_HOME/lib/libjsig.so" ]; then
  export LD_PRELOAD="$JAVA_HOME/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"
fi
