{{- define "pullsecret-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pullsecret-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "pullsecret-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pullsecret-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "pullsecret-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "pullsecret-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: pullsecret-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The pod's affinity: the affinity value; else, with more than one replica and no
topologySpreadConstraints, prefer nodes without another replica (same selector labels). */}}
{{- define "pullsecret-operator.affinity" -}}
{{- if .Values.affinity }}
{{- toYaml .Values.affinity }}
{{- else if and (gt (int .Values.replicaCount) 1) (not .Values.topologySpreadConstraints) }}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "pullsecret-operator.selectorLabels" . | nindent 12 }}
{{- end }}
{{- end }}

{{/* topologySpreadConstraints; a constraint without labelSelector selects this release's pods. */}}
{{- define "pullsecret-operator.topologySpreadConstraints" -}}
{{- $selector := include "pullsecret-operator.selectorLabels" . | fromYaml }}
{{- $out := list }}
{{- range .Values.topologySpreadConstraints }}
{{- $c := deepCopy . }}
{{- if not (hasKey $c "labelSelector") }}
{{- $_ := set $c "labelSelector" (dict "matchLabels" $selector) }}
{{- end }}
{{- $out = append $out $c }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{- define "pullsecret-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pullsecret-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "pullsecret-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* "true" or "false": leader election on? auto = more than one replica. */}}
{{- define "pullsecret-operator.leaderElection" -}}
{{- $le := toString .Values.operator.leaderElection }}
{{- if eq $le "auto" }}
{{- if gt (int .Values.replicaCount) 1 }}true{{ else }}false{{ end }}
{{- else }}
{{- $le }}
{{- end }}
{{- end }}

{{- define "pullsecret-operator.trustedNamespaces" -}}
{{- if .Values.operator.trustedNamespaces }}
{{- join "," .Values.operator.trustedNamespaces }}
{{- else }}
{{- .Release.Namespace }}
{{- end }}
{{- end }}

{{/* The namespaced rules the operator needs, wherever it reconciles RegistryCredentials. */}}
{{- define "pullsecret-operator.namespacedRules" -}}
# RegistryCredentials: read through an informer; the finalizer is added with server-side apply and
# removed with a JSON patch (get: a fresh read after a conflict). No update. No
# registrycredentials/finalizers: that is checked (by OwnerReferencesPermissionEnforcement) only
# for an object naming a RegistryCredential as a blocking owner, and the operator writes none.
- apiGroups: ["pullsecrets.io"]
  resources: ["registrycredentials"]
  verbs: ["get", "list", "watch", "patch"]
# Status: server-side apply on the status subresource. No update.
- apiGroups: ["pullsecrets.io"]
  resources: ["registrycredentials/status"]
  verbs: ["patch"]
# Managed pull secrets (create/update/delete), source secrets (read, by name). No patch.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "update", "delete"]
# imagePullSecrets entries are added and removed with JSON patches.
- apiGroups: [""]
  resources: ["serviceaccounts"]
  verbs: ["get", "list", "watch", "patch"]
# Cloud web identity: a short-lived token of a service account named in a RegistryCredential.
- apiGroups: [""]
  resources: ["serviceaccounts/token"]
  verbs: ["create"]
# Events: its own are created; failed pulls on pods are watched for pull health (two informers,
# reason Failed and BackOff, selected by the API server).
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "list", "watch"]
# Pull health: the ServiceAccount of a pod whose pull failed, read by name once per pod (pods are
# not listed nor cached).
{{- if .Values.rbac.healPods }}
# Healing (spec.healPods, rbac.healPods): a controller-owned pod admitted before its ServiceAccount
# carried the Secret is deleted, by name, for its controller to create it again.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "delete"]
{{- else }}
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get"]
{{- end }}
{{- end }}

{{- define "pullsecret-operator.clusterCredentialRules" -}}
# ClusterRegistryCredentials (a cluster install only: with watched namespaces the operator does not
# serve them): as RegistryCredentials, read through an informer, finalizer and status patched.
- apiGroups: ["pullsecrets.io"]
  resources: ["clusterregistrycredentials"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["pullsecrets.io"]
  resources: ["clusterregistrycredentials/status"]
  verbs: ["patch"]
{{- end }}

{{- define "pullsecret-operator.namespaceRules" -}}
# Namespaces: read through an informer only (never one by name).
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["list", "watch"]
{{- end }}

{{/* A Prometheus duration (1h, 30m, 90s, 1h30m, 2d) in seconds. */}}
{{- define "pullsecret-operator.seconds" -}}
{{- $total := 0 }}
{{- range $part := regexFindAll "[0-9]+(ms|s|m|h|d|w|y)" . -1 }}
{{- $n := int (regexFind "^[0-9]+" $part) }}
{{- $unit := regexFind "(ms|s|m|h|d|w|y)$" $part }}
{{- $mult := get (dict "ms" 0 "s" 1 "m" 60 "h" 3600 "d" 86400 "w" 604800 "y" 31536000) $unit }}
{{- $total = add $total (mul $n $mult) }}
{{- end }}
{{- $total }}
{{- end }}

{{/* Whether the operator serves TLS (the webhook, or authenticated metrics): its certificate's Secret and RBAC. */}}
{{- define "pullsecret-operator.servesTls" -}}
{{- if or .Values.webhook.enabled .Values.metrics.secure }}true{{- end }}
{{- end }}

{{/* The troubleshooting entry of an alert: (list . "anchor"). */}}
{{- define "pullsecret-operator.runbook" -}}
{{- $root := index . 0 }}
{{- printf "%s/troubleshooting/#%s" (trimSuffix "/" $root.Values.metrics.prometheusRule.runbookBaseURL) (index . 1) }}
{{- end }}
