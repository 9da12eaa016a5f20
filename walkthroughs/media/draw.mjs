// Draws the walkthrough diagrams (walkthroughs/media/<step>.svg) from small scene descriptions, so that
// every chapter's picture shares one visual language. Run: node walkthroughs/media/draw.mjs [outDir]
// (a test draws them into a temp dir and checks that the committed files are up to date).
//
// The SVGs are a walkthrough step's `svg` media: VS Code puts the file's markup into the step's webview,
// which carries the theme's colours as `--vscode-*` CSS variables, so every colour here is one of them
// (High Contrast themes bring their own), with a fallback for viewers outside VS Code. That webview's
// Content-Security-Policy admits only its own nonce'd <style>, so the SVG has no <style> and no style="":
// everything is presentation attributes. Boxes are a light tint of their role's colour with a border in
// that colour and text in the theme's foreground, which keeps the text's contrast in every theme.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = process.argv[2] ?? dirname(fileURLToPath(import.meta.url));
const W = 640;
const H = 340;

/** A theme colour: the `--vscode-*` variable of a colour id, and a mid tone for viewers without it. */
const theme = (token, fallback) => `var(--vscode-${token}, ${fallback})`;

/** Colours by role (the theme's chart palette), and for text and lines. */
const ROLE = {
  client: theme('charts-blue', '#2f6fc4'),
  server: theme('charts-green', '#1f7f55'),
  proxy: theme('charts-orange', '#b25a10'),
  control: theme('charts-purple', '#7350b8'),
  infra: theme('descriptionForeground', '#55657a'),
  idle: theme('disabledForeground', '#6f757e'),
  danger: theme('charts-red', '#b63b3b'),
};
const TEXT = theme('foreground', '#6e7681');
const MUTED = theme('descriptionForeground', '#868b93');
const GROUND = theme('editor-background', '#ffffff');
const LINE = {
  rpc: { colour: ROLE.client, width: 4, dash: '' },
  conn: { colour: MUTED, width: 2, dash: '' },
  watch: { colour: ROLE.control, width: 2, dash: '6 4' },
  none: { colour: ROLE.idle, width: 1.5, dash: '2 5' },
};
const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Ubuntu, 'Noto Sans', 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif";

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A text element; `centre` puts its middle (not its baseline) on y. */
function label(x, y, text, { size = 14, weight = 600, colour = TEXT, anchor = 'middle', centre = true } = {}) {
  const baseline = centre ? ' dominant-baseline="central"' : '';
  return `<text x="${x}" y="${y}" font-size="${size}" font-weight="${weight}" fill="${colour}" text-anchor="${anchor}"${baseline}>${esc(text)}</text>`;
}

/**
 * A rounded rectangle tinted with its role's colour and outlined in it (dashed for an idle one), on an opaque
 * ground of the editor's background so that a line passing under a label does not show through.
 */
function shape(x, y, w, h, r, role) {
  const dash = role === 'idle' ? ' stroke-dasharray="5 4"' : '';
  const at = `x="${x}" y="${y}" width="${w}" height="${h}" rx="${r}"`;
  return `<rect ${at} fill="${GROUND}"/><rect ${at} fill="${ROLE[role]}" fill-opacity="0.16" stroke="${ROLE[role]}" stroke-width="2"${dash}/>`;
}

function box(x, y, w, h, role, title, sub) {
  const cy = sub ? y + h / 2 - 6 : y + h / 2;
  return [
    shape(x, y, w, h, 8, role),
    label(x + w / 2, cy, title),
    sub ? label(x + w / 2, cy + 15, sub, { size: 12, weight: 400 }) : '',
  ].join('');
}

