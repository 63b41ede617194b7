import { readFileSync, writeFileSync } from 'node:fs';

export interface KubeconfigInput {
  server: string;
  caCertFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  context?: string;
}

const b64 = (file: string): string => readFileSync(file).toString('base64');

/** Writes a self-contained kubeconfig (certificates embedded) for the admin user. */
export function writeKubeconfig(path: string, input: KubeconfigInput): void {
  const context = input.context ?? 'nco-local';
  const yaml = `apiVersion: v1
kind: Config
clusters:
- name: ${context}
  cluster:
    server: ${input.server}
    certificate-authority-data: ${b64(input.caCertFile)}
users:
- name: ${context}-admin
  user:
    client-certificate-data: ${b64(input.clientCertFile)}
    client-key-data: ${b64(input.clientKeyFile)}
contexts:
- name: ${context}
  context:
    cluster: ${context}
    user: ${context}-admin
    namespace: default
current-context: ${context}
preferences: {}
`;
  writeFileSync(path, yaml, { mode: 0o600 });
}
