#!/bin/sh
# The benchmark of issues 5 and 8: the real operator (in a child JVM with the image's JVM flags)
# against an API server, next to the floor (a plain client doing only the 2N writes). The server is
# a real control plane per phase (hack/control-plane.sh up target/bench/cp-{floor,operator}; writes
# counted from its audit log) where it is built (hack/control-plane.sh status), else fabric8's CRUD
# mock in the benchmark's JVM; --server=real|mock chooses.
#   bench/run.sh                                   # N=1000 namespaces, F=5000 foreign Secrets, 30 idle s
#   bench/run.sh --server=mock                     # the same on the CRUD mock
#   bench/run.sh --namespaces=5000 --foreign=20000 # the memory goal's size
#   bench/run.sh --idle=5 --new-namespaces=1       # a quick run
#   bench/run.sh --only=fleet                      # issue 10: 20 credentials x N namespaces: unrelated
#                                                  # ServiceAccount edits (operator CPU per edit), new namespace
#   bench/run.sh --only=pull-events --events=10000 # issue 21: pull health's Event watcher in this JVM
#                                                  # against N namespaces: kubelet Events per second
#                                                  # handled, CPU and heap against no watcher
#   bench/run.sh --help
# BENCH_SKIP_BUILD=1 skips the Maven steps; BENCH_JVM_OPTS sets the parent JVM's flags (the mock
# server lives there); BENCH_CHILD_JVM_OPTS the operator's. Child logs and the control planes'
# directories (logs, audit.log) go to target/bench/.
set -eu
cd "$(dirname "$0")/.."
mkdir -p target/bench
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q test-compile
  mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench/cp.txt
fi
# shellcheck disable=SC2086
exec java ${BENCH_JVM_OPTS:--Xmx3g} -cp "target/test-classes:target/classes:$(cat target/bench/cp.txt)" \
  io.pullsecrets.operator.bench.Benchmark "$@"
