# Sourced by the scripts: finds a JDK 25+ and exports JAVA_HOME and PATH for it.
# Order: $JAVA_HOME if it is 25+, then /usr/lib/jvm/*, then `java` on PATH. Running needs only a
# java launcher (a JRE will do); building (need_javac=1) needs javac too.
java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
find_jdk25() {
  local candidates=() c v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for c in /usr/lib/jvm/*; do candidates+=("$c"); done
  command -v java >/dev/null 2>&1 && candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] || continue
    [ "${need_javac:-0}" = 1 ] && [ ! -x "$c/bin/javac" ] && continue
    v=$(java_major "$c/bin/java")
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then echo "$c"; return 0; fi
  done
  return 1
}
if ! _jdk_found=$(find_jdk25); then
  if [ "${need_javac:-0}" = 1 ] && _jdk_runtime=$(need_javac=0 find_jdk25); then
    echo "mamba2: error: building needs javac, and the Java 25 at $_jdk_runtime is a runtime without it; install JDK 25 and set JAVA_HOME (scripts that take SKIP_BUILD=1 run the jars already built)" >&2
  else
    echo "mamba2: error: no JDK 25 found (looked at \$JAVA_HOME and /usr/lib/jvm); install JDK 25 and set JAVA_HOME" >&2
  fi
  exit 3
fi
JAVA_HOME=$_jdk_found; unset _jdk_found _jdk_runtime
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
