{{/*
Checks that values.schema.json cannot express. Each check returns "" or one message that says
what is wrong and how to fix it; emer.validateValues fails the render with all of them.
*/}}

{{- define "emer.validateValues" -}}
{{- $checks := list "bus" "images" "services" "gpu" "autoscaling" "keda" "tracing" "modelCache" "fusion" "vllm" "plainSecrets" "imageTags" "security" -}}
{{- $messages := list -}}
{{- range $checks -}}
{{- $message := include (printf "emer.validate.%s" .) $ | trim -}}
{{- if $message -}}{{- $messages = append $messages $message -}}{{- end -}}
{{- end -}}
{{- if $messages -}}
{{- fail (printf "\n\nemer: invalid values:\n%s\n" (join "\n" $messages)) -}}
{{- end -}}
{{- end -}}

{{- define "emer.validate.bus" -}}
{{- $bus := .Values.bus -}}
{{- if not $bus.url -}}
- bus.url is empty. Set it to your NATS server, e.g. --set bus.url=nats://nats.nats.svc.cluster.local:4222 (install NATS with JetStream first: docs/deployment.md).
{{- else -}}
{{- range $url := splitList "," $bus.url -}}
{{- if not (regexMatch "^(nats|tls)://[^/\\s]+$" (trim $url)) }}
- bus.url entry {{ trim $url | quote }} is not a NATS URL. Use nats://host:4222 or tls://host:4222 (comma separated for several servers).
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and (ne $bus.auth.type "none") (not $bus.auth.existingSecret) }}
- bus.auth.type is {{ $bus.auth.type | quote }} but bus.auth.existingSecret is empty. Create a Secret with the credentials (e.g. kubectl create secret generic emer-nats --from-file=nats.creds=./user.creds) and set bus.auth.existingSecret=emer-nats.
{{- end -}}
{{- if and $bus.tls.enabled (not $bus.tls.existingSecret) }}
- bus.tls.enabled is true but bus.tls.existingSecret is empty. Put the CA (and client certificate) in a Secret (keys ca.crt, tls.crt, tls.key) and set bus.tls.existingSecret.
{{- end -}}
{{- if and $bus.tls.enabled (hasPrefix "nats://" $bus.url) }}
- bus.tls.enabled is true but bus.url starts with nats://. Use tls://host:4222 so the client insists on TLS.
{{- end -}}
{{- end -}}

{{- define "emer.validate.images" -}}
{{- if not .Values.image.registry }}
- image.registry is empty, so every emer image would be pulled from Docker Hub, where none exists. Push the images (deploy/build-images.sh --registry REGISTRY --push) and set image.registry, e.g. --set image.registry=ghcr.io/acme/emer.
{{- end -}}
{{- end -}}

