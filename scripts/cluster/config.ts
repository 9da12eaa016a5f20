/**
 * The configuration files of the rig's components, as text. Kept apart from up.ts so each file's
 * choices (and why) read in one place.
 */
import { join } from 'node:path';
import { IDENTITIES, kubeconfigPath, pkiFile } from './pki';
import {
  BRIDGE, BRIDGE_ADDRESS, CLUSTER_DOMAIN, CONTAINERD_SOCKET, DNS_SERVICE_IP, NODE_NAME, PAUSE_IMAGE, POD_CIDR, RUN_DIR, STATE_DIR,
} from './rig';

export const CONFIG_DIR = join(STATE_DIR, 'config');
export const CNI_CONF_DIR = join(STATE_DIR, 'cni', 'net.d');
export const CNI_BIN_DIR = '/usr/lib/cni';
/** Pods, Services and the node all live in this range, reserved for benchmarks (RFC 2544). */
export const BENCHMARK_RANGE = '198.18.0.0/15';
export const KUBELET_ROOT = join(STATE_DIR, 'kubelet');
/** containerd's runc keeps its container state here (not /run/containerd/runc), so `cluster:down` finds only ours. */
export const RUNC_ROOT = join(RUN_DIR, 'runc');
export const ETCD_CLIENT_URL = 'http://127.0.0.1:23790';
export const ETCD_PEER_URL = 'http://127.0.0.1:23800';
export const COREDNS_READY_URL = 'http://127.0.0.1:18181/ready';
export const KUBELET_HEALTHZ_URL = 'http://127.0.0.1:10248/healthz';
export const PROXY_HEALTHZ_URL = 'http://127.0.0.1:10256/healthz';

export function containerdConfig(): string {
  return `version = 2
root = "${join(STATE_DIR, 'containerd')}"
state = "${join(RUN_DIR, 'containerd', 'state')}"
# Only the plugins a kubelet needs; no TCP listeners.
disabled_plugins = ["io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${CONTAINERD_SOCKET}"

[ttrpc]
  address = "${join(RUN_DIR, 'containerd', 'containerd.sock.ttrpc')}"

[plugins."io.containerd.grpc.v1.cri"]
  # Made here (scripts/cluster/pause): nothing can be pulled on these machines.
  sandbox_image = "${PAUSE_IMAGE}"
  enable_selinux = false
  # These machines deny CAP_SYS_RESOURCE, so no process may lower its OOM score: the kubelet asks for
  # -998 for the pause container, and runc would fail. Clamp to containerd's own score instead.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "${RUNC_ROOT}"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN_DIR}"
    conf_dir = "${CNI_CONF_DIR}"
    max_conf_num = 1
`;
}

/** One bridge, host-local addresses from POD_CIDR, no masquerade: pod traffic never leaves the machine. */
export function cniConfig(): string {
  return `${JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'grpc-lb-rig',
      plugins: [
        {
          type: 'bridge',
          bridge: BRIDGE,
          isGateway: true,
          ipMasq: false,
          // A pod that calls a Service backed by itself gets the answer back through the bridge.
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: POD_CIDR, gateway: BRIDGE_ADDRESS }]],
            // Only the benchmark range (pods, Services, the node) is routed: no default route.
            routes: [{ dst: BENCHMARK_RANGE }],
            dataDir: join(STATE_DIR, 'cni', 'ipam'),
          },
        },
        { type: 'loopback' },
      ],
    },
    null,
    2,
  )}\n`;
}

export function kubeletConfig(cgroupsPerQOS: boolean): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# The node's address is the bridge's: the kubelet's API is not on any of the host's own interfaces.
address: ${BRIDGE_ADDRESS}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: ${pkiFile('ca.crt')}
authorization:
  mode: Webhook
tlsCertFile: ${pkiFile('kubelet-serving.crt')}
tlsPrivateKeyFile: ${pkiFile('kubelet-serving.key')}
clusterDomain: ${CLUSTER_DOMAIN}
clusterDNS:
  - ${DNS_SERVICE_IP}
