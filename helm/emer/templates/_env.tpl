{{/*
Environment of emer containers. Non-secret settings shared by every service live in one
ConfigMap (emer.sharedConfig); credentials only ever come from Secrets, as secretKeyRef env
or as files mounted from the Secret.
*/}}

{{/* Directory where bus credential files are mounted. */}}
{{- define "emer.natsAuthDir" -}}/var/run/secrets/emer/nats-auth{{- end -}}
{{- define "emer.natsTlsDir" -}}/var/run/secrets/emer/nats-tls{{- end -}}

{{/* Non-secret settings shared by all services, as a YAML map of env names to strings. */}}
{{- define "emer.sharedConfig" -}}
{{- $v := .Values -}}
EMER_NATS_URL: {{ $v.bus.url | quote }}
EMER_SUBJECT_PREFIX: {{ $v.bus.subjectPrefix | quote }}
EMER_STREAM_REPLICAS: {{ $v.bus.streamReplicas | toString | quote }}
EMER_MEDIA_ALLOWED_ROOTS: {{ ternary (list $v.media.mountPath | toJson) "[]" (not (empty $v.media.existingClaim)) | quote }}
EMER_MODEL_CACHE_DIR: {{ $v.modelCache.mountPath | quote }}
HF_HOME: {{ $v.modelCache.mountPath | quote }}
{{- if $v.modelCache.offline }}
HF_HUB_OFFLINE: "1"
TRANSFORMERS_OFFLINE: "1"
{{- end }}
EMER_WORKER_BATCH_SIZE: {{ $v.worker.batchSize | toString | quote }}
EMER_WORKER_MAX_IN_FLIGHT: {{ $v.worker.maxInFlight | toString | quote }}
EMER_WORKER_ACK_WAIT_S: {{ $v.worker.ackWaitSeconds | toString | quote }}
EMER_WORKER_MAX_DELIVER: {{ $v.worker.maxDeliver | toString | quote }}
EMER_LOG_FORMAT: {{ $v.logFormat | quote }}
{{- if $v.tracing.enabled }}
EMER_TRACING_ENABLED: "true"
OTEL_EXPORTER_OTLP_ENDPOINT: {{ $v.tracing.otlpEndpoint | quote }}
{{- end }}
{{- range $name, $value := $v.extraEnv }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* The shared settings as an env list, for hook and test pods that run before the ConfigMap. */}}
{{- define "emer.sharedEnvInline" -}}
{{- range $name, $value := (include "emer.sharedConfig" . | fromYaml) }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* Bus credentials: env that points at mounted files or reads one Secret key. */}}
{{- define "emer.busSecretEnv" -}}
{{- $auth := .Values.bus.auth -}}
{{- $dir := include "emer.natsAuthDir" . -}}
{{- if eq $auth.type "creds" }}
- name: EMER_NATS_CREDS_FILE
  value: {{ printf "%s/%s" $dir $auth.credsKey | quote }}
{{- else if eq $auth.type "nkey" }}
- name: EMER_NATS_NKEY_SEED_FILE
  value: {{ printf "%s/%s" $dir $auth.nkeySeedKey | quote }}
{{- else if eq $auth.type "userPassword" }}
- name: EMER_NATS_USER
  valueFrom:
    secretKeyRef:
      name: {{ $auth.existingSecret }}
      key: {{ $auth.userKey }}
- name: EMER_NATS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $auth.existingSecret }}
      key: {{ $auth.passwordKey }}
{{- else if eq $auth.type "token" }}
- name: EMER_NATS_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $auth.existingSecret }}
      key: {{ $auth.tokenKey }}
{{- end }}
{{- with .Values.bus.tls }}
{{- if .enabled }}
- name: EMER_NATS_TLS_CA_FILE
  value: {{ printf "%s/%s" (include "emer.natsTlsDir" $) .caKey | quote }}
{{- if and .certKey .keyKey }}
- name: EMER_NATS_TLS_CERT_FILE
  value: {{ printf "%s/%s" (include "emer.natsTlsDir" $) .certKey | quote }}