{{- define "emer.validate.keda" -}}
{{- $keda := .Values.keda -}}
{{- if $keda.enabled -}}
{{- if and $keda.checkApi (not (.Capabilities.APIVersions.Has "keda.sh/v1alpha1")) }}
- keda.enabled is true but the cluster does not serve keda.sh/v1alpha1. Install KEDA first (helm install keda kedacore/keda -n keda --create-namespace; docs/deployment.md), or set keda.enabled=false for CPU HorizontalPodAutoscalers. Rendering offline with helm template? Pass --api-versions keda.sh/v1alpha1.
{{- end -}}
{{- if and (eq .Values.bus.auth.type "creds") (not (regexMatch "^A[A-Z2-7]{55}$" ($keda.account | default ""))) }}
- bus.auth.type is "creds" (JWT accounts) but keda.account is {{ $keda.account | default "empty" | quote }}: KEDA would read the lag of account "$G", always 0, and never scale. Set keda.account to the public key of the account that owns the emer streams (nsc describe account <name> --json | jq -r .sub; it starts with A and has 56 characters).
{{- end -}}
{{- $fusion := .Values.services.fusion -}}
{{- if and $fusion.enabled $fusion.autoscaling.enabled (eq (include "emer.scalingSignal" (dict "root" . "component" "fusion")) "readyClips") -}}
{{- if not $keda.prometheus.serverAddress }}
- services.fusion.autoscaling.signal is "readyClips" but keda.prometheus.serverAddress is empty: KEDA reads fusion's clips ready to fuse (emer_fusion_clips_ready) from Prometheus. Set keda.prometheus.serverAddress (e.g. http://prometheus-operated.monitoring.svc:9090), or services.fusion.autoscaling.signal=lag to scale on the consumer lag (which also counts clips parked waiting for other modalities).
{{- end -}}
{{- if eq (int $fusion.autoscaling.minReplicas) 0 }}
- services.fusion.autoscaling.minReplicas is 0 with signal "readyClips": fusion itself exports the ready clips, so at zero replicas nothing would wake it. Set minReplicas >= 1, or signal=lag.
{{- end -}}
{{- if and (not $keda.prometheus.fusionReadyQuery) (not .Values.metrics.serviceMonitor.enabled) }}
- services.fusion.autoscaling.signal is "readyClips" but metrics.serviceMonitor.enabled is false, so no Prometheus scrapes fusion's emer_fusion_clips_ready. Set metrics.serviceMonitor.enabled=true, or keda.prometheus.fusionReadyQuery to a query that matches your own scrape configuration.
{{- end -}}
{{- end -}}
{{- range $name, $svc := .Values.services -}}
{{- $a := $svc.autoscaling -}}
{{- if and $svc.enabled $a.enabled (eq (int $a.minReplicas) 0) (gt (int $a.activationLagThreshold) 0) }}
- services.{{ $name }}.autoscaling.minReplicas is 0 but activationLagThreshold is {{ $a.activationLagThreshold }}: KEDA wakes the service only when more than {{ $a.activationLagThreshold }} message(s) wait, so a single clip never runs. Set activationLagThreshold=0.
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "emer.validate.tracing" -}}
{{- if and .Values.tracing.enabled (not .Values.tracing.otlpEndpoint) }}
- tracing.enabled is true but tracing.otlpEndpoint is empty. Point it at an OpenTelemetry collector's OTLP/HTTP port, e.g. --set tracing.otlpEndpoint=http://otel-collector.observability.svc:4318.
{{- end -}}
{{- end -}}

{{- define "emer.validate.modelCache" -}}
{{- $c := .Values.modelCache -}}
{{- if and $c.defaultModels $c.readOnly (not (include "emer.modelCachePersistent" .)) }}
- modelCache.defaultModels is true and modelCache.readOnly is true, but the cache is an empty per-pod volume: nothing can put the default models there and visual, audio and fusion would fail to start. Set modelCache.readOnly=false (the seed init container fills it) or use a filled PVC (modelCache.existingClaim).
{{- end -}}
{{- end -}}

{{- define "emer.validate.services" -}}
{{- $enabled := list -}}
{{- range $name, $svc := .Values.services -}}
{{- if $svc.enabled -}}{{- $enabled = append $enabled $name -}}{{- end -}}
{{- end -}}
{{- if not $enabled -}}
- every service is disabled. Enable at least one, e.g. --set services.text.enabled=true.
{{- end -}}
{{- end -}}

{{- define "emer.validate.gpu" -}}
{{- $capable := include "emer.gpuCapableServices" . | fromJsonArray -}}
{{- range $name, $svc := .Values.services -}}
{{- if and (dig "gpu" "enabled" false $svc) (not (has $name $capable)) }}
- services.{{ $name }}.gpu.enabled is true, but {{ $name }} runs on CPU only (GPU services: {{ join ", " $capable }}). Remove services.{{ $name }}.gpu.
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "emer.validate.autoscaling" -}}
{{- $keda := .Values.keda -}}
{{- range $name, $svc := .Values.services -}}
{{- $a := $svc.autoscaling -}}
{{- if and $svc.enabled $a.enabled -}}
{{- if gt (int $a.minReplicas) (int $a.maxReplicas) }}
- services.{{ $name }}.autoscaling.minReplicas ({{ $a.minReplicas }}) is above maxReplicas ({{ $a.maxReplicas }}). Lower minReplicas or raise maxReplicas.
{{- end -}}
{{- if and (not $keda.enabled) (lt (int $a.minReplicas) 1) }}
- services.{{ $name }}.autoscaling.minReplicas is 0, which needs KEDA (a HorizontalPodAutoscaler cannot scale to zero). Set keda.enabled=true or minReplicas >= 1.
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and $keda.enabled (not $keda.natsMonitoringEndpoint) }}
- keda.enabled is true but keda.natsMonitoringEndpoint is empty. Set it to the NATS monitoring host:port, e.g. nats.nats.svc.cluster.local:8222 (the nats-io chart serves it on 8222).
{{- end -}}
{{- end -}}

