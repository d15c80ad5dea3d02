{{/* Names, labels and the pod template every role shares. */}}

{{- define "heavysync.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* release-chart, at most 52 characters: CronJob names get suffixes and Job names stay under 63. */}}
{{- define "heavysync.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
CronJob names: at most 52 characters (Kubernetes adds an 11-character suffix to each Job it
starts). The fullname part is cut to leave room for the role and the job, so two names can only
clash through the job part; heavysync.validate fails on any clash.
*/}}
{{- define "heavysync.finalizerName" -}}
{{- printf "%s-finalizer" (include "heavysync.fullname" . | trunc 42 | trimSuffix "-") -}}
{{- end -}}

{{/* The Kubernetes form of a job name: lower case, '_' and '.' as '-'. */}}
{{- define "heavysync.jobSuffix" -}}
{{- . | lower | replace "_" "-" | replace "." "-" -}}
{{- end -}}

{{/*
A job's lister CronJob name. Call with a dict: root (the chart context), name (the job's name).
A name too long is cut and ends in a hash of the job's name, so long names that share a prefix
stay apart.
*/}}
{{- define "heavysync.listerName" -}}
{{- $name := printf "%s-lister-%s" (include "heavysync.fullname" .root | trunc 30 | trimSuffix "-") (include "heavysync.jobSuffix" .name) -}}
{{- if gt (len $name) 52 -}}
{{- $name = printf "%s-%s" ($name | trunc 45 | trimSuffix "-") (sha256sum .name | trunc 6) -}}
{{- end -}}
{{- $name -}}
{{- end -}}

{{- define "heavysync.selectorLabels" -}}
app.kubernetes.io/name: {{ include "heavysync.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "heavysync.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "heavysync.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "heavysync.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "heavysync.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "heavysync.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The HEAVYSYNC_QUEUE value of the configured queue kind. */}}
{{- define "heavysync.queueSetting" -}}
{{- if eq .Values.queue.kind "sqs" -}}
{{- .Values.queue.sqs.queueUrl -}}
{{- else if eq .Values.queue.kind "pubsub" -}}
{{- printf "pubsub://projects/%s/subscriptions/%s" .Values.queue.pubsub.project .Values.queue.pubsub.subscription -}}
{{- else -}}
postgres
{{- end -}}
{{- end -}}

{{/*
Environment of every role. The state URL comes from a Secret reference only; settings use their
HEAVYSYNC_* names (one setting, every surface), clouds and telemetry their own standard names.
*/}}
{{- define "heavysync.env" -}}
{{- $root := .root -}}
- name: HEAVYSYNC_STATE
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.state.existingSecret | quote }}
      key: {{ $root.Values.state.secretKey | quote }}
- name: HEAVYSYNC_QUEUE
  value: {{ include "heavysync.queueSetting" $root | quote }}
