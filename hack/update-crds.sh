#!/usr/bin/env bash
# Regenerates the CRD from the Java classes in src/main/java/io/pullsecrets/operator/api and writes
# it everywhere it is committed: crds/, the chart's crds/ and deploy/ (tests fail on drift).
# Needs Maven and helm (PATH, or .ci/bin where .ci/run installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.ci/bin:$PATH"
mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/crd-classpath.txt
for FILE in registrycredentials.pullsecrets.io-v1.yml clusterregistrycredentials.pullsecrets.io-v1.yml; do
  java -cp "target/test-classes:target/classes:$(cat target/crd-classpath.txt)" io.pullsecrets.operator.api.CrdFinisher \
    "target/classes/META-INF/fabric8/$FILE" "crds/$FILE"
  cp "crds/$FILE" helm/pullsecret-operator/crds/
  echo "updated crds/$FILE and helm/pullsecret-operator/crds/$FILE"
done
deploy/render.sh
echo "updated deploy/"
