/**
 * Which spans failed. The span status says so when it is set; where it is UNSET (many exporters, converted data),
 * the conventional attributes and events do: `http.status_code` / `http.response.status_code` ≥ 500,
 * `rpc.grpc.status_code` ≠ 0, or an `exception` event — and, where exports carry no attributes at all, a span of a
 * framework's error handler (Spring Boot's `BasicErrorController.error`, an `ErrorHandler`/`ExceptionHandler`, the
 * `/error` route): frameworks run it only when a request failed, so the request's span (the handler's parent in the
 * same service) is the failed one. An explicit OK status wins over all of these (the
 * OTel spec lets instrumentation mark a span OK deliberately).
 */
import { StatusCode, type SpanTable } from './span-table';

const HTTP_KEYS = ['http.status_code', 'http.response.status_code'];
const GRPC_KEYS = ['rpc.grpc.status_code'];

/**
 * Does an operation name name an error handler? `BasicErrorController.error`, `GlobalExceptionHandler.handle`,
 * `ErrorHandler`, `handleError`, `GET /error`, `/error` — not names that merely contain the word (`ErrorReporter.send`,
 * `/api/errors/list`, `getErrorCount`).
 */
export function isErrorHandlerName(name: string): boolean {
  return ERROR_HANDLER.test(name);
}
const ERROR_HANDLER = /(?:error|exception)(?:controller|handler)\b|\bhandle_?(?:error|exception)\b|(?:^|\s)\/error(?:$|[\s?/])/i;

/**
 * Is span row r an error handler's span? Each distinct operation name is tested once (the model interns names), so a
 * run of a million spans costs one regex test per distinct name.
 */
export function errorHandlerRows(model: SpanTable): (r: number) => boolean {
  const verdict = new Uint8Array(model.strings.size); // 0 not yet tested, 1 no, 2 an error handler
  return (r) => {
    const id = model.nameCol[r]!;
    let v = verdict[id]!;
    if (v === 0) verdict[id] = v = isErrorHandlerName(model.strings.get(id)) ? 2 : 1;
    return v === 2;
  };
}

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
  const isHandler = errorHandlerRows(model);
  for (let r = 0; r < n; r++) {
    if (!isHandler(r) || model.statusCode[r] !== StatusCode.Unset) continue;
    // the handler runs for the request that failed: that request's span (its parent in the same service) failed
    const p = model.parent[r]!;
    if (p >= 0 && model.serviceCol[p] === model.serviceCol[r] && model.statusCode[p] === StatusCode.Unset) out[p] = 1;
    else if (p < 0 || model.serviceCol[p] !== model.serviceCol[r]) out[r] = 1;
  }
  for (const [r, evs] of model.events) {
    if (model.statusCode[r] !== StatusCode.Unset || out[r]) continue;
    if (evs.some((ev) => ev.name === 'exception')) out[r] = 1;
  }
  return out;
}
