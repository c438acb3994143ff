# Sourced by the build scripts: with TORNADO_SDK set, checks that it holds TornadoVM's API jar and sets
# mvn_tornado to the Maven flag naming its version (tornado-kernels compiles against that jar).
mvn_tornado=()
if [ -n "${TORNADO_SDK:-}" ]; then
  api=$(ls "$TORNADO_SDK"/share/java/tornado/tornado-api-*.jar 2>/dev/null | head -n 1 || true)
  if [ -z "$api" ]; then
    echo "mamba2: error: TORNADO_SDK=$TORNADO_SDK holds no share/java/tornado/tornado-api-*.jar; point it at a TornadoVM 5.2 (jdk25) SDK" >&2
    exit 3
  fi
  version=$(basename "$api" .jar)
  mvn_tornado=(-Dtornado.version="${version#tornado-api-}")
fi
