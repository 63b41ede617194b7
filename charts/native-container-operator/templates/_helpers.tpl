{{/* Names and labels shared by every template. */}}

{{- define "nco.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "nco.fullname" -}}
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

{{- define "nco.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nco.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "nco.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "nco.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "nco.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "nco.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "nco.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Docker host socket is owned by root:docker; without its group id, only uid 0 can open it. */}}
{{- define "nco.runsAsRoot" -}}
{{- if and (eq .Values.docker.mode "socket") (kindIs "invalid" .Values.docker.socket.groupId) }}true{{ end }}
{{- end }}

{{- define "nco.podSecurityContext" -}}
{{- $ctx := dict "seccompProfile" (dict "type" "RuntimeDefault") }}
{{- if include "nco.runsAsRoot" . }}
{{- $_ := set $ctx "runAsNonRoot" false }}
{{- $_ := set $ctx "runAsUser" 0 }}
{{- $_ := set $ctx "runAsGroup" 0 }}
{{- else }}
{{- $_ := set $ctx "runAsNonRoot" true }}
{{- $_ := set $ctx "runAsUser" 65532 }}
{{- $_ := set $ctx "runAsGroup" 65532 }}
{{- $_ := set $ctx "fsGroup" 65532 }}
{{- if eq .Values.docker.mode "socket" }}
{{- $_ := set $ctx "supplementalGroups" (list (int64 .Values.docker.socket.groupId)) }}
{{- end }}
{{- end }}
{{- toYaml (mergeOverwrite $ctx .Values.podSecurityContext) }}
{{- end }}

{{- define "nco.securityContext" -}}
{{- $ctx := dict "allowPrivilegeEscalation" false "privileged" false "readOnlyRootFilesystem" true "capabilities" (dict "drop" (list "ALL")) }}
{{- toYaml (mergeOverwrite $ctx .Values.securityContext) }}
{{- end }}

{{/* Rules of the operator in the namespaces it manages: exactly the calls it makes. */}}
{{- define "nco.managerRules" -}}
- apiGroups: [nativecontainer.io]
  resources: [nativecontainers]
  verbs: [get, list, watch, update, patch]
- apiGroups: [nativecontainer.io]
  resources: [nativecontainers/status]
  verbs: [get, update, patch]
- apiGroups: [nativecontainer.io]
  resources: [nativecontainers/finalizers]
  verbs: [update]
- apiGroups: [nativecontainer.io]
  resources: [imagebuilds]
  verbs: [get, list, watch, update, patch]
- apiGroups: [nativecontainer.io]
  resources: [imagebuilds/status]
  verbs: [get, update, patch]
- apiGroups: [nativecontainer.io]
  resources: [imagebuilds/finalizers]
  verbs: [update]
- apiGroups: [nativecontainer.io]
  resources: [containersecrets]
  verbs: [get, list, watch]
- apiGroups: [nativecontainer.io]
  resources: [containersecrets/status]
  verbs: [get, update, patch]
- apiGroups: ['']
  resources: [secrets, configmaps]
  verbs: [get, list, watch]
- apiGroups: ['']
  resources: [events]
  verbs: [create, patch]
{{- end }}

{{/*
The subresource API is on when enabled is true, or "auto" (the default) and the operator watches
every namespace: it needs cluster-wide objects (an APIService, SubjectAccessReviews), which a
namespaced install (watchNamespaces) otherwise never creates.
*/}}
{{- define "nco.subresources" -}}
{{- $on := .Values.subresources.enabled }}
{{- if or (eq (toString $on) "true") (and (eq (toString $on) "auto") (not .Values.watchNamespaces)) }}true{{ end }}
{{- end }}
