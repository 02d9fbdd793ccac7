#!/usr/bin/env bash
# Regenerates the values table of helm/pullsecret-operator/README.md (what `helm show readme`
# prints) from the chart's values.yaml comments and values.schema.json (ChartReadmeTest fails on drift).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/readme-classpath.txt
java -cp "target/test-classes:target/classes:$(cat target/readme-classpath.txt)" io.pullsecrets.operator.chart.ChartReadme
