{{/*
Combinations the schema cannot express. Included by NOTES.txt and by the copier Deployment, so
both `helm install` and `helm template` stop with one clear line before anything is applied.
*/}}
{{- define "heavysync.validate" -}}
{{- $v := .Values -}}
{{- if not $v.state.existingSecret -}}
{{- fail "heavysync: state.existingSecret is required: the name of a Secret holding the postgres:// state URL (never put the URL in values)" -}}
{{- end -}}
{{- if and (eq $v.queue.kind "sqs") (not $v.queue.sqs.queueUrl) -}}
{{- fail "heavysync: queue.kind is sqs but queue.sqs.queueUrl is empty" -}}
{{- end -}}
{{- if and (eq $v.queue.kind "pubsub") (or (not $v.queue.pubsub.project) (not $v.queue.pubsub.subscription)) -}}
{{- fail "heavysync: queue.kind is pubsub: set queue.pubsub.project and queue.pubsub.subscription" -}}
{{- end -}}
{{- if and $v.copier.keda.enabled (not (kindIs "invalid" $v.copier.replicas)) -}}
{{- fail "heavysync: copier.replicas is set while copier.keda.enabled is true: KEDA owns the replica count; unset copier.replicas (or disable KEDA)" -}}
{{- end -}}
{{- if and $v.copier.keda.enabled (lt (int $v.copier.keda.maxReplicaCount) (int $v.copier.keda.minReplicaCount)) -}}
{{- fail "heavysync: copier.keda.maxReplicaCount is below minReplicaCount" -}}
{{- end -}}
{{- if and $v.copier.keda.enabled (eq $v.copier.keda.authentication.mode "secret") (not $v.copier.keda.authentication.secretName) (ne $v.queue.kind "postgres") -}}
{{- fail "heavysync: copier.keda.authentication.mode is secret but copier.keda.authentication.secretName is empty" -}}
{{- end -}}
{{- if le (int $v.queue.leaseSeconds) (int $v.copier.drainTimeoutSeconds) -}}
{{- fail "heavysync: queue.leaseSeconds must exceed copier.drainTimeoutSeconds, or a draining copier's messages are handed to another copier" -}}
{{- end -}}
{{- if and (eq $v.queue.kind "pubsub") (gt (int $v.queue.leaseSeconds) 600) -}}
{{- fail "heavysync: queue.leaseSeconds is at most 600 for pubsub (Pub/Sub's longest ack deadline)" -}}
{{- end -}}
{{- if and (eq $v.queue.kind "pubsub") (lt (int $v.queue.leaseSeconds) 10) -}}
{{- fail "heavysync: queue.leaseSeconds is at least 10 for pubsub (Pub/Sub's shortest ack deadline)" -}}
{{- end -}}
{{- $names := dict -}}
{{- range $v.jobs -}}
{{- if hasKey $names .name -}}
{{- fail (printf "heavysync: job %q is defined twice in jobs" .name) -}}
{{- end -}}
{{- $_ := set $names .name true -}}
{{- end -}}
{{- /* CronJob names are lower-cased, '_' and '.' become '-', and long names are cut: two jobs may end up with one name. */ -}}
{{- $cronJobs := dict (include "heavysync.finalizerName" .) "the finalizer" -}}
{{- range $v.jobs -}}
{{- $cronJob := include "heavysync.listerName" (dict "root" $ "name" .name) -}}
{{- if hasKey $cronJobs $cronJob -}}
{{- fail (printf "heavysync: the lister CronJob of job %q would be named %q like %s's; rename one of the jobs" .name $cronJob (get $cronJobs $cronJob)) -}}
{{- end -}}
{{- $_ := set $cronJobs $cronJob (printf "job %q" .name) -}}
{{- end -}}
{{- end -}}
