/**
 * The webview's link to its host. Inside VS Code: acquireVsCodeApi() (acquired once), postMessage and
 * getState/setState. Standalone (the HTML report): data comes from the embedded
 * <script type="application/json" id="flame-data"> element, state lives in memory and messages to the host are
 * handled locally (go to source copies `file:line`).
 */
import type { FlameToHostMessage, FlameViewState, SetDataMessage } from '../../src/protocol/messages';
import { isExemplarBundle, type ExemplarBundle, type ExemplarToHostMessage } from '../../src/protocol/exemplars';

type ToHost = FlameToHostMessage | ExemplarToHostMessage;

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare const acquireVsCodeApi: undefined | (() => VsCodeApi);

export interface FlameHost {
  readonly standalone: boolean;
  post(m: ToHost): void;
  getState(): FlameViewState | undefined;
  setState(s: FlameViewState): void;
  /** standalone only: the embedded data */
  embedded(): SetDataMessage | null;
  /** standalone only: the embedded exemplar traces (<script type="application/json" id="flame-exemplars">) */
  embeddedExemplars(): ExemplarBundle | null;
}

export function connectHost(onLocal?: (m: ToHost) => void): FlameHost {
  if (typeof acquireVsCodeApi === 'function') {
    const api = acquireVsCodeApi();
    return {
      standalone: false,
      post: (m) => api.postMessage(m),
      getState: () => {
        const s = api.getState();
        return s && typeof s === 'object' ? (s as FlameViewState) : undefined;
      },
      setState: (s) => api.setState(s),
      embedded: () => null,
      embeddedExemplars: () => null,
    };
  }
  let state: FlameViewState | undefined;
  return {
    standalone: true,
    post: (m) => onLocal?.(m),
    getState: () => state,
    setState: (s) => {
      state = s;
    },
    embedded: () => {
      const el = document.getElementById('flame-data');
      if (!el?.textContent) return null;
      const parsed = JSON.parse(el.textContent) as Omit<SetDataMessage, 'type'>;
      return { ...parsed, type: 'setData' };
    },
    embeddedExemplars: () => {
      const el = document.getElementById('flame-exemplars');
      if (!el?.textContent) return null;
      const parsed: unknown = JSON.parse(el.textContent);
      return isExemplarBundle(parsed) ? parsed : null;
    },
  };
}
