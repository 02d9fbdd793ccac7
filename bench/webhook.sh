#!/bin/sh
# Admission latency of the pod webhook inside the operator (issue 12): 1,000 namespaces and 20
# credentials in the caches, AdmissionReviews over TLS, p50/p99/max after a warm-up.
#   bench/webhook.sh                 # 2,000 warm-up + 10,000 measured requests
#   bench/webhook.sh 500 2000        # a quick check
# BENCH_SKIP_BUILD=1 skips the Maven steps.
set -eu
cd "$(dirname "$0")/.."
mkdir -p target/bench
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q test-compile
  mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench/cp.txt
fi
exec java -cp "target/test-classes:target/classes:$(cat target/bench/cp.txt)" \
  io.pullsecrets.operator.webhook.WebhookLatency "$@"
