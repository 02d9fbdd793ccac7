#!/bin/sh
# The source-Secret memory benchmark of issue 17: the operator's VmRSS (after jcmd GC.run) with
# 1,000 static credentials in one tenant namespace, when their sources are small, when 1,000
# Secrets of 500 KB nobody reads sit next to them, and when every source carries 500 KB. Real
# control plane only (hack/control-plane.sh build); its etcd quota is 4 GiB (--quota-backend-bytes),
# room for the 500 MB (667 MB as base64 JSON) this writes, twice.
#   bench/source-secrets.sh                           # 1,000 credentials, 500 KB (about 10 min)
#   bench/source-secrets.sh --count=100 --size-kb=50  # a quick check
# BENCH_HISTOGRAM=1 also writes jcmd GC.class_histogram of each phase to target/bench/.
# BENCH_SKIP_BUILD=1 skips the Maven steps; BENCH_CHILD_JVM_OPTS sets the operator JVM's flags
# (default: the image's JAVA_TOOL_OPTIONS with -XX:MaxRAM=512m for the chart's 512Mi limit).
# Child logs and the control plane's directory go to target/bench/.
set -eu
cd "$(dirname "$0")/.."
mkdir -p target/bench
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q test-compile
  mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench/cp.txt
fi
# shellcheck disable=SC2086
exec java ${BENCH_JVM_OPTS:--Xmx1g} -cp "target/test-classes:target/classes:$(cat target/bench/cp.txt)" \
  io.pullsecrets.operator.bench.SourceSecretMemory "$@"
