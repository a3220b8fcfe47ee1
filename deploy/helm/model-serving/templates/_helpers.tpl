{{/* The deployment name: nameOverride, else the release name. */}}
{{- define "model-serving.fullname" -}}
{{- .Values.nameOverride | default .Release.Name | trunc 52 | trimSuffix "-" }}
{{- end }}

{{/* The framework's entry of .Values.engines; fails on an unknown framework. */}}
{{- define "model-serving.engine" -}}
{{- $engine := index .Values.engines .Values.framework -}}
{{- if not $engine }}
{{- fail (printf "framework must be one of: %s" (keys .Values.engines | sortAlpha | join ", ")) }}
{{- end }}
{{- toYaml $engine }}
{{- end }}

{{- define "model-serving.selectorLabels" -}}
app.kubernetes.io/instance: {{ include "model-serving.fullname" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "model-serving.labels" -}}
app.kubernetes.io/name: {{ .Values.framework }}
{{ include "model-serving.selectorLabels" . }}
app.kubernetes.io/component: inference
inference-portal.io/framework: {{ .Values.framework }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.labels }}
{{ toYaml . }}
{{- end }}
{{- end }}
