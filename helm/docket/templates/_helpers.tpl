{{/*
The chart's name, shortened to the 63 characters a Kubernetes label value may hold.
*/}}
{{- define "docket.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The fully qualified name of the release's objects. It is truncated to 63 characters because some
Kubernetes name fields are limited to that (the DNS naming specification); a release name that
already contains the chart name is used as it is.
*/}}
{{- define "docket.fullname" -}}
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
Chart name and version, as used by the helm.sh/chart label.
*/}}
{{- define "docket.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels every object of the release carries.
*/}}
{{- define "docket.labels" -}}
helm.sh/chart: {{ include "docket.chart" . }}
{{ include "docket.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels. They must not change between upgrades, since a Deployment's selector is immutable.
*/}}
{{- define "docket.selectorLabels" -}}
app.kubernetes.io/name: {{ include "docket.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The service account the pods run as: the chart's own when it creates one, else the named one.
*/}}
{{- define "docket.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "docket.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image of both programs: one image holds docket-scheduler and docket-worker. The tag defaults
to the chart's appVersion so that the chart and the programs it was written for go together.
*/}}
{{- define "docket.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The ConfigMap holding the national configuration: the operator's own, or the chart's copy of
config/national.
*/}}
{{- define "docket.configMapName" -}}
{{- default (printf "%s-config" (include "docket.fullname" .)) .Values.config.existingConfigMap }}
{{- end }}

{{/*
The worker endpoint desks connect to: the Service, whose only ready endpoint is the leader.
*/}}
{{- define "docket.workerEndpoint" -}}
{{- printf "tcp://%s.%s.svc:%v" (include "docket.fullname" .) .Release.Namespace .Values.scheduler.ports.workers }}
{{- end }}