- name: HEAVYSYNC_QUEUE_LEASE
  value: {{ printf "%ds" (int $root.Values.queue.leaseSeconds) | quote }}
{{- if and (eq $root.Values.queue.kind "sqs") $root.Values.queue.sqs.region }}
- name: HEAVYSYNC_QUEUE_REGION
  value: {{ $root.Values.queue.sqs.region | quote }}
{{- end }}
{{- if and (eq $root.Values.queue.kind "sqs") $root.Values.queue.sqs.endpoint }}
- name: HEAVYSYNC_QUEUE_ENDPOINT
  value: {{ $root.Values.queue.sqs.endpoint | quote }}
{{- end }}
{{- if $root.Values.configMap.name }}
- name: HEAVYSYNC_CONFIG
  value: {{ printf "/etc/heavysync/config/%s" $root.Values.configMap.key | quote }}
{{- end }}
{{- if $root.Values.aws.region }}
- name: AWS_REGION
  value: {{ $root.Values.aws.region | quote }}
{{- end }}
{{- if $root.Values.gcp.project }}
- name: GOOGLE_CLOUD_PROJECT
  value: {{ $root.Values.gcp.project | quote }}
{{- end }}
{{- /* No OTEL_SERVICE_NAME: each role then names itself heavysync-ROLE (heavysync-lister, heavysync-copier, ...); the release is the service.namespace. */}}
{{- $attributes := printf "heavysync.role=%s,service.namespace=%s,k8s.namespace.name=%s" .role (default $root.Release.Name $root.Values.telemetry.serviceNamespace) $root.Release.Namespace }}
{{- if $root.Values.telemetry.resourceAttributes }}
{{- $attributes = printf "%s,%s" $attributes $root.Values.telemetry.resourceAttributes }}
{{- end }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ $attributes | quote }}
{{- if $root.Values.telemetry.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ $root.Values.telemetry.otlpEndpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ $root.Values.telemetry.otlpProtocol | quote }}
{{- end }}
- name: HEAVYSYNC_LOG_FORMAT
  value: {{ $root.Values.logFormat | quote }}
{{- with $root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
One HeavySync container. Call with a dict: root (the chart context), name, role, args (the
heavysync command line), env (extra EnvVars), resources, ports, probes, jobsFile (mount the jobs
ConfigMap).
*/}}
{{- define "heavysync.container" -}}
{{- $root := .root -}}
- name: {{ .name }}
  image: {{ include "heavysync.image" $root }}
  imagePullPolicy: {{ $root.Values.image.pullPolicy }}
  args:
    {{- toYaml .args | nindent 4 }}
  env:
    {{- include "heavysync.env" (dict "root" $root "role" .role) | nindent 4 }}
    {{- with .env }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $root.Values.envFromSecrets }}
  envFrom:
    {{- range . }}
    - secretRef:
        name: {{ . | quote }}
    {{- end }}
  {{- end }}
  {{- with .ports }}
  ports:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .probes }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
  resources:
    {{- toYaml (default dict .resources) | nindent 4 }}
  securityContext:
    {{- toYaml $root.Values.securityContext | nindent 4 }}
  volumeMounts:
    - name: tmp
      mountPath: /tmp
    {{- if $root.Values.configMap.name }}
    - name: config
      mountPath: /etc/heavysync/config
      readOnly: true
    {{- end }}
    {{- if .jobsFile }}
    - name: jobs
      mountPath: /etc/heavysync/jobs
      readOnly: true
    {{- end }}
    {{- with $root.Values.extraVolumeMounts }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}

{{/*
The pod spec every role shares. Call with a dict: root, role, args, restartPolicy, and optionally
env, resources, ports, probes, terminationGracePeriodSeconds, and initArgs (a first container of
the same image, e.g. applying the job definitions before the lister runs).
*/}}
{{- define "heavysync.podSpec" -}}
{{- $root := .root -}}
serviceAccountName: {{ include "heavysync.serviceAccountName" $root }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
restartPolicy: {{ .restartPolicy }}
{{- with .terminationGracePeriodSeconds }}
terminationGracePeriodSeconds: {{ . }}
{{- end }}
{{- if .initArgs }}
initContainers:
  {{- include "heavysync.container" (dict "root" $root "name" "apply-jobs" "role" .role "args" .initArgs "resources" .resources "jobsFile" true) | nindent 2 }}
{{- end }}
containers:
  {{- include "heavysync.container" (dict "root" $root "name" .role "role" .role "args" .args "env" .env "resources" .resources "ports" .ports "probes" .probes) | nindent 2 }}
volumes:
  - name: tmp
    emptyDir: {}
  {{- if $root.Values.configMap.name }}
  - name: config
    configMap:
      name: {{ $root.Values.configMap.name }}
  {{- end }}
  {{- if .initArgs }}
  - name: jobs
    configMap:
      name: {{ include "heavysync.fullname" $root }}-jobs
  {{- end }}
  {{- with $root.Values.extraVolumes }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- with $root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Pod metadata every role shares. */}}
{{- define "heavysync.podMetadata" -}}
labels:
  {{- include "heavysync.selectorLabels" .root | nindent 2 }}
  app.kubernetes.io/component: {{ .role }}
  {{- with .root.Values.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- with .root.Values.podAnnotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
