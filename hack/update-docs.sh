#!/usr/bin/env bash
# Regenerates docs/reference/ (configuration from OperatorConfig.Setting, API from crds/, reasons
# from api/Reasons.java); ReferenceDocsTest fails on drift. Run hack/update-crds.sh first when the
# API classes changed.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/docs-classpath.txt
java -cp "target/test-classes:target/classes:$(cat target/docs-classpath.txt)" io.pullsecrets.operator.docs.ReferenceDocs
