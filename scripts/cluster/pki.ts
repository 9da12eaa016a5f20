/**
 * The rig's certificates and kubeconfigs, made with the openssl CLI: one CA, a serving certificate
 * for the API server and the kubelet, a client certificate per component (its CN and O are the user
 * and group RBAC sees), and the service-account signing key. Existing files are kept, so a second
 * `cluster:up` reuses them.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_SERVER_PORT, API_SERVICE_IP, BRIDGE_ADDRESS, CLUSTER_DOMAIN, CONTEXT, NODE_NAME, STATE_DIR, run } from './rig';

export const PKI_DIR = join(STATE_DIR, 'pki');
export const API_SERVER_URL = `https://${BRIDGE_ADDRESS}:${API_SERVER_PORT}`;
export const pkiFile = (name: string): string => join(PKI_DIR, name);

export interface ClientIdentity {
  /** File stem under PKI_DIR and of the kubeconfig. */
  name: string;
  /** The user RBAC sees. */
  user: string;
  /** The groups RBAC sees. */
  groups: string[];
}

export const IDENTITIES = {
  admin: { name: 'admin', user: 'grpc-lb-rig-admin', groups: ['system:masters'] },
  controllerManager: { name: 'controller-manager', user: 'system:kube-controller-manager', groups: [] },
  scheduler: { name: 'scheduler', user: 'system:kube-scheduler', groups: [] },
  kubelet: { name: 'kubelet', user: `system:node:${NODE_NAME}`, groups: ['system:nodes'] },
  proxy: { name: 'kube-proxy', user: 'system:kube-proxy', groups: [] },
  coredns: { name: 'coredns', user: 'grpc-lb-rig:coredns', groups: [] },
  // The API server's identity when it calls the kubelet (logs, exec): the kubelet asks the API server
  // whether this user may, and system:masters may.
  apiserverKubeletClient: { name: 'apiserver-kubelet-client', user: 'kube-apiserver-kubelet-client', groups: ['system:masters'] },
} satisfies Record<string, ClientIdentity>;

async function newKey(file: string): Promise<void> {
  await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file]);
}

async function makeCa(): Promise<void> {
  if (existsSync(pkiFile('ca.crt'))) return;
  await newKey(pkiFile('ca.key'));
  await run('openssl', ['req', '-x509', '-new', '-key', pkiFile('ca.key'), '-subj', '/CN=grpc-lb-rig-ca', '-days', '3650', '-out', pkiFile('ca.crt'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']);
}

function subject(cn: string, groups: string[]): string {
  return [...groups.map((g) => `/O=${g}`), `/CN=${cn}`].join('');
}

/** A certificate signed by the rig's CA; `altNames` makes it a serving certificate. */
async function issue(stem: string, cn: string, groups: string[], altNames?: string[]): Promise<void> {
  const crt = pkiFile(`${stem}.crt`);
  if (existsSync(crt)) return;
  const key = pkiFile(`${stem}.key`);
  const csr = pkiFile(`${stem}.csr`);
  const ext = pkiFile(`${stem}.ext`);
  await newKey(key);
  await run('openssl', ['req', '-new', '-key', key, '-subj', subject(cn, groups), '-out', csr]);
  const lines = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment'];
  lines.push(altNames ? 'extendedKeyUsage=serverAuth' : 'extendedKeyUsage=clientAuth');
  if (altNames) lines.push(`subjectAltName=${altNames.join(',')}`);
  writeFileSync(ext, `${lines.join('\n')}\n`);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', pkiFile('ca.crt'), '-CAkey', pkiFile('ca.key'), '-CAcreateserial',
    '-days', '825', '-extfile', ext, '-out', crt]);
}

function kubeconfig(identity: ClientIdentity, contextName: string): string {
  // Paths, not embedded data: the files stay readable by root only, in one place.
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${CONTEXT}`,
    '  cluster:',
    `    server: ${API_SERVER_URL}`,
    `    certificate-authority: ${pkiFile('ca.crt')}`,
    'users:',
    `- name: ${identity.user}`,
    '  user:',
    `    client-certificate: ${pkiFile(`${identity.name}.crt`)}`,
    `    client-key: ${pkiFile(`${identity.name}.key`)}`,
    'contexts:',
    `- name: ${contextName}`,
    '  context:',
    `    cluster: ${CONTEXT}`,
    `    user: ${identity.user}`,
    `current-context: ${contextName}`,
    '',
  ].join('\n');
}

export const kubeconfigPath = (identity: ClientIdentity): string => join(PKI_DIR, `${identity.name}.kubeconfig`);

/** Makes everything missing; returns the admin kubeconfig's text (context `grpc-lb-rig`). */
export async function ensurePki(): Promise<string> {
  mkdirSync(PKI_DIR, { recursive: true, mode: 0o700 });
  await makeCa();
  await issue('apiserver', 'kube-apiserver', [], [
    `IP:${BRIDGE_ADDRESS}`, `IP:${API_SERVICE_IP}`, 'IP:127.0.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc', `DNS:kubernetes.default.svc.${CLUSTER_DOMAIN}`,
  ]);
  await issue('kubelet-serving', `system:node:${NODE_NAME}`, ['system:nodes'], [`IP:${BRIDGE_ADDRESS}`, `DNS:${NODE_NAME}`]);
  for (const identity of Object.values(IDENTITIES)) {
    await issue(identity.name, identity.user, identity.groups);
    writeFileSync(kubeconfigPath(identity), kubeconfig(identity, identity === IDENTITIES.admin ? CONTEXT : 'default'), { mode: 0o600 });
  }
  if (!existsSync(pkiFile('sa.key'))) {
    await run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', pkiFile('sa.key')]);
    await run('openssl', ['pkey', '-in', pkiFile('sa.key'), '-pubout', '-out', pkiFile('sa.pub')]);
  }
  return kubeconfig(IDENTITIES.admin, CONTEXT);
}
