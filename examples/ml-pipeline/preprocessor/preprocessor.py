"""Pre-processor: decodes, letterboxes and normalises images for the detector, then calls inference.

    uvicorn preprocessor:app --port 5001

The image work is CPU-bound, so it runs on a dedicated executor with ONE worker: the event loop stays
responsive, but at most one image is processed at a time. At 1 request/s that is plenty (~310 ms of work
per image); at 3 requests/s requests arrive faster than the worker finishes them and wait for it.
"""

import asyncio
import contextvars
import os
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import httpx
import numpy as np
from fastapi import FastAPI, HTTPException, Request, UploadFile
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode
from PIL import Image

resource = Resource.create({SERVICE_NAME: "pre-processor", SERVICE_VERSION: "1.8.1"})
provider = TracerProvider(resource=resource)
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(provider)
tracer = trace.get_tracer("pre-processor.trace", "1.8.1")

INFERENCE_URL = os.environ.get("INFERENCE_URL", "http://inference:5002/infer")
TARGET = 640
WORKERS = int(os.environ.get("PREPROCESS_WORKERS", "1"))
CPU_POOL = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="preprocess")

app = FastAPI()
client = httpx.AsyncClient(timeout=60)


@tracer.start_as_current_span("preprocess-image")
def preprocess_image(data: bytes) -> bytes:
    """Decode, letterbox to TARGET x TARGET and normalise to float32 CHW."""
    span = trace.get_current_span()
    span.set_attribute("image.target_size", f"{TARGET}x{TARGET}")
    span.set_attribute("file.size", len(data))
    img = Image.open(BytesIO(data)).convert("RGB")
    scale = TARGET / max(img.size)
    resized = img.resize((round(img.width * scale), round(img.height * scale)), Image.BILINEAR)
    canvas = Image.new("RGB", (TARGET, TARGET), (114, 114, 114))
    canvas.paste(resized, ((TARGET - resized.width) // 2, (TARGET - resized.height) // 2))
    tensor = np.asarray(canvas, dtype=np.float32).transpose(2, 0, 1) / 255.0
    return tensor.tobytes()


async def call_inference(payload: bytes, request_id: str) -> httpx.Response:
    """POST to inference; up to 3 attempts, 100 ms apart, on 5xx."""
    for attempt in range(3):
        with tracer.start_as_current_span(
            "POST /infer",
            kind=SpanKind.CLIENT,
        ) as span:
            span.set_attribute("http.method", "POST")
            span.set_attribute("http.url", INFERENCE_URL)
            span.set_attribute("server.address", "inference")
            span.set_attribute("http.resend_count", attempt)
            headers = {"x-request-id": request_id, "content-type": "application/octet-stream"}
            inject(headers)
            response = await client.post(INFERENCE_URL, content=payload, headers=headers)
            span.set_attribute("http.status_code", response.status_code)
            if response.status_code < 500:
                return response
            span.set_status(Status(StatusCode.ERROR, response.text[:200]))
        if attempt < 2:
            await asyncio.sleep(0.1)
    return response


@app.post("/preprocess")
async def preprocess(request: Request, image: UploadFile):
    request_id = request.headers.get("x-request-id", "")
    parent_context = extract(request.headers)

    # One span per request, from arrival to response: includes the wait for the CPU worker.
    with tracer.start_as_current_span(
        "preprocess-request",
        context=parent_context,
        kind=SpanKind.SERVER,
    ) as span:
        span.set_attribute("http.method", request.method)
        span.set_attribute("http.route", "/preprocess")
        span.set_attribute("request.id", request_id)
        span.set_attribute("file.name", image.filename)
        span.set_attribute("file.size", image.size)

        data = await image.read()
        loop = asyncio.get_running_loop()
        # run_in_executor does not carry contextvars: copy them so preprocess-image nests under this span
        ctx = contextvars.copy_context()
        payload = await loop.run_in_executor(CPU_POOL, ctx.run, preprocess_image, data)

        response = await call_inference(payload, request_id)
        span.set_attribute("downstream.status_code", response.status_code)
        if response.status_code >= 400:
            span.set_attribute("http.status_code", 502)
            span.set_status(Status(StatusCode.ERROR, "Downstream service unavailable"))
            raise HTTPException(status_code=502, detail="Downstream service unavailable")
        span.set_attribute("http.status_code", 200)
        return response.json()
