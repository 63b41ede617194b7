{{/* How the operator reaches Docker: environment, mounts and volumes per docker.mode. */}}

{{- define "nco.dockerEnv" -}}
{{- if eq .Values.docker.mode "socket" }}
- name: DOCKER_HOST
  value: unix:///var/run/docker.sock
{{- else if eq .Values.docker.mode "tcp" }}
- name: DOCKER_HOST
  value: {{ required "docker.tcp.host is required when docker.mode is tcp" .Values.docker.tcp.host | quote }}
{{- if .Values.docker.tcp.tls.enabled }}
- name: DOCKER_TLS_VERIFY
  value: "1"
- name: DOCKER_CERT_PATH
  value: /etc/nco/docker-tls
{{- else if .Values.docker.tcp.allowPlainTcp }}
- name: NCO_DOCKER_ALLOW_PLAIN_TCP
  value: "true"
{{- end }}
{{- else if eq .Values.docker.mode "ssh" }}
- name: DOCKER_HOST
  value: {{ required "docker.ssh.host is required when docker.mode is ssh" .Values.docker.ssh.host | quote }}
# The key and known_hosts are read from $HOME/.ssh, where OpenSSH would look.
- name: HOME
  value: /home/operator
{{- end }}
{{- end }}

{{- define "nco.dockerVolumeMounts" -}}
{{- if eq .Values.docker.mode "socket" }}
- name: docker-socket
  mountPath: /var/run/docker.sock
{{- else if and (eq .Values.docker.mode "tcp") .Values.docker.tcp.tls.enabled }}
- name: docker-tls
  mountPath: /etc/nco/docker-tls
  readOnly: true
{{- else if eq .Values.docker.mode "ssh" }}
- name: docker-ssh
  mountPath: /home/operator/.ssh
  readOnly: true
{{- else }}
[]
{{- end }}
{{- end }}

{{- define "nco.dockerVolumes" -}}
{{- if eq .Values.docker.mode "socket" }}
- name: docker-socket
  hostPath:
    path: {{ .Values.docker.socket.hostPath }}
    type: Socket
{{- else if and (eq .Values.docker.mode "tcp") .Values.docker.tcp.tls.enabled }}
- name: docker-tls
  secret:
    secretName: {{ required "docker.tcp.tls.secretName is required when TLS is enabled" .Values.docker.tcp.tls.secretName }}
    defaultMode: 0440
{{- else if eq .Values.docker.mode "ssh" }}
- name: docker-ssh
  secret:
    secretName: {{ required "docker.ssh.secretName is required when docker.mode is ssh" .Values.docker.ssh.secretName }}
    defaultMode: 0440
{{- else }}
[]
{{- end }}
{{- end }}
