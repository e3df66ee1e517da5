{{/*
Names. A FlinkDeployment name becomes the cluster id and the prefix of its services ("<name>-rest"):
a DNS-1035 label, kept to 45 characters as the operator requires.
*/}}
{{- define "cutflow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 45 | trimSuffix "-" -}}
{{- end -}}

{{- define "cutflow.fullname" -}}
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

{{- define "cutflow.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cutflow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cutflow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cutflow.labels" -}}
helm.sh/chart: {{ include "cutflow.chart" . }}
{{ include "cutflow.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cutflow
{{- end -}}

{{- define "cutflow.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/*
The inference device the job will use: a -D job option wins over the cluster configuration, whose absence means
the job's default (cpu).
*/}}
{{- define "cutflow.device" -}}
{{- $options := .Values.cutflow.options | default dict -}}
{{- $conf := .Values.flinkConfiguration | default dict -}}
{{- if hasKey $options "cutflow.inference.device" -}}
{{- index $options "cutflow.inference.device" | toString -}}
{{- else if hasKey $conf "cutflow.inference.device" -}}
{{- index $conf "cutflow.inference.device" | toString -}}
{{- else -}}
cpu
{{- end -}}
{{- end -}}

{{/*
Refuses values that would break the job or leak a secret. Mirrors the job's own checks (JobArguments refuses
-D keys with "password"/"secret", DatabaseSettings refuses a JDBC URL with a password).
*/}}
{{- define "cutflow.validate" -}}
{{- $ := . -}}
{{- /* credential-like names; a key naming a file or a provider class (s3.aws.credentials.provider) is not one */ -}}
{{- $secretWords := "(?i)(password|passwd|secret|access[-_.]?key|[-_.]token$)" -}}
{{- $notSecret := "(?i)([-_.]file|[-_.]provider|[-_.]enabled)$" -}}
{{- $url := required "cutflow.jdbcUrl is required (jdbc:postgresql://host:5432/db)" .Values.cutflow.jdbcUrl -}}
{{- $_ := required "cutflow.raw is required (s3://bucket/prefix)" .Values.cutflow.raw -}}
{{- $_ := required "cutflow.processed is required (s3://bucket/prefix)" .Values.cutflow.processed -}}
{{- if regexMatch "(?i)password=" $url -}}
{{- fail "cutflow.jdbcUrl must not carry a password: it comes from the Secret secrets.database.name (CUTFLOW_DB_PASSWORD)" -}}
{{- end -}}
{{- $_ := required "secrets.database.name: the existing Secret with the database password is required" .Values.secrets.database.name -}}
{{- $_ := required "secrets.database.passwordKey is required" .Values.secrets.database.passwordKey -}}
{{- if .Values.secrets.s3.name -}}
{{- $_ := required "secrets.s3.accessKeyIdKey is required with secrets.s3.name" .Values.secrets.s3.accessKeyIdKey -}}
{{- $_ := required "secrets.s3.secretAccessKeyKey is required with secrets.s3.name" .Values.secrets.s3.secretAccessKeyKey -}}
{{- end -}}
{{- range $key, $value := .Values.cutflow.options -}}
{{- if regexMatch "(?i)(password|secret)" $key -}}
{{- fail (printf "cutflow.options.%s: secrets are not job arguments (the job refuses them); use secrets.*" $key) -}}
{{- end -}}
{{- end -}}
{{- range $key, $value := .Values.flinkConfiguration -}}
{{- if and (regexMatch $secretWords $key) (not (regexMatch $notSecret $key)) -}}
{{- fail (printf "flinkConfiguration.%s looks like a secret: credentials come from Kubernetes Secrets (secrets.*), never from values" $key) -}}
{{- end -}}
{{- end -}}
{{- range .Values.env -}}
{{- if and (regexMatch $secretWords (toString .name)) (hasKey . "value") -}}
{{- fail (printf "env %s: a secret must come from valueFrom.secretKeyRef, not a plain value" .name) -}}
{{- end -}}
{{- end -}}
{{- $device := include "cutflow.device" . -}}
{{- if and .Values.gpu.enabled (ne $device "cuda") -}}
{{- fail (printf "gpu.enabled is true but cutflow.inference.device is %s: set it to cuda (or use values-cpu.yaml)" $device) -}}
{{- end -}}
{{- if and (not .Values.gpu.enabled) (eq $device "cuda") -}}
{{- fail "cutflow.inference.device is cuda but gpu.enabled is false: task managers would have no GPU" -}}
{{- end -}}
{{- $maxParallelism := int (index .Values.flinkConfiguration "pipeline.max-parallelism" | default 128) -}}
{{- if or (lt (int .Values.job.parallelism) 1) (gt (int .Values.job.parallelism) $maxParallelism) -}}
{{- fail (printf "job.parallelism must be between 1 and pipeline.max-parallelism (%d)" $maxParallelism) -}}
{{- end -}}
{{- if and (eq .Values.job.upgradeMode "savepoint") (not (index .Values.flinkConfiguration "execution.checkpointing.savepoint-dir")) -}}
{{- fail "job.upgradeMode savepoint needs flinkConfiguration execution.checkpointing.savepoint-dir" -}}
{{- end -}}
{{- end -}}

{{/*
Environment of every Flink container: credentials only as secretKeyRef to existing Secrets.
*/}}
{{- define "cutflow.env" -}}
- name: CUTFLOW_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.database.name | quote }}
      key: {{ .Values.secrets.database.passwordKey | quote }}
{{- if .Values.secrets.s3.name }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.s3.name | quote }}
      key: {{ .Values.secrets.s3.accessKeyIdKey | quote }}
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.s3.name | quote }}
      key: {{ .Values.secrets.s3.secretAccessKeyKey | quote }}
{{- end }}
{{- with .Values.env }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Job arguments (io.cutflow.job.JobArguments): flags, then -Dkey=value options sorted by key.
*/}}
{{- define "cutflow.args" -}}
- "--raw"
- {{ .Values.cutflow.raw | quote }}
- "--processed"
- {{ .Values.cutflow.processed | quote }}
- "--jdbc-url"
- {{ .Values.cutflow.jdbcUrl | quote }}
{{- if .Values.cutflow.model }}
- "--model"
- {{ .Values.cutflow.model | quote }}
{{- end }}
{{- if .Values.cutflow.once }}
- "--once"
{{- end }}
{{- range $key, $value := .Values.cutflow.options }}
- {{ printf "-D%s=%s" $key (toString $value) | quote }}
{{- end }}
{{- end -}}

{{/*
Pod annotations: Prometheus scraping of the reporter port, then the role's own annotations.
*/}}
{{- define "cutflow.podAnnotations" -}}
{{- $annotations := dict -}}
{{- if .root.Values.metrics.scrapeAnnotations -}}
{{- $_ := set $annotations "prometheus.io/scrape" "true" -}}
{{- $_ := set $annotations "prometheus.io/port" (toString .root.Values.metrics.port) -}}
{{- end -}}
{{- $annotations = merge (deepCopy (.extra | default dict)) $annotations -}}
{{- if $annotations -}}
{{- toYaml $annotations -}}
{{- end -}}
{{- end -}}
