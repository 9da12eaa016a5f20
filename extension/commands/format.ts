import * as vscode from 'vscode';
import type { ClusterProgress } from '../core/cluster/clusterActions';
import { installCommandFor, NoImageLoaderError } from '../core/errors';
import type { DoctorProblem, DoctorReport } from '../core/toolchain/doctor';
import { MAX_REPLICAS, type ActionError } from '../core/workbook/actions';

/** A cluster action's progress event as one localized line. */
export function formatClusterProgress(p: ClusterProgress): string {
  switch (p.type) {
    case 'applied':
      return vscode.l10n.t('applied {0} {1} ({2}/{3})', p.kind, p.namespace ? `${p.namespace}/${p.name}` : p.name, p.index, p.total);
    case 'rollout':
      return vscode.l10n.t('waiting for {0}: {1}/{2} ready', p.deployment, p.ready, p.desired);
    case 'rolloutDone':
      return vscode.l10n.t('{0} is ready ({1} pods)', p.deployment, p.desired);
    case 'podWaiting':
      return vscode.l10n.t('pod {0} is waiting: {1}', p.pod, p.reason);
    case 'namespaceTerminating':
      return vscode.l10n.t('namespace {0} is still being deleted; waiting until it is gone', p.namespace);
    case 'scaled':
      return vscode.l10n.t('scaled {0} to {1}', p.deployment, p.replicas);
    case 'deleted':
      return vscode.l10n.t('deleted {0} {1}', p.kind, p.namespace ? `${p.namespace}/${p.name}` : p.name);
    case 'kept':
      return vscode.l10n.t('kept {0} {1}: chapter {2} still uses it', p.kind, p.namespace ? `${p.namespace}/${p.name}` : p.name, p.usedBy);
    case 'skipped':
      return vscode.l10n.t('skipped {0} {1}: the cluster does not serve this API', p.apiVersion, p.kind);
  }
}

/** A problem the doctor worded itself, in the UI language; a tool's or the API's own words stay as they are. */
function doctorProblem(problem: string | undefined, code: DoctorProblem | undefined): string {
  switch (code?.kind) {
    case 'timed-out':
      return vscode.l10n.t('no answer within {0} s', code.seconds);
    case 'no-answer':
      return vscode.l10n.t('no answer within {0} s', code.seconds);
    case 'exit-code':
      return code.code === null ? vscode.l10n.t('ended by a signal') : vscode.l10n.t('exit code {0}', code.code);
    case 'no-context':
      return vscode.l10n.t('no current kube context');
    case 'dangling':
      return code.missing === 'context'
        ? vscode.l10n.t('the kubeconfig\'s current-context "{0}" names no context', code.name)
        : vscode.l10n.t('the current context names {0} "{1}", which the kubeconfig does not have', code.missing, code.name);
    default:
      return problem ?? '';
  }
}

/** The doctor report as lines for an output channel or a workbook cell. */
export function formatDoctorReport(report: DoctorReport): string[] {
  const lines: string[] = [];
  for (const t of report.tools) {
    const optional = t.optional ? vscode.l10n.t(' (optional)') : '';
    if (t.found && !t.problem) {
      lines.push(`✔ ${t.command}${optional}: ${t.version ?? vscode.l10n.t('version unknown')} — ${t.path}`);
      if (t.expectedVersion) lines.push(`⚠ ${vscode.l10n.t('{0} {1}: the Istio chapters are written for Istio {2}; an istioctl of another minor release may install something else.', t.command, t.version ?? '', t.expectedVersion)}`);
    } else if (t.found) {
      lines.push(`⚠ ${t.command}${optional}: ${vscode.l10n.t('found at {0} but it does not work: {1}', t.path ?? '', doctorProblem(t.problem, t.problemCode))}`);
    } else {
      const command = installCommandFor(t.installHint)?.command;
      const how = command ? `${t.installHint.url}  (${command})` : t.installHint.url;
      lines.push(`${t.optional ? '○' : '✖'} ${t.command}${optional}: ${vscode.l10n.t('not found — install: {0}', how)}`);
    }
  }
  const c = report.cluster;
  if (!c.context) {
    lines.push(`✖ ${vscode.l10n.t('kube context: none (start minikube to create one)')}`);
  } else if (c.reachable) {
    lines.push(`✔ ${vscode.l10n.t('kube context "{0}" ({1}): the API answers, Kubernetes {2}', c.context, c.server ?? '', c.serverVersion ?? '?')}`);
    if (c.tooOld) {
      lines.push(`⚠ ${vscode.l10n.t('Kubernetes {0} is older than {1}, which the envoy-sidecar chapter needs (native sidecar containers).', c.serverVersion ?? '?', c.tooOld.minimum)}`);
    }
  } else {
    lines.push(`✖ ${vscode.l10n.t('kube context "{0}" ({1}): the API does not answer — {2}', c.context, c.server ?? '', doctorProblem(c.problem, c.problemCode))}`);
  }
  lines.push(formatImagesLine(report.images));
  if (c.context && !c.isMinikube) {
    lines.push(`⚠ ${vscode.l10n.t('"{0}" is not minikube: you will be asked before anything is written to it.', c.context)}`);
  }
  return lines;
}

/** How Build Sample Images would reach the cluster, or what to set. */
function formatImagesLine(images: DoctorReport['images']): string {
  if ('loader' in images) return `✔ ${vscode.l10n.t('images: {0} with {1} ({2})', images.loader.kind, images.loader.tool, images.loader.reason)}`;
  if (images.problem instanceof NoImageLoaderError) return `⚠ ${vscode.l10n.t('images: Build Sample Images cannot reach cluster "{0}" — set grpcLb.images.registry or grpcLb.images.loader', images.problem.context)}`;
  return `○ ${vscode.l10n.t('images: {0}', images.problem.message)}`;
}

/** A workbook action line's syntax error as one localized sentence (the parser's codes, words and choices). */
export function formatActionError(e: ActionError): string {
  const choices = e.expected.join(', ');
  const token = e.token ?? '';
  switch (e.code) {
    case 'unknown-action':
      return vscode.l10n.t('unknown action "{0}"; valid actions: {1}', token, e.expected.join(' | '));
    case 'missing-argument':
      return vscode.l10n.t('an argument is missing; expected one of: {0}', choices);
    case 'extra-argument':
      return vscode.l10n.t('unexpected "{0}" at the end of the line', token);
    case 'unknown-chapter':
      return vscode.l10n.t('unknown chapter "{0}"; expected one of: {1}', token, choices);
    case 'chapter-deploys-nothing':
      return vscode.l10n.t('the setup chapter deploys nothing; use one of: {0}', choices);
    case 'unknown-deployment':
      return vscode.l10n.t('cannot scale "{0}"; expected one of: {1}', token, choices);
    case 'bad-replicas':
      return vscode.l10n.t('replica count "{0}" must be a whole number from 0 to {1}', token, MAX_REPLICAS);
    case 'unknown-experiment':
      return vscode.l10n.t('unknown experiment "{0}"; expected one of: {1}', token, choices);
    case 'unknown-scenario':
      return vscode.l10n.t('unknown lab scenario "{0}"; expected one of: {1}', token, choices);
  }
}