- name: EMER_NATS_TLS_KEY_FILE
  value: {{ printf "%s/%s" (include "emer.natsTlsDir" $) .keyKey | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Volumes holding bus credential files (creds / nkey auth, TLS). */}}
{{- define "emer.busSecretVolumes" -}}
{{- $auth := .Values.bus.auth -}}
{{- if has $auth.type (list "creds" "nkey") }}
- name: nats-auth
  secret:
    secretName: {{ $auth.existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ ternary $auth.credsKey $auth.nkeySeedKey (eq $auth.type "creds") }}
        path: {{ ternary $auth.credsKey $auth.nkeySeedKey (eq $auth.type "creds") }}
{{- end }}
{{- with .Values.bus.tls }}
{{- if .enabled }}
- name: nats-tls
  secret:
    secretName: {{ .existingSecret }}
    defaultMode: 0440
{{- end }}
{{- end }}
{{- end -}}

{{- define "emer.busSecretMounts" -}}
{{- if has .Values.bus.auth.type (list "creds" "nkey") }}
- name: nats-auth
  mountPath: {{ include "emer.natsAuthDir" . }}
  readOnly: true
{{- end }}
{{- if .Values.bus.tls.enabled }}
- name: nats-tls
  mountPath: {{ include "emer.natsTlsDir" . }}
  readOnly: true
{{- end }}
{{- end -}}

{{/* Fusion's LLM backend settings. Call with the root context. */}}
{{- define "emer.fusionEnv" -}}
{{- $f := .Values.services.fusion -}}
- name: EMER_FUSION_BACKEND
  value: {{ $f.backend | quote }}
{{- with $f.modelPath }}
- name: EMER_FUSION_MODEL_PATH
  value: {{ . | quote }}
{{- end }}
{{- if eq $f.backend "openai" }}
- name: EMER_FUSION_OPENAI_BASE_URL
  value: {{ $f.openai.baseUrl | default (include "emer.vllmBaseUrl" .) | quote }}
- name: EMER_FUSION_OPENAI_MODEL
  value: {{ $f.openai.model | default .Values.vllm.servedModelName | quote }}
{{- $keyRef := $f.openai.apiKeySecret -}}
{{- if and (not $keyRef.name) .Values.vllm.enabled (not $f.openai.baseUrl) -}}
{{- $keyRef = .Values.vllm.apiKeySecret -}}
{{- end }}
{{- if $keyRef.name }}
- name: EMER_FUSION_OPENAI_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $keyRef.name }}
      key: {{ $keyRef.key }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Env of one service container, on top of the shared ConfigMap: its health port, its worker
overrides, its own settings. Call with (dict "root" $ "name" "audio" "svc" $svc).
*/}}
{{- define "emer.serviceEnv" -}}
{{- $upper := upper .name -}}
- name: {{ printf "EMER_%s_HEALTH_PORT" $upper }}
  value: {{ .root.Values.health.port | toString | quote }}
{{- $workerEnv := dict "batchSize" "EMER_WORKER_BATCH_SIZE" "maxInFlight" "EMER_WORKER_MAX_IN_FLIGHT" "ackWaitSeconds" "EMER_WORKER_ACK_WAIT_S" "maxDeliver" "EMER_WORKER_MAX_DELIVER" -}}
{{- range $key, $value := (.svc.worker | default dict) }}
- name: {{ get $workerEnv $key }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- if eq .name "fusion" }}
{{ include "emer.fusionEnv" .root }}
{{- end }}
{{- $env := deepCopy (.svc.env | default dict) -}}
{{- if include "emer.gpuEnabled" . -}}
{{- $env = merge $env (include "emer.gpuServiceEnv" .name | fromJson) -}}
{{- end -}}
{{- if .root.Values.modelCache.defaultModels -}}
{{- $env = merge $env (include "emer.defaultModelEnv" (dict "root" .root "name" .name) | fromJson) -}}
{{- end -}}
{{- if and (eq .name "fusion") (include "emer.scalesFromZero" .root) -}}
{{- $env = merge $env (dict "EMER_FUSION_MODALITY_DEADLINE_S" (toString .root.Values.keda.scaleFromZeroDeadlineSeconds)) -}}
{{- end -}}
{{- range $name, $value := $env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- include "emer.busSecretEnv" .root }}
{{- end -}}
