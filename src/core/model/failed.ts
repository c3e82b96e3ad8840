/**
 * Which spans failed. The span status says so when it is set; where it is UNSET (many exporters, converted data),
 * the conventional attributes and events do: `http.status_code` / `http.response.status_code` ≥ 500,
 * `rpc.grpc.status_code` ≠ 0, or an `exception` event. An explicit OK status wins over attributes (the OTel spec lets
 * instrumentation mark a span OK deliberately).
 */
import { StatusCode, type SpanTable } from './span-table';

const HTTP_KEYS = ['http.status_code', 'http.response.status_code'];
const GRPC_KEYS = ['rpc.grpc.status_code'];

/** 1 per failed span row. */
export function failedSpans(model: SpanTable): Uint8Array {
  const n = model.size;
  const out = new Uint8Array(n);
  for (let r = 0; r < n; r++) if (model.statusCode[r] === StatusCode.Error) out[r] = 1;
  const http = HTTP_KEYS.map((k) => model.strings.lookup(k)).filter((k) => k >= 0);
  const grpc = GRPC_KEYS.map((k) => model.strings.lookup(k)).filter((k) => k >= 0);
  if (http.length + grpc.length > 0) {
    for (let r = 0; r < n; r++) {
      if (model.statusCode[r] !== StatusCode.Unset || out[r]) continue;
      for (let a = model.attrOffset[r]!, e = model.attrOffset[r + 1]!; a < e; a++) {
        const k = model.attrKey[a]!;
        const isHttp = http.includes(k);
        if (!isHttp && !grpc.includes(k)) continue;
        const v = Number(model.strings.get(model.attrVal[a]!));
        if (!Number.isFinite(v)) continue;
        if (isHttp ? v >= 500 : v !== 0) {
          out[r] = 1;
          break;
        }
      }
    }
  }
  for (const [r, evs] of model.events) {
    if (model.statusCode[r] !== StatusCode.Unset || out[r]) continue;
    if (evs.some((ev) => ev.name === 'exception')) out[r] = 1;
  }
  return out;
}
