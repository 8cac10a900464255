{{/*
Names, labels, images, GPU resources, placement and security contexts. Templates stay thin:
everything that is computed lives here (and in _env.tpl, _validate.tpl).
*/}}

{{/* Chart name, overridable. */}}
{{- define "emer.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-wide prefix of every resource name; short enough to leave room for a suffix. */}}
{{- define "emer.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 45 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 45 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 45 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's resources. Call with (dict "root" $ "component" "visual"). */}}
{{- define "emer.componentName" -}}
{{- printf "%s-%s" (include "emer.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "emer.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every resource. Call with (dict "root" $ "component" "visual"). */}}
{{- define "emer.labels" -}}
helm.sh/chart: {{ include "emer.chart" .root }}
{{ include "emer.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: emer
{{- end -}}

{{/* Labels that select one component's pods; stable across upgrades. */}}
{{- define "emer.selectorLabels" -}}
app.kubernetes.io/name: {{ include "emer.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "emer.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "emer.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Name of the ConfigMap holding the configuration every service shares. */}}
{{- define "emer.configName" -}}
{{- include "emer.componentName" (dict "root" . "component" "config") -}}
{{- end -}}

{{/* Services that may run on a GPU; text and scoring are CPU only. */}}
{{- define "emer.gpuCapableServices" -}}
{{- list "visual" "audio" "fusion" | toJson -}}
{{- end -}}

{{/* Whether a service runs on a GPU. Call with (dict "root" $ "name" "audio" "svc" $svc). */}}
{{- define "emer.gpuEnabled" -}}
{{- if and (dig "gpu" "enabled" false .svc) (has .name (include "emer.gpuCapableServices" . | fromJsonArray)) -}}
true
{{- end -}}
{{- end -}}

{{/*
Settings a service needs to actually use its GPU (emer_<service>.settings); the service's own
`env` overrides them. Call with the service name; returns a JSON map.
*/}}
{{- define "emer.gpuServiceEnv" -}}
{{- $defaults := dict
  "visual" (dict "EMER_VISUAL_BACKEND" "clip" "EMER_VISUAL_CLIP_DEVICE" "cuda")
  "audio" (dict "EMER_AUDIO_ASR_DEVICE" "cuda" "EMER_AUDIO_ASR_COMPUTE_TYPE" "float16" "EMER_AUDIO_EMOTION_DEVICE" "cuda")
  "fusion" (dict "EMER_FUSION_DEVICE" "cuda")
-}}
{{- get $defaults . | default dict | toJson -}}
{{- end -}}

{{/*
Paths of the small CPU default models in the model cache volume (layout written by
deploy/export-default-models.sh). Call with (dict "root" $ "name" "audio"); returns a JSON map.
*/}}
{{- define "emer.defaultModelEnv" -}}
{{- $dir := printf "%s/emer" (.root.Values.modelCache.mountPath | trimSuffix "/") -}}
{{- $defaults := dict
  "visual" (dict "EMER_VISUAL_FACE_LANDMARKER_PATH" (printf "%s/face_landmarker.task" $dir) "EMER_VISUAL_FER_MODEL_PATH" (printf "%s/emotion_model_quantized.tflite" $dir))
  "audio" (dict "EMER_AUDIO_ASR_MODEL" (printf "%s/whisper-tiny.en" $dir))
  "fusion" (dict "EMER_FUSION_MODEL_PATH" (printf "%s/SmolLM2-135M-Instruct.Q4_1.gguf" $dir))
-}}
{{- get $defaults .name | default dict | toJson -}}
{{- end -}}

{{/*
Image reference. Call with (dict "root" $ "image" $image "gpu" "true"|""). The tag defaults to
image.tag or the appVersion, plus image.cudaTagSuffix for GPU services.
*/}}
{{- define "emer.image" -}}
{{- $root := .root -}}
{{- $registry := .image.registry | default $root.Values.image.registry -}}
{{- $tag := .image.tag -}}
{{- if not $tag -}}
{{- $tag = printf "%s%s" ($root.Values.image.tag | default $root.Chart.AppVersion) (ternary $root.Values.image.cudaTagSuffix "" (eq (toString .gpu) "true")) -}}
{{- end -}}
{{- $ref := printf "%s:%s" .image.repository $tag -}}
{{- if $registry -}}
{{- $ref = printf "%s/%s" (trimSuffix "/" $registry) $ref -}}
{{- end -}}
{{- if .image.digest -}}
{{- $ref = printf "%s@%s" $ref .image.digest -}}
{{- end -}}
{{- $ref -}}
{{- end -}}

{{/* Image of the emer command line (hook Job, test pod). */}}
{{- define "emer.cliImage" -}}
{{- include "emer.image" (dict "root" . "image" .Values.cliImage "gpu" "") -}}
{{- end -}}

{{/*
Pull policy of one image: image.pullPolicy when set; otherwise IfNotPresent for an image pinned
by digest and Always for a tag, so a rebuild pushed under the same tag reaches new pods.
Call with (dict "root" $ "image" $image).
*/}}
{{- define "emer.pullPolicy" -}}
{{- .root.Values.image.pullPolicy | default (ternary "IfNotPresent" "Always" (not (empty .image.digest))) -}}
{{- end -}}

{{/*
Container resources; GPU services get `<gpu.resourceName>: count` limits (extended resources
need no request: it defaults to the limit). Call with (dict "root" $ "resources" $r "gpuCount" n)
where gpuCount is 0 for CPU pods.
*/}}
{{- define "emer.resources" -}}
{{- $res := deepCopy (.resources | default dict) -}}
{{- if gt (int .gpuCount) 0 -}}
{{- $limits := deepCopy (get $res "limits" | default dict) -}}
{{- $_ := set $limits .root.Values.gpu.resourceName (toString (int .gpuCount)) -}}
{{- $_ := set $res "limits" $limits -}}
{{- end -}}
{{- toYaml $res -}}
{{- end -}}

{{/*
Scheduling fields of a pod spec. GPU pods get the gpu block's nodeSelector, tolerations and
runtimeClassName on top of their own. Call with (dict "root" $ "spec" $svc "gpu" "true"|"").
*/}}
{{- define "emer.placement" -}}
{{- $gpu := eq (toString .gpu) "true" -}}
{{- $nodeSelector := deepCopy (.spec.nodeSelector | default dict) -}}
{{- $tolerations := .spec.tolerations | default list -}}
{{- if $gpu -}}
{{- $nodeSelector = merge $nodeSelector (.root.Values.gpu.nodeSelector | default dict) -}}
{{- $tolerations = concat $tolerations (.root.Values.gpu.tolerations | default list) -}}
{{- end -}}
{{- with $nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- $affinity := deepCopy (.spec.affinity | default dict) -}}
{{- if and $gpu .root.Values.gpu.preferredNodeLabels (not (hasKey $affinity "nodeAffinity")) -}}
{{- $expressions := list -}}
{{- range $key, $value := .root.Values.gpu.preferredNodeLabels -}}
{{- $expressions = append $expressions (dict "key" $key "operator" "In" "values" (list (toString $value))) -}}
{{- end -}}
{{- $preferred := list (dict "weight" 50 "preference" (dict "matchExpressions" $expressions)) -}}
{{- $_ := set $affinity "nodeAffinity" (dict "preferredDuringSchedulingIgnoredDuringExecution" $preferred) -}}
{{- end -}}
{{- with $affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .spec.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if and $gpu .root.Values.gpu.runtimeClassName }}
runtimeClassName: {{ .root.Values.gpu.runtimeClassName }}
{{- end }}
{{- with .root.Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- end -}}

{{/* Pod-level security and pull secrets of every pod, hooks included. */}}
{{- define "emer.podSecurity" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Pod-level fields of the long-running pods (the ServiceAccount exists by then). */}}
{{- define "emer.podCommon" -}}
serviceAccountName: {{ include "emer.serviceAccountName" . }}
{{ include "emer.podSecurity" . }}
{{- end -}}

{{/* Container security context: the restricted profile from values. */}}
{{- define "emer.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext -}}
{{- end -}}

{{/* Writable /tmp: the only writable path besides mounted volumes. */}}
{{- define "emer.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}

{{/*
JetStream stream + durable consumer(s) one service pulls from, derived from the subject prefix
exactly as emer_common.bus.topology names them. Call with (dict "root" $ "name" "text").
Returns a JSON list of {stream, consumer}.
*/}}
{{- define "emer.consumers" -}}
{{- $p := .root.Values.bus.subjectPrefix -}}
{{- $P := upper $p -}}
{{- $jobs := printf "%s_JOBS" $P -}}
{{- $clues := printf "%s_CLUES" $P -}}
{{- $results := printf "%s_RESULTS" $P -}}
{{- $targets := dict
  "visual" (list (dict "stream" $jobs "consumer" (printf "%s-visual" $p)))
  "audio" (list (dict "stream" $jobs "consumer" (printf "%s-audio" $p)))
  "text" (list
    (dict "stream" $jobs "consumer" (printf "%s-text" $p))
    (dict "stream" $clues "consumer" (printf "%s-text-transcripts" $p)))
  "fusion" (list (dict "stream" $clues "consumer" (printf "%s-fusion" $p)))
  "scoring" (list (dict "stream" $results "consumer" (printf "%s-scoring" $p)))
-}}
{{- get $targets .name | toJson -}}
{{- end -}}

{{/* "true" when KEDA may scale a clue service (visual, audio, text) down to zero replicas. */}}
{{- define "emer.scalesFromZero" -}}
{{- if .Values.keda.enabled -}}
{{- range $name := list "visual" "audio" "text" -}}
{{- $svc := get $.Values.services $name -}}
{{- if and $svc.enabled $svc.autoscaling.enabled (eq (int $svc.autoscaling.minReplicas) 0) -}}true{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* KEDA's account of the streams: "$G" unless NATS accounts (JWT) are configured. */}}
{{- define "emer.kedaAccount" -}}
{{- .Values.keda.account | default "$G" -}}
{{- end -}}

{{/* Name of a service's metrics Service (what the ServiceMonitor scrapes). */}}
{{- define "emer.metricsServiceName" -}}
{{- printf "%s-metrics" (include "emer.componentName" .) -}}
{{- end -}}

{{/* What KEDA scales a service on: fusion's autoscaling.signal, "lag" for the others. */}}
{{- define "emer.scalingSignal" -}}
{{- $svc := get .root.Values.services .component -}}
{{- if eq .component "fusion" -}}{{- $svc.autoscaling.signal | default "readyClips" -}}{{- else -}}lag{{- end -}}
{{- end -}}

{{/* PromQL of fusion's clips ready to fuse; every fusion replica exports the same count. */}}
{{- define "emer.fusionReadyQuery" -}}
{{- $p := .Values.keda.prometheus -}}
{{- if $p.fusionReadyQuery -}}
{{- $p.fusionReadyQuery -}}
{{- else -}}
{{- $service := include "emer.metricsServiceName" (dict "root" . "component" "fusion") -}}
{{- printf "max(emer_fusion_clips_ready{namespace=%q,service=%q})" .Release.Namespace $service -}}
{{- end -}}
{{- end -}}

{{/* Name of the vLLM Service / Deployment. */}}
{{- define "emer.vllmName" -}}
{{- include "emer.componentName" (dict "root" . "component" "vllm") -}}
{{- end -}}

{{/* In-cluster OpenAI-compatible base URL of this release's vLLM. */}}
{{- define "emer.vllmBaseUrl" -}}
{{- printf "http://%s.%s.svc:%d/v1" (include "emer.vllmName" .) .Release.Namespace (int .Values.vllm.port) -}}
{{- end -}}

{{/* Volume of the model cache: a PVC or an emptyDir. */}}
{{- define "emer.modelCacheVolume" -}}
- name: model-cache
{{- if .Values.modelCache.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.modelCache.existingClaim }}
{{- else if .Values.modelCache.create }}
  persistentVolumeClaim:
    claimName: {{ include "emer.componentName" (dict "root" . "component" "models") }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end -}}

{{/*
Init container that copies the CPU default models from the CLI image into the model cache
(missing files only), for the services that read them. Call with (dict "root" $ "name" n).
*/}}
{{- define "emer.seedModelsInit" -}}
{{- $v := .root.Values -}}
{{- if and $v.modelCache.defaultModels $v.modelCache.seed.enabled (not $v.modelCache.readOnly) (include "emer.defaultModelEnv" . | fromJson) }}
- name: seed-models
  image: {{ include "emer.cliImage" .root }}
  imagePullPolicy: {{ include "emer.pullPolicy" (dict "root" .root "image" $v.cliImage) }}
  command: ["seed-models", "/opt/emer/models", {{ $v.modelCache.mountPath | quote }}]
  resources:
    {{- toYaml $v.modelCache.seed.resources | nindent 4 }}
  securityContext:
    {{- include "emer.containerSecurityContext" .root | nindent 4 }}
  volumeMounts:
    - name: tmp
      mountPath: /tmp
    - name: model-cache
      mountPath: {{ $v.modelCache.mountPath }}
{{- end }}
{{- end -}}

{{/* Whether the model cache is persistent (a PVC) rather than a per-pod emptyDir. */}}
{{- define "emer.modelCachePersistent" -}}
{{- if or .Values.modelCache.existingClaim .Values.modelCache.create -}}true{{- end -}}
{{- end -}}

{{/* Egress every bus client needs: DNS, NATS, and networkPolicy.extraEgress. */}}
{{- define "emer.egressBase" -}}
{{- $np := .Values.networkPolicy -}}
- ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
- ports:
    - port: {{ $np.natsPort }}
      protocol: TCP
  {{- with $np.natsPeers }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- with $np.extraEgress }}
{{ toYaml . }}
{{- end }}
{{- end -}}
