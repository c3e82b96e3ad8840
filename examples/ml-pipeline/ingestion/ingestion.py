"""Ingestion service: accepts uploads, validates them and hands them to the pre-processor.

    uvicorn ingestion:app --port 8000
"""

import os

import httpx
from fastapi import FastAPI, HTTPException, Request, UploadFile
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

resource = Resource.create({SERVICE_NAME: "ingestion", SERVICE_VERSION: "2.3.0"})
provider = TracerProvider(resource=resource)
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(provider)
tracer = trace.get_tracer("ingestion.trace", "2.3.0")

PREPROCESS_URL = os.environ.get("PREPROCESS_URL", "http://pre-processor:5001/preprocess")
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
ALLOWED_TYPES = {"image/jpeg", "image/png"}

app = FastAPI()
client = httpx.AsyncClient(timeout=60)


@tracer.start_as_current_span("validate-upload")
def validate_upload(image: UploadFile, data: bytes) -> None:
    span = trace.get_current_span()
    span.set_attribute("file.size", len(data))
    if image.content_type not in ALLOWED_TYPES:
        raise HTTPException(status_code=415, detail=f"unsupported type {image.content_type}")
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(status_code=413, detail="image too large")
    if not data[:2] == b"\xff\xd8" and not data[:4] == b"\x89PNG":
        raise HTTPException(status_code=400, detail="not an image")


@app.post("/ingest")
async def ingest(request: Request, image: UploadFile):
    request_id = request.headers.get("x-request-id", "")
    with tracer.start_as_current_span(
        "POST /ingest", context=extract(request.headers), kind=SpanKind.SERVER
    ) as span:
        data = await image.read()
        span.set_attribute("http.method", request.method)
        span.set_attribute("http.route", "/ingest")
        span.set_attribute("request.id", request_id)
        span.set_attribute("file.name", image.filename)
        span.set_attribute("file.size", len(data))

        validate_upload(image, data)

        with tracer.start_as_current_span("POST /preprocess", kind=SpanKind.CLIENT) as call:
            call.set_attribute("http.method", "POST")
            call.set_attribute("http.url", PREPROCESS_URL)
            call.set_attribute("server.address", "pre-processor")
            headers = {"x-request-id": request_id}
            inject(headers)
            response = await client.post(
                PREPROCESS_URL,
                files={"image": (image.filename, data, image.content_type)},
                headers=headers,
            )
            call.set_attribute("http.status_code", response.status_code)
            if response.status_code >= 400:
                call.set_status(Status(StatusCode.ERROR, response.text[:200]))

        span.set_attribute("http.status_code", response.status_code)
        if response.status_code >= 400:
            span.set_status(Status(StatusCode.ERROR, "pre-processor failed"))
            raise HTTPException(status_code=response.status_code, detail=response.text)
        return response.json()
