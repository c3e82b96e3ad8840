/**
 * Where credentials may go. A cloned repository's `.vscode/settings.json` can set traceDoctor.llm.baseURL or
 * traceDoctor.sources.urls; the API key / backend token the user stored would then be sent to a server the repository
 * chose. These settings are listed in package.json `capabilities.untrustedWorkspaces.restrictedConfigurations` (an
 * untrusted workspace cannot set them at all), and in a trusted workspace a stored credential goes to a URL that only
 * the workspace settings name after the user confirmed that origin once (remembered per user, not per workspace).
 * Pure: no `vscode` import.
 */
import { isLoopbackUrl } from '../llm/provider';

/** The settings that decide where trace data or credentials are sent (or who can reach the receiver). */
export const RESTRICTED_SETTINGS = [
  'traceDoctor.llm.provider',
  'traceDoctor.llm.baseURL',
  'traceDoctor.llm.ollamaHost',
  'traceDoctor.llm.redaction.enabled',
  'traceDoctor.llm.redaction.patterns',
  'traceDoctor.sources.urls',
  'traceDoctor.receiver.host',
  'traceDoctor.receiver.outDir',
] as const;

/** The scheme://host:port a URL sends to ('jaeger+http://…' prefixes dropped); '' when it is not a URL. */
export function originOf(url: string): string {
  try {
    return new URL(url.trim().replace(/^(jaeger|tempo|zipkin)\+/i, '')).origin.toLowerCase();
  } catch {
    return '';
  }
}

/** What `WorkspaceConfiguration.inspect()` returns, the parts used here. */
export interface Inspected<T> {
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

function list<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/**
 * Whether `url`'s origin comes only from workspace (or folder) settings: named there, and not in the user's own
 * (global) settings. Works for string settings (baseURL) and string-array settings (sources.urls).
 */
export function onlyInWorkspaceSettings(url: string, inspected: Inspected<string | string[]> | undefined): boolean {
  const o = originOf(url);
  if (!o || !inspected) return false;
  const same = (v: string) => originOf(v) === o;
  const inWorkspace = [...list(inspected.workspaceValue), ...list(inspected.workspaceFolderValue)].some(same);
  const inUser = list(inspected.globalValue).some(same);
  return inWorkspace && !inUser;
}

/**
 * Whether to ask before a stored credential goes to `url`: its origin came from workspace settings and was not
 * approved. A loopback server (127.0.0.1, localhost, ::1) is this machine: no question.
 */
export function needsCredentialConfirmation(url: string, inspected: Inspected<string | string[]> | undefined, approvedOrigins: readonly string[]): boolean {
  const plain = url.trim().replace(/^(jaeger|tempo|zipkin)\+/i, '');
  if (isLoopbackUrl(plain)) return false;
  return onlyInWorkspaceSettings(url, inspected) && !approvedOrigins.includes(originOf(url));
}
