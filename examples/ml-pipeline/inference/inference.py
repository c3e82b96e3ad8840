"""Inference service: runs the object detector and forwards detections to the post-processor.

    uvicorn inference:app --port 5002

MODEL_V2_SHARE routes that fraction of requests to the canary model (model.version=v2).
"""

import os
import random

import httpx
import numpy as np
import onnxruntime as ort
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

resource = Resource.create({SERVICE_NAME: "inference", SERVICE_VERSION: "3.1.0"})
provider = TracerProvider(resource=resource)
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(provider)
tracer = trace.get_tracer("inference.trace", "3.1.0")

POSTPROCESS_URL = os.environ.get("POSTPROCESS_URL", "http://post-processor:5004/postprocess")
MODEL_NAME = "yolov8n"
MODEL_V2_SHARE = float(os.environ.get("MODEL_V2_SHARE", "0"))
SESSIONS = {
    "v1": ort.InferenceSession("models/yolov8n-v1.onnx", providers=["CUDAExecutionProvider"]),
    "v2": ort.InferenceSession("models/yolov8n-v2.onnx", providers=["CUDAExecutionProvider"]),
}
SCORE_THRESHOLD = 0.25

app = FastAPI()
client = httpx.AsyncClient(timeout=60)


def detect(version: str, tensor: np.ndarray) -> list[dict]:
    session = SESSIONS[version]
    (output,) = session.run(None, {session.get_inputs()[0].name: tensor})
    rows = output[0].T
    return [
        {"box": row[:4].tolist(), "label_id": int(row[4:].argmax()), "score": float(row[4:].max())}
        for row in rows
        if row[4:].max() >= SCORE_THRESHOLD
    ]


@app.post("/infer")
async def infer(request: Request):
    request_id = request.headers.get("x-request-id", "")
    with tracer.start_as_current_span(
        "inference", context=extract(request.headers), kind=SpanKind.SERVER
    ) as span:
        version = "v2" if random.random() < MODEL_V2_SHARE else "v1"
        span.set_attribute("http.method", request.method)
        span.set_attribute("http.route", "/infer")
        span.set_attribute("request.id", request_id)
        span.set_attribute("model.name", MODEL_NAME)
        span.set_attribute("model.version", version)
        span.set_attribute("batch.size", 1)

        tensor = np.frombuffer(await request.body(), dtype=np.float32).reshape(1, 3, 640, 640)
        try:
            detections = detect(version, tensor)
        except RuntimeError as exc:  # onnxruntime surfaces CUDA OOM / dead worker as RuntimeError
            span.record_exception(exc)
            span.set_attribute("http.status_code", 503)
            span.set_status(Status(StatusCode.ERROR, "model worker unavailable"))
            return JSONResponse(status_code=503, content={"error": "model worker unavailable"})
        span.set_attribute("detections.count", len(detections))

        with tracer.start_as_current_span("POST /postprocess", kind=SpanKind.CLIENT) as call:
            call.set_attribute("http.method", "POST")
            call.set_attribute("http.url", POSTPROCESS_URL)
            call.set_attribute("server.address", "post-processor")
            headers = {"x-request-id": request_id}
            inject(headers)
            response = await client.post(
                POSTPROCESS_URL, json={"detections": detections}, headers=headers
            )
            call.set_attribute("http.status_code", response.status_code)

        if response.status_code >= 400:
            span.set_attribute("http.status_code", 502)
            span.set_status(Status(StatusCode.ERROR, "post-processor failed"))
            return JSONResponse(status_code=502, content={"error": "post-processor failed"})
        span.set_attribute("http.status_code", 200)
        return response.json()