/** A dashed outline with a caption: a namespace, a pod, a node. */
function group(x, y, w, h, caption) {
  return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="12" fill="none" stroke="${MUTED}" stroke-width="1.5" stroke-dasharray="6 5"/>${label(x + 10, y + 16, caption, { size: 12, colour: MUTED, anchor: 'start', centre: false })}`;
}

/** The stroke attributes of an arrow kind. */
function line(kind, width) {
  const { colour, width: w, dash } = LINE[kind];
  return `fill="none" stroke="${colour}" stroke-width="${width ?? w}" stroke-linecap="round"${dash ? ` stroke-dasharray="${dash}"` : ''} marker-end="url(#head-${kind})"`;
}

/** An arrow; kind: 'rpc' (solid, thick), 'conn' (solid), 'watch' (dashed), 'none' (dotted, no traffic). */
function arrow(x1, y1, x2, y2, kind = 'conn', width) {
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" ${line(kind, width)}/>`;
}

/** A curved arrow through a control point. */
function curve(x1, y1, cx, cy, x2, y2, kind = 'conn') {
  return `<path d="M${x1} ${y1} Q${cx} ${cy} ${x2} ${y2}" ${line(kind)}/>`;
}

/** Approximate width of `text` in px: `latin` per character, a CJK character about twice that. */
function textWidth(text, latin) {
  return [...text].reduce((w, ch) => w + (ch.codePointAt(0) >= 0x2e80 ? latin * 1.75 : latin), 0);
}

/** A small label in a tinted capsule. */
function pill(x, y, text, role = 'infra') {
  const w = textWidth(text, 7) + 18;
  return `${shape(x - w / 2, y - 10, w, 20, 10, role)}${label(x, y, text, { size: 12 })}`;
}

/** Free-standing text (muted). */
function note(x, y, text, anchor = 'middle') {
  return label(x, y, text, { size: 13, colour: MUTED, anchor, centre: false });
}

