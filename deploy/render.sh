#!/usr/bin/env bash
# Renders deploy/pullsecret-operator.yaml from the Helm chart with default values (release
# "pullsecret-operator" in namespace "pullsecret-system", CRDs included, plus the Namespace).
# Usage: deploy/render.sh            rewrite the file
#        deploy/render.sh --stdout   print what the file should hold (the drift test compares)
set -euo pipefail
cd "$(dirname "$0")/.."
HELM="${HELM:-helm}"
render() {
  cat <<'HEADER'
# pullsecret-operator: plain manifests for `kubectl apply -f`, rendered from helm/pullsecret-operator
# with default values by deploy/render.sh. Do not edit: change the chart and re-run the script
# (a test fails when this file drifts from the chart).
---
apiVersion: v1
kind: Namespace
metadata:
  name: pullsecret-system
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/warn: restricted
HEADER
  "$HELM" template pullsecret-operator helm/pullsecret-operator --namespace pullsecret-system --include-crds
}
if [ "${1:-}" = "--stdout" ]; then
  render
else
  render > deploy/pullsecret-operator.yaml
fi