{{- define "emer.validate.fusion" -}}
{{- $f := .Values.services.fusion -}}
{{- if and $f.enabled (eq $f.backend "openai") (not $f.openai.baseUrl) (not .Values.vllm.enabled) }}
- services.fusion.backend is "openai" but neither services.fusion.openai.baseUrl nor vllm.enabled is set. Point it at an OpenAI-compatible server (--set services.fusion.openai.baseUrl=https://host/v1) or enable the bundled vLLM (--set vllm.enabled=true).
{{- end -}}
{{- end -}}

{{- define "emer.validate.vllm" -}}
{{- $vllm := .Values.vllm -}}
{{- if $vllm.enabled -}}
{{- if ne .Values.services.fusion.backend "openai" }}
- vllm.enabled is true but services.fusion.backend is {{ .Values.services.fusion.backend | quote }}, so nothing would use it. Set services.fusion.backend=openai (the base URL then defaults to the vLLM Service) or disable vllm.
{{- end -}}
{{- if and (hasPrefix "/" $vllm.model) (not (include "emer.modelCachePersistent" .)) }}
- vllm.model is the path {{ $vllm.model | quote }} but the model cache is an empty per-pod volume. Put the model on a PVC and set modelCache.existingClaim (see docs/deployment.md, "Model cache").
{{- end -}}
{{- if and (hasPrefix "/" $vllm.model) (not (hasPrefix (printf "%s/" (trimSuffix "/" .Values.modelCache.mountPath)) $vllm.model)) }}
- vllm.model {{ $vllm.model | quote }} is outside the model cache mount {{ .Values.modelCache.mountPath | quote }}. Use a path under it.
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Env maps take plain values, so they must never carry a secret. */}}
{{- define "emer.validate.plainSecrets" -}}
{{- $pattern := "(?i)(PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|CREDENTIAL|PRIVATE_?KEY|SEED|CREDS)" -}}
{{- $fileLike := "(?i)_(FILE|DIR|PATH)$" -}}
{{- $maps := dict "extraEnv" .Values.extraEnv -}}
{{- range $name, $svc := .Values.services -}}
{{- $_ := set $maps (printf "services.%s.env" $name) ($svc.env | default dict) -}}
{{- end -}}
{{- range $where, $env := $maps -}}
{{- range $key, $_ := $env -}}
{{- if and (regexMatch $pattern $key) (not (regexMatch $fileLike $key)) }}
- {{ $where }}.{{ $key }} looks like a secret, and env values are stored in plain text. Keep it in a Kubernetes Secret and reference it: bus.auth.existingSecret for NATS credentials, services.fusion.openai.apiKeySecret / vllm.apiKeySecret for API keys.
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "emer.validate.imageTags" -}}
{{- $tags := dict "image.tag" .Values.image.tag "cliImage.tag" .Values.cliImage.tag "vllm.image.tag" .Values.vllm.image.tag -}}
{{- range $name, $svc := .Values.services -}}
{{- $_ := set $tags (printf "services.%s.image.tag" $name) $svc.image.tag -}}
{{- end -}}
{{- range $where, $tag := $tags -}}
{{- if eq (toString $tag) "latest" }}
- {{ $where }} is "latest". Pin a version (e.g. the chart's appVersion {{ $.Chart.AppVersion }}) or a digest so every replica runs the same code.
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "emer.validate.security" -}}
{{- $pod := .Values.podSecurityContext -}}
{{- $c := .Values.containerSecurityContext -}}
{{- if or (not $pod.runAsNonRoot) (not $c.runAsNonRoot) }}
- podSecurityContext/containerSecurityContext.runAsNonRoot must stay true: the images run as uid 10001 and the restricted Pod Security profile requires it.
{{- end -}}
{{- if or $c.allowPrivilegeEscalation $c.privileged }}
- containerSecurityContext.allowPrivilegeEscalation and .privileged must stay false: no emer container needs them.
{{- end -}}
{{- end -}}