function svg(title, desc, body) {
  const heads = Object.entries(LINE)
    .map(([k, { colour }]) => `<marker id="head-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="${colour}"/></marker>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="t d" font-family="${FONT}">
<title id="t">${esc(title)}</title>
<desc id="d">${esc(desc)}</desc>
<defs>${heads}</defs>
${body.join('\n')}
</svg>
`;
}

/** Three server pods in a column at x, from y0, each 150×44, 58 apart. Returns [svg, centers]. */
function servers(x, y0, names = ['server-1', 'server-2', 'server-3'], roles = []) {
  return names.map((n, i) => box(x, y0 + i * 58, 150, 44, roles[i] ?? 'server', 'greeter-server', n));
}
const srvY = (y0, i) => y0 + i * 58 + 22;

/** Every diagram, its words passed through `t` (identity in English, {@link ZH} in 简体中文). */
const diagrams = (t) => ({
  setup: svg(t('The tools of this tutorial'), t('VS Code with the gRPC LB extension uses minikube and docker for the cluster chapters, istioctl for the mesh chapters and etcd for the local lab; kubectl is optional.'), [
    box(30, 140, 170, 60, 'client', 'VS Code', t('gRPC LB extension')),
    box(300, 20, 150, 44, 'infra', 'minikube', t('the cluster')),
    box(300, 82, 150, 44, 'infra', 'docker', t('builds the images')),
    box(300, 144, 150, 44, 'idle', 'kubectl', t('optional')),
    box(300, 206, 150, 44, 'control', 'istioctl', t('Istio chapters')),
    box(300, 268, 150, 44, 'server', 'etcd', t('local lab only')),
    arrow(200, 160, 298, 42), arrow(200, 166, 298, 104), arrow(200, 170, 298, 166, 'none'),
    arrow(200, 176, 298, 228), arrow(200, 182, 298, 290),
    box(480, 140, 140, 60, 'server', t('local lab'), t('127.0.0.1, no cluster')),
    arrow(450, 290, 500, 202, 'conn'),
    note(550, 230, t('real gRPC servers')), note(550, 246, t('and clients')),
  ]),
  'setup-minikube': svg('minikube', t('minikube runs a one-node Kubernetes cluster in a docker container; the extension reaches it through the Kubernetes API with the minikube kube context.'), [
    box(20, 140, 160, 60, 'client', 'VS Code', t('gRPC LB extension')),
    group(240, 20, 380, 300, t('docker container')),
    group(260, 50, 340, 255, t('minikube node')),
    box(280, 80, 140, 44, 'control', t('API server'), 'Kubernetes'),
    ...[0, 1, 2].map((i) => box(450, 80 + i * 56, 130, 44, 'server', 'greeter-server', t(`pod ${i + 1}`))),
    ...[0, 1].map((i) => box(280, 160 + i * 56, 140, 44, 'client', 'greeter-client', t(`pod ${i + 1}`))),
    arrow(180, 160, 278, 104, 'conn'),
    pill(215, 228, 'context: minikube', 'infra'),
  ]),
  'setup-images': svg(t('Building the images'), t('docker builds the server and client images inside minikube using minikube docker-env, so the pods start them without a registry.'), [
    box(20, 60, 160, 52, 'infra', 'samples/', t('server + client code')),
    box(20, 200, 160, 52, 'client', t('Build Images'), t('reads minikube docker-env')),
    arrow(100, 112, 100, 198, 'conn'),
    group(240, 20, 380, 300, 'minikube'),
    box(270, 60, 150, 52, 'proxy', t('docker daemon'), t('inside minikube')),
    box(450, 50, 150, 44, 'infra', 'greeter-server:dev', t('image')),
    box(450, 110, 150, 44, 'infra', 'greeter-client:dev', t('image')),
    arrow(180, 220, 268, 96, 'conn'),
    arrow(420, 80, 448, 72, 'conn'), arrow(420, 92, 448, 130, 'conn'),
    box(270, 230, 150, 44, 'server', 'greeter-server', t('pods')),
    box(450, 230, 150, 44, 'client', 'greeter-client', t('pods')),
    arrow(525, 156, 525, 228, 'conn'), arrow(500, 96, 360, 228, 'conn'),
    note(430, 304, t('imagePullPolicy: Never, no registry')),
  ]),
  clusterip: svg('ClusterIP', t('Each client opens one HTTP/2 connection to the ClusterIP; kube-proxy sends each connection to one pod, so each client sends all its RPCs to one pod and one pod may get none.'), [
    box(20, 70, 140, 50, 'client', t('client 1'), t('one connection')),
    box(20, 220, 140, 50, 'client', t('client 2'), t('one connection')),
    box(240, 120, 140, 100, 'infra', 'Service', 'ClusterIP · L4'),
    note(310, 240, t('kube-proxy picks a pod')), note(310, 256, t('per connection')),
    ...servers(470, 62, ['server-1', 'server-2', 'server-3'], ['server', 'idle', 'server']),
    arrow(160, 95, 238, 150, 'rpc'), arrow(160, 245, 238, 190, 'rpc'),
    arrow(380, 150, 468, srvY(62, 0), 'rpc'), arrow(380, 190, 468, srvY(62, 2), 'rpc'),
    pill(425, 128, '100 %', 'client'), pill(425, 222, '100 %', 'client'),
    note(545, 260, t('server-2: no RPCs')),
  ]),
  headless: svg(t('Headless Service and DNS'), t('DNS returns every pod IP; each client opens a connection to each pod and spreads its RPCs; a pod added later gets nothing until a connection drops.'), [
    box(20, 70, 130, 50, 'client', t('client 1'), 'round_robin'),
    box(20, 210, 130, 50, 'client', t('client 2'), 'round_robin'),
    box(210, 10, 200, 44, 'infra', 'DNS', t('greeter-server-headless → 3 IPs')),
    arrow(85, 68, 208, 36, 'watch'), note(120, 40, t('once')),
    ...servers(470, 40),
    box(470, 226, 150, 44, 'idle', 'greeter-server', t('new pod')),
    ...[0, 1, 2].flatMap((i) => [arrow(150, 95, 468, srvY(40, i), 'rpc', 2.5), arrow(150, 235, 468, srvY(40, i), 'rpc', 2.5)]),
    arrow(150, 245, 468, 248, 'none'),
    pill(300, 300, t('scale-up: not seen until a connection drops'), 'danger'),
  ]),
  endpoints: svg(t('EndpointSlice resolver'), t('The kubernetes resolver in each client watches EndpointSlices through the API server, with a namespaced Role; clients spread RPCs over the ready pods.'), [
    box(20, 10, 170, 50, 'control', t('API server'), 'EndpointSlices'),
    pill(335, 35, t('Role: list · watch endpointslices'), 'control'),
    box(20, 110, 150, 50, 'client', t('client 1'), 'kubernetes:///'),
    box(20, 240, 150, 50, 'client', t('client 2'), 'kubernetes:///'),
    arrow(95, 108, 95, 62, 'watch'), curve(20, 265, -10, 160, 30, 62, 'watch'),
    note(120, 88, t('watch'), 'start'),
    ...servers(470, 100),
    ...[0, 1, 2].flatMap((i) => [arrow(170, 135, 468, srvY(100, i), 'rpc', 2.5), arrow(170, 265, 468, srvY(100, i), 'rpc', 2.5)]),
    note(545, 290, t('ready endpoints only')),
    note(320, 322, t('without the Role: a 403 that names it')),
  ]),
  envoy: svg(t('Envoy proxy'), t('Clients hold one connection each to Envoy; Envoy balances every request over the pods found by STRICT_DNS on the headless Service; its admin port shows per-host rq_total.'), [
    box(20, 70, 130, 50, 'client', t('client 1'), 'dns:///envoy'),
    box(20, 220, 130, 50, 'client', t('client 2'), 'dns:///envoy'),
    box(230, 120, 150, 100, 'proxy', 'Envoy', 'L7 · ROUND_ROBIN'),
    arrow(150, 95, 228, 150, 'rpc'), arrow(150, 245, 228, 190, 'rpc'),
    ...servers(470, 62),
    ...[0, 1, 2].map((i) => arrow(380, 170, 468, srvY(62, i), 'rpc', 3)),
    pill(305, 250, t('STRICT_DNS · HTTP/2 · gRPC health checks'), 'proxy'),
    pill(305, 90, t('admin :9901 /clusters → rq_total'), 'infra'),
    note(305, 290, t('one connection per client, spread per request')),
  ]),
  etcd: svg(t('etcd registry'), t('Servers put their address into etcd under a lease and keep it alive; clients watch the prefix and spread RPCs; a killed server leaves when its lease expires.'), [
    box(20, 80, 130, 50, 'client', t('client 1'), 'etcd:///'),
    box(20, 220, 130, 50, 'client', t('client 2'), 'etcd:///'),
    box(230, 10, 170, 50, 'control', 'etcd', 'greeter-server/ip:port'),
    curve(85, 78, 100, 30, 228, 30, 'watch'), note(120, 24, t('watch prefix')),
    ...servers(470, 80, ['server-1', 'server-2', t('killed')], ['server', 'server', 'idle']),
    curve(545, 78, 520, 30, 402, 32, 'watch'), note(620, 24, t('put with a lease (TTL 10 s)'), 'end'),
    ...[0, 1].flatMap((i) => [arrow(150, 105, 468, srvY(80, i), 'rpc', 2.5), arrow(150, 245, 468, srvY(80, i), 'rpc', 2.5)]),
    pill(520, 298, t('key expires after the TTL'), 'danger'),
  ]),
  'envoy-sidecar': svg(t('Envoy as a sidecar'), t('Each client pod has its own Envoy listening on 127.0.0.1:9000, which spreads requests over the server pods.'), [
    group(10, 30, 300, 110, t('client pod 1')),
    box(25, 60, 120, 50, 'client', t('client'), '127.0.0.1:9000'),
    box(170, 60, 125, 50, 'proxy', 'Envoy', t('sidecar')),
    arrow(145, 85, 168, 85, 'rpc'),
    group(10, 190, 300, 110, t('client pod 2')),
    box(25, 220, 120, 50, 'client', t('client'), '127.0.0.1:9000'),
    box(170, 220, 125, 50, 'proxy', 'Envoy', t('sidecar')),
    arrow(145, 245, 168, 245, 'rpc'),
    ...servers(470, 62),
    ...[0, 1, 2].flatMap((i) => [arrow(295, 85, 468, srvY(62, i), 'rpc', 2.5), arrow(295, 245, 468, srvY(62, i), 'rpc', 2.5)]),
    note(390, 320, t('no central proxy')),
  ]),
  istio: svg(t('Istio service mesh'), t('In the grpc-lb-mesh namespace every pod has an Envoy sidecar configured by istiod; the client sidecar balances requests ROUND_ROBIN; Kiali draws the graph from Prometheus.'), [
    group(5, 60, 630, 275, t('namespace grpc-lb-mesh · istio-injection=enabled')),
    box(220, 5, 130, 44, 'control', 'istiod', 'xDS'),
    box(470, 5, 150, 44, 'infra', 'Kiali', '+ Prometheus'),
    box(20, 110, 110, 44, 'client', t('client 1'), ''), box(135, 110, 80, 44, 'proxy', t('sidecar'), ''),
    box(20, 240, 110, 44, 'client', t('client 2'), ''), box(135, 240, 80, 44, 'proxy', t('sidecar'), ''),
    ...[0, 1, 2].flatMap((i) => [box(420, 90 + i * 70, 80, 44, 'proxy', t('sidecar'), ''), box(505, 90 + i * 70, 120, 44, 'server', 'greeter-server', '')]),
    ...[0, 1, 2].flatMap((i) => [arrow(215, 132, 418, 112 + i * 70, 'rpc', 2.5), arrow(215, 262, 418, 112 + i * 70, 'rpc', 2.5)]),
    curve(260, 49, 200, 80, 180, 108, 'watch'),
    pill(315, 320, t('DestinationRule: ROUND_ROBIN · port name grpc'), 'control'),
  ]),
  proxyless: svg(t('Proxyless gRPC'), t('Clients speak xDS to istiod directly, with a bootstrap written by the grpc-agent; no Envoy is in the request path and the server pods have no sidecar.'), [
    group(5, 60, 630, 275, t('namespace grpc-lb-mesh')),
    box(230, 5, 170, 44, 'control', 'istiod', t('xDS control plane')),
    group(15, 90, 200, 80, t('client pod 1')), box(25, 112, 180, 46, 'client', t('gRPC client'), 'xds:///greeter-server…'),
    group(15, 220, 200, 80, t('client pod 2')), box(25, 242, 180, 46, 'client', t('gRPC client'), 'xds:///greeter-server…'),
    curve(115, 110, 150, 40, 228, 27, 'watch'), curve(205, 262, 300, 150, 300, 51, 'watch'),
    ...servers(470, 90),
    ...[0, 1, 2].flatMap((i) => [arrow(205, 135, 468, srvY(90, i), 'rpc', 2.5), arrow(205, 265, 468, srvY(90, i), 'rpc', 2.5)]),
    note(545, 280, t('no sidecars')),
    pill(330, 318, t('grpc-agent writes GRPC_XDS_BOOTSTRAP'), 'control'),
  ]),
  'max-age': svg(t('Max connection age'), t('Servers close each connection after the max age with a GOAWAY; the client resolves DNS again (at most once per second) and starts sending RPCs to the new pod.'), [
    box(20, 90, 140, 50, 'client', t('client 1'), t('dns min 1 s')),
    box(20, 220, 140, 50, 'client', t('client 2'), t('dns min 1 s')),
    box(210, 10, 200, 44, 'infra', 'DNS', 'greeter-server-headless'),
    curve(90, 88, 100, 30, 208, 30, 'watch'), note(20, 180, t('DNS again after'), 'start'), note(20, 196, t('each GOAWAY'), 'start'),
    ...servers(470, 40),
    box(470, 226, 150, 44, 'server', 'greeter-server', t('new pod')),
    ...[0, 1, 2].flatMap((i) => [arrow(160, 115, 468, srvY(40, i), 'rpc', 2.5), arrow(160, 245, 468, srvY(40, i), 'rpc', 2.5)]),
    arrow(160, 120, 468, 248, 'rpc', 2.5), arrow(160, 250, 468, 250, 'rpc', 2.5),
    pill(535, 300, t('GOAWAY after max age'), 'server'),
    pill(280, 320, t('new pod used within about one age'), 'client'),
  ]),
  'clean-up': svg(t('Clean-up by label'), t('Clean-up deletes only objects labelled app.kubernetes.io/part-of=grpc-lb-lab and grpc-lb.dev/chapter for the chapter; other objects in the cluster are not touched.'), [
    pill(320, 24, 'part-of=grpc-lb-lab · grpc-lb.dev/chapter=<id>', 'danger'),
    group(20, 50, 380, 270, t('labelled: deleted')),
    box(40, 80, 160, 44, 'server', 'Deployment', 'greeter-server'),
    box(220, 80, 160, 44, 'client', 'Deployment', 'greeter-client-<id>'),
    box(40, 140, 160, 44, 'infra', 'Service', 'greeter-server'),
    box(220, 140, 160, 44, 'infra', 'Service', 'greeter-server-headless'),
    box(40, 200, 160, 44, 'proxy', 'Envoy / etcd', t('where the chapter has them')),
    box(220, 200, 160, 44, 'control', 'Role, ConfigMap', '…'),
    box(110, 262, 200, 44, 'infra', t('Namespaces'), t('only when cleaning up all')),
    group(430, 50, 190, 270, t('everything else: kept')),
    box(450, 100, 150, 44, 'idle', t('your workloads'), ''),
    box(450, 170, 150, 44, 'idle', 'kube-system', ''),
    box(450, 240, 150, 44, 'idle', 'istio-system', ''),
  ]),
});

/** The diagrams' words in 简体中文 (the glossary in CONTRIBUTING.md); names, kinds and code stay as they are. */
const ZH = {
  '127.0.0.1, no cluster': '127.0.0.1，无需集群',
  'API server': 'API 服务器',
  'Build Images': '构建镜像',
  'Building the images': '构建镜像',
  'Clean-up by label': '按标签清理',
  'Clean-up deletes only objects labelled app.kubernetes.io/part-of=grpc-lb-lab and grpc-lb.dev/chapter for the chapter; other objects in the cluster are not touched.':
    '清理只删除带有 app.kubernetes.io/part-of=grpc-lb-lab 标签、且 grpc-lb.dev/chapter 为该章的对象；集群中的其他对象不受影响。',
  'Clients hold one connection each to Envoy; Envoy balances every request over the pods found by STRICT_DNS on the headless Service; its admin port shows per-host rq_total.':
    '每个客户端与 Envoy 只有一条连接；Envoy 把每个请求分摊到它通过 STRICT_DNS 在 Headless Service 上找到的 Pod；其管理端口显示每个主机的 rq_total。',
  'Clients speak xDS to istiod directly, with a bootstrap written by the grpc-agent; no Envoy is in the request path and the server pods have no sidecar.':
    '客户端直接与 istiod 通过 xDS 通信，引导文件由 grpc-agent 写入；请求路径上没有 Envoy，服务端 Pod 也没有 Sidecar。',
  'DNS again after': '每次 GOAWAY 后',
  'DNS returns every pod IP; each client opens a connection to each pod and spreads its RPCs; a pod added later gets nothing until a connection drops.':
    'DNS 返回所有 Pod 的 IP；每个客户端与每个 Pod 各建一条连接并分摊 RPC；之后新增的 Pod 在有连接断开之前什么也收不到。',
  'DestinationRule: ROUND_ROBIN · port name grpc': 'DestinationRule：ROUND_ROBIN · 端口名 grpc',
  'Each client opens one HTTP/2 connection to the ClusterIP; kube-proxy sends each connection to one pod, so each client sends all its RPCs to one pod and one pod may get none.':
    '每个客户端与 ClusterIP 建一条 HTTP/2 连接；kube-proxy 把每条连接交给一个 Pod，所以每个客户端的全部 RPC 都发往同一个 Pod，也可能有 Pod 一个也收不到。',
  'Each client pod has its own Envoy listening on 127.0.0.1:9000, which spreads requests over the server pods.':
    '每个客户端 Pod 都有自己的 Envoy，监听 127.0.0.1:9000，把请求分摊到各服务端 Pod。',
  'EndpointSlice resolver': 'EndpointSlice 解析器',
  'Envoy as a sidecar': 'Envoy 作为 Sidecar',
  'Envoy proxy': 'Envoy 代理',
  'GOAWAY after max age': '达到最大存活时间后 GOAWAY',
  'Headless Service and DNS': 'Headless Service 与 DNS',
  'In the grpc-lb-mesh namespace every pod has an Envoy sidecar configured by istiod; the client sidecar balances requests ROUND_ROBIN; Kiali draws the graph from Prometheus.':
    '在 grpc-lb-mesh 命名空间中，每个 Pod 都有一个由 istiod 配置的 Envoy Sidecar；客户端的 Sidecar 按 ROUND_ROBIN 分摊请求；Kiali 根据 Prometheus 的数据绘制拓扑图。',
  'Istio chapters': 'Istio 各章',
  'Istio service mesh': 'Istio 服务网格',
  'Max connection age': '连接最大存活时间',
  Namespaces: '命名空间',
  'Proxyless gRPC': '无代理 gRPC',
  'Role: list · watch endpointslices': 'Role：list · watch endpointslices',
  'STRICT_DNS · HTTP/2 · gRPC health checks': 'STRICT_DNS · HTTP/2 · gRPC 健康检查',
  'Servers close each connection after the max age with a GOAWAY; the client resolves DNS again (at most once per second) and starts sending RPCs to the new pod.':
    '服务端在连接达到最大存活时间后用 GOAWAY 关闭它；客户端重新解析 DNS（最多每秒一次），开始把 RPC 发往新 Pod。',
  'Servers put their address into etcd under a lease and keep it alive; clients watch the prefix and spread RPCs; a killed server leaves when its lease expires.':
    '服务端在租约下把自己的地址写入 etcd 并保持租约存活；客户端监听前缀并分摊 RPC；被强杀的服务端在租约过期时才被移除。',
  'The kubernetes resolver in each client watches EndpointSlices through the API server, with a namespaced Role; clients spread RPCs over the ready pods.':
    '每个客户端中的 kubernetes 解析器凭命名空间内的 Role 通过 API 服务器监听 EndpointSlice；客户端把 RPC 分摊到就绪的 Pod。',
  'The tools of this tutorial': '本教程用到的工具',
  'VS Code with the gRPC LB extension uses minikube and docker for the cluster chapters, istioctl for the mesh chapters and etcd for the local lab; kubectl is optional.':
    '装有 gRPC LB 扩展的 VS Code：集群各章用 minikube 和 docker，服务网格各章用 istioctl，本地实验室用 etcd；kubectl 可选。',
  'admin :9901 /clusters → rq_total': '管理端口 :9901 /clusters → rq_total',
  'and clients': '和客户端',
  'builds the images': '构建镜像',
  'client 1': '客户端 1',
  'client 2': '客户端 2',
  'client pod 1': '客户端 Pod 1',
  'client pod 2': '客户端 Pod 2',
  client: '客户端',
  'dns min 1 s': 'DNS 最小间隔 1 秒',
  'docker builds the server and client images inside minikube using minikube docker-env, so the pods start them without a registry.':
    'docker 借助 minikube docker-env 在 minikube 内构建服务端和客户端镜像，Pod 无需镜像仓库即可启动它们。',
  'docker container': 'docker 容器',
  'docker daemon': 'docker 守护进程',
  'each GOAWAY': '重新解析 DNS',
  'etcd registry': 'etcd 注册中心',
  'everything else: kept': '其他一切：保留',
  'gRPC LB extension': 'gRPC LB 扩展',
  'gRPC client': 'gRPC 客户端',
  'greeter-server-headless → 3 IPs': 'greeter-server-headless → 3 个 IP',
  'grpc-agent writes GRPC_XDS_BOOTSTRAP': 'grpc-agent 写入 GRPC_XDS_BOOTSTRAP',
  image: '镜像',
  'imagePullPolicy: Never, no registry': 'imagePullPolicy: Never，无需镜像仓库',
  'inside minikube': '在 minikube 内',
  'key expires after the TTL': '键在 TTL 后过期',
  killed: '被强杀',
  'kube-proxy picks a pod': 'kube-proxy 为每条连接',
  'labelled: deleted': '带标签的：删除',
  'local lab only': '仅本地实验室',
  'local lab': '本地实验室',
  'minikube node': 'minikube 节点',
  'minikube runs a one-node Kubernetes cluster in a docker container; the extension reaches it through the Kubernetes API with the minikube kube context.':
    'minikube 在一个 docker 容器中运行单节点 Kubernetes 集群；扩展使用 minikube 这个 kube 上下文，通过 Kubernetes API 访问它。',
  'namespace grpc-lb-mesh · istio-injection=enabled': '命名空间 grpc-lb-mesh · istio-injection=enabled',
  'namespace grpc-lb-mesh': '命名空间 grpc-lb-mesh',
  'new pod used within about one age': '约一个存活时间内用上新 Pod',
  'new pod': '新 Pod',
  'no central proxy': '没有集中的代理',
  'no sidecars': '没有 Sidecar',
  once: '一次',
  'one connection per client, spread per request': '每个客户端一条连接，按请求分摊',
  'one connection': '一条连接',
  'only when cleaning up all': '仅在全部清理时',
  optional: '可选',
  'per connection': '选一个 Pod',
  pods: 'Pod',
  'put with a lease (TTL 10 s)': '带租约写入（TTL 10 秒）',
  'reads minikube docker-env': '读取 minikube docker-env',
  'ready endpoints only': '只用就绪的端点',
  'real gRPC servers': '真实的 gRPC 服务端',
  'scale-up: not seen until a connection drops': '扩容：在有连接断开之前看不到',
  'server + client code': '服务端和客户端代码',
  'server-2: no RPCs': 'server-2：没有 RPC',
  sidecar: 'Sidecar',
  'the cluster': '集群',
  'watch prefix': '监听前缀',
  watch: '监听',
  'where the chapter has them': '若该章用到',
  'without the Role: a 403 that names it': '没有 Role：403 错误会指出缺哪个',
  'xDS control plane': 'xDS 控制平面',
  'your workloads': '你的工作负载',
  'pod 1': 'Pod 1',
  'pod 2': 'Pod 2',
  'pod 3': 'Pod 3',
};

/** English as written; 简体中文 from ZH, and a word without a translation stops the drawing. */
const LANGUAGES = {
  '': (s) => s,
  '.zh-cn': (s) => {
    if (!(s in ZH)) throw new Error(`draw.mjs: no 简体中文 for "${s}" in ZH`);
    return ZH[s];
  },
};

let count = 0;
for (const [suffix, t] of Object.entries(LANGUAGES)) {
  for (const [id, content] of Object.entries(diagrams(t))) {
    writeFileSync(join(OUT, `${id}${suffix}.svg`), content);
    count++;
  }
}
console.log(`wrote ${count} diagrams to ${OUT}`);
