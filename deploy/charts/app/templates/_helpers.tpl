{{/* The name of every object of a program: its component name, so that
in-cluster URLs such as http://pricing:8081 (config/<env>.yaml) work. */}}
{{- define "app.name" -}}
{{- .Values.component -}}
{{- end -}}

{{/* Selector labels: stable for the life of the release. */}}
{{- define "app.selectorLabels" -}}
app.kubernetes.io/name: {{ .Values.component }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The pods of the Deployment: what the Service, the PDB and the spread
constraints select (the migration Job's pods are "migrate"). */}}
{{- define "app.serverSelector" -}}
{{ include "app.selectorLabels" . }}
app.kubernetes.io/component: server
{{- end -}}

{{/* Standard labels of every object (STYLE.md 15). */}}
{{- define "app.labels" -}}
{{ include "app.selectorLabels" . }}
app.kubernetes.io/part-of: acme
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- with .Values.image.tag }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* The image reference: repository:tag@digest, either part optional. */}}
{{- define "app.image" -}}
{{- .Values.image.repository -}}
{{- with .Values.image.tag }}:{{ . }}{{ end -}}
{{- with .Values.image.digest }}@{{ . }}{{ end -}}
{{- end -}}

{{/* The annotations of every pod: what runs, and a checksum of the
configuration so that a config change rolls the pods. */}}
{{- define "app.podAnnotations" -}}
acme.io/revision: {{ .Values.revision | quote }}
checksum/config: {{ toJson .Values.config.files | sha256sum }}
{{- end -}}

{{/* The restricted pod security context (Pod Security Standards). */}}
{{- define "app.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* One container's settings shared by the Deployment, the migration Job
and the CronJob; call with (dict "root" $ "secretName" NAME "configName" NAME
"dbUser" ROLE): a non-empty dbUser is the PostgreSQL role the container
connects as (database.userVariable overrides shared.database.user). */}}
{{- define "app.containerCommon" -}}
{{- $ := .root -}}
image: {{ include "app.image" $ }}
imagePullPolicy: {{ $.Values.image.pullPolicy }}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  runAsNonRoot: true
  runAsUser: 65532
  capabilities:
    drop: [ALL]
  seccompProfile:
    type: RuntimeDefault
env:
  - name: ENV
    value: {{ $.Values.env | quote }}
  {{- if $.Values.config.files }}
  - name: CONFIG_DIR
    value: {{ $.Values.config.mountPath | quote }}
  {{- end }}
  {{- range $k, $v := $.Values.variables }}
  - name: {{ $k }}
    value: {{ $v | quote }}
  {{- end }}
  {{- with .dbUser }}
  - name: {{ $.Values.database.userVariable }}
    value: {{ . | quote }}
  {{- end }}
{{- if $.Values.secrets.items }}
envFrom:
  - secretRef:
      name: {{ .secretName }}
{{- end }}
resources:
  {{- toYaml $.Values.resources | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  {{- if $.Values.config.files }}
  - name: config
    mountPath: {{ $.Values.config.mountPath }}
    readOnly: true
  {{- end }}
{{- end -}}

{{/* The volumes that go with app.containerCommon. */}}
{{- define "app.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- if .root.Values.config.files }}
- name: config
  configMap:
    name: {{ .configName }}
{{- end }}
{{- end -}}