# Pods must not learn the host's resolver: the cluster DNS answers ${CLUSTER_DOMAIN} only.
resolvConf: ${join(CONFIG_DIR, 'resolv.conf')}
containerRuntimeEndpoint: unix://${CONTAINERD_SOCKET}
cgroupDriver: cgroupfs
# These machines have the cgroup v1 hierarchy; Kubernetes 1.34 still runs on it when told to.
failCgroupV1: false
cgroupsPerQOS: ${cgroupsPerQOS}
enforceNodeAllocatable: ${cgroupsPerQOS ? '["pods"]' : '[]'}
failSwapOn: false
# A lab machine's disk may be nearly full; evict only when it really is.
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  imagefs.available: 1%
  nodefs.inodesFree: 1%
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
registerNode: true
maxPods: 60
`;
}

export function kubeProxyConfig(): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clusterCIDR: ${POD_CIDR}
hostnameOverride: ${NODE_NAME}
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clientConnection:
  kubeconfig: ${kubeconfigPath(IDENTITIES.proxy)}
# NodePorts only on the bridge, never on the host's own interfaces.
nodePortAddresses:
  - ${BRIDGE_ADDRESS}/32
iptables:
  # true would set net.ipv4.conf.all.route_localnet on the host.
  localhostNodePorts: false
  masqueradeAll: false
# 0 leaves the host's conntrack sysctls as they are.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
`;
}

/** CoreDNS answers ${CLUSTER_DOMAIN} only, from the API; there is no upstream to forward to. */
export function corefile(): string {
  return `${CLUSTER_DOMAIN}:53 in-addr.arpa:53 {
    bind ${BRIDGE_ADDRESS}
    errors
    ready 127.0.0.1:18181
    kubernetes ${CLUSTER_DOMAIN} in-addr.arpa {
        kubeconfig ${kubeconfigPath(IDENTITIES.coredns)} default
        pods insecure
        ttl 5
    }
    # No cache: answers come from the API watch at once, so a re-resolving client sees a new pod
    # (minikube's CoreDNS caches for up to 30 s).
    loadbalance
}
`;
}

/** What CoreDNS may read (the ClusterRole upstream CoreDNS ships), and the kube-dns Service in front of it. */
export function addonsYaml(): string {
  return `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: grpc-lb-rig:coredns
  labels:
    app.kubernetes.io/part-of: grpc-lb-rig
rules:
  - apiGroups: [""]
    resources: [endpoints, services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: grpc-lb-rig:coredns
  labels:
    app.kubernetes.io/part-of: grpc-lb-rig
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: grpc-lb-rig:coredns
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: User
    name: ${IDENTITIES.coredns.user}
---
# CoreDNS runs on the node (a host process on the bridge address), so the Service has no selector and
# its one endpoint is listed by hand, as for any backend outside the cluster.
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels:
    k8s-app: kube-dns
    app.kubernetes.io/part-of: grpc-lb-rig
spec:
  clusterIP: ${DNS_SERVICE_IP}
  ports:
    - { name: dns, port: 53, targetPort: 53, protocol: UDP }
    - { name: dns-tcp, port: 53, targetPort: 53, protocol: TCP }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kube-dns-node
  namespace: kube-system
  labels:
    kubernetes.io/service-name: kube-dns
    endpointslice.kubernetes.io/managed-by: grpc-lb-rig
    app.kubernetes.io/part-of: grpc-lb-rig
addressType: IPv4
ports:
  - { name: dns, port: 53, protocol: UDP }
  - { name: dns-tcp, port: 53, protocol: TCP }
endpoints:
  - addresses: [${BRIDGE_ADDRESS}]
    conditions: { ready: true }
    nodeName: ${NODE_NAME}
`;
}

/** API server flags; the `kubernetes` Service gets the first address of the Service range. */
export function apiServerArgs(serviceCidr: string): string[] {
  return [
    'kube-apiserver',
    `--etcd-servers=${ETCD_CLIENT_URL}`,
    `--bind-address=${BRIDGE_ADDRESS}`,
    `--advertise-address=${BRIDGE_ADDRESS}`,
    '--secure-port=6443',
    `--service-cluster-ip-range=${serviceCidr}`,
    `--client-ca-file=${pkiFile('ca.crt')}`,
    `--tls-cert-file=${pkiFile('apiserver.crt')}`,
    `--tls-private-key-file=${pkiFile('apiserver.key')}`,
    `--kubelet-client-certificate=${pkiFile(`${IDENTITIES.apiserverKubeletClient.name}.crt`)}`,
    `--kubelet-client-key=${pkiFile(`${IDENTITIES.apiserverKubeletClient.name}.key`)}`,
    `--kubelet-certificate-authority=${pkiFile('ca.crt')}`,
    '--kubelet-preferred-address-types=InternalIP',
    `--service-account-key-file=${pkiFile('sa.pub')}`,
    `--service-account-signing-key-file=${pkiFile('sa.key')}`,
    `--service-account-issuer=https://kubernetes.default.svc.${CLUSTER_DOMAIN}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    // No pod needs host privileges: kube-proxy and CoreDNS run as host processes.
    '--allow-privileged=false',
    '--profiling=false',
    '--endpoint-reconciler-type=lease',
  ];
}
