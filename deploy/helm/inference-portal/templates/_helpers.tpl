{{/*
Expand the name of the chart.
*/}}
{{- define "inference-portal.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name (63 characters at most: some
Kubernetes name fields are limited to this by the DNS naming spec).
If the release name contains the chart name it is used as the full name.
*/}}
{{- define "inference-portal.fullname" -}}
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

{{/*
Name of cluster-scoped objects (ClusterRoles, ClusterRoleBindings): the
release namespace is part of it, so two releases of the same name in two
namespaces do not collide.
*/}}
{{- define "inference-portal.clusterName" -}}
{{- printf "%s-%s" (include "inference-portal.fullname" .) .Release.Namespace | trunc 200 | trimSuffix "-" }}
{{- end }}

{{/*
Chart name and version as used by the chart label.
*/}}
{{- define "inference-portal.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "inference-portal.labels" -}}
helm.sh/chart: {{ include "inference-portal.chart" . }}
{{ include "inference-portal.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/component: control-plane
app.kubernetes.io/part-of: inference-portal
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels.
*/}}
{{- define "inference-portal.selectorLabels" -}}
app.kubernetes.io/name: {{ include "inference-portal.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Name of the service account to use.
*/}}
{{- define "inference-portal.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "inference-portal.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Container image reference: repository:tag, or repository@digest when a digest
is pinned.
*/}}
{{- define "inference-portal.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Whether the SQLite database is used.
*/}}
{{- define "inference-portal.sqlite" -}}
{{- if eq .Values.portal.database.provider "Sqlite" }}true{{- end }}
{{- end }}

{{/*
Whether the chart creates its own Secret: only when no existingSecret is
named and there is something secret to hold.
*/}}
{{- define "inference-portal.createSecret" -}}
{{- if not .Values.existingSecret }}
{{- $auth := .Values.portal.auth }}
{{- $pg := .Values.portal.database.postgresql }}
{{- if or $auth.bootstrapAdmin.email $auth.bootstrapApiKey (and (eq .Values.portal.database.provider "PostgreSql") $pg.connectionString (not $pg.existingSecret)) }}true{{- end }}
{{- end }}
{{- end }}

{{/*
Name of the Secret the pod takes its secret settings from (empty: none).
*/}}
{{- define "inference-portal.secretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else if include "inference-portal.createSecret" . }}
{{- include "inference-portal.fullname" . }}
{{- end }}
{{- end }}

{{/*
Refuse combinations that install but cannot work. values.schema.json says the
same; these checks also hold when schema validation is skipped.
*/}}
{{- define "inference-portal.validate" -}}
{{- $db := .Values.portal.database.provider }}
{{- if and (gt (int .Values.replicaCount) 1) (eq $db "Sqlite") }}
{{- fail "replicaCount > 1 needs portal.database.provider=PostgreSql: the SQLite file is on a ReadWriteOnce volume that only one pod can write" }}
{{- end }}
{{- if and (gt (int .Values.replicaCount) 1) (eq .Values.portal.hangfire.storage "InMemory") }}
{{- fail "replicaCount > 1 needs portal.hangfire.storage=PostgreSql: in-memory job storage is private to each pod, so two pods could run jobs for the same deployment at once" }}
{{- end }}
{{- if and (eq .Values.portal.hangfire.storage "PostgreSql") (ne $db "PostgreSql") }}
{{- fail "portal.hangfire.storage=PostgreSql keeps jobs in the portal's PostgreSQL database: set portal.database.provider=PostgreSql" }}
{{- end }}
{{- if and (eq $db "PostgreSql") (not .Values.portal.database.postgresql.connectionString) (not .Values.portal.database.postgresql.existingSecret) (not .Values.existingSecret) }}
{{- fail "portal.database.provider=PostgreSql needs portal.database.postgresql.connectionString or portal.database.postgresql.existingSecret (or ConnectionStrings__Portal in existingSecret)" }}
{{- end }}
{{- if and .Values.rbac.create .Values.portal.kubernetes.createNamespaces (eq .Values.rbac.scope "Namespaced") }}
{{- fail "portal.kubernetes.createNamespaces=true needs rbac.scope=Cluster: rights cannot be bound in a namespace that does not exist yet" }}
{{- end }}
{{- if not .Values.portal.kubernetes.namespaces }}
{{- fail "portal.kubernetes.namespaces must name at least one namespace for the portal to manage" }}
{{- end }}
{{- end }}
