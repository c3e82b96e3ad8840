"""Post-processor: attaches label names to detections and renders the annotated result.

    uvicorn postprocessor:app --port 5004

LABEL_LOOKUP=batched (default) fetches all label names in one query; LABEL_LOOKUP=per-detection is the
N+1 variant (one query per detection) used by the eval case postprocess-n-plus-one.
STORE_RESULTS=1 persists each result (PNG to object storage, row to the database), concurrently unless
STORE_CONCURRENTLY=0 (the lost-parallelism variant used by the eval case postprocess-serialized).
"""

import asyncio
import json
import os
from io import BytesIO

import asyncpg
import httpx
from fastapi import FastAPI, Request
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.propagate import extract
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind
from PIL import Image, ImageDraw

resource = Resource.create({SERVICE_NAME: "post-processor", SERVICE_VERSION: "1.2.5"})
provider = TracerProvider(resource=resource)
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(provider)
tracer = trace.get_tracer("post-processor.trace", "1.2.5")

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://labels-db/annotations")
LABEL_LOOKUP = os.environ.get("LABEL_LOOKUP", "batched")
SQL_BATCH = "SELECT id, name, color FROM labels WHERE id = ANY($1)"
SQL_ONE = "SELECT id, name, color FROM labels WHERE id = $1"
SQL_INSERT = "INSERT INTO results (request_id, detections) VALUES ($1, $2)"
STORE_RESULTS = os.environ.get("STORE_RESULTS", "0") == "1"
STORE_CONCURRENTLY = os.environ.get("STORE_CONCURRENTLY", "1") == "1"
RESULTS_URL = os.environ.get("RESULTS_URL", "http://minio:9000/results")

app = FastAPI()
pool: asyncpg.Pool | None = None
storage = httpx.AsyncClient(timeout=30)


@app.on_event("startup")
async def connect() -> None:
    global pool
    pool = await asyncpg.create_pool(DATABASE_URL, min_size=1, max_size=4)


async def query_labels(sql: str, arg) -> list:
    with tracer.start_as_current_span("SELECT labels", kind=SpanKind.CLIENT) as span:
        span.set_attribute("db.system", "postgresql")
        span.set_attribute("db.name", "annotations")
        span.set_attribute("db.statement", sql)
        span.set_attribute("db.operation", "SELECT")
        span.set_attribute("server.address", "labels-db")
        return await pool.fetch(sql, arg)


async def lookup_labels(label_ids: list[int]) -> dict[int, dict]:
    if LABEL_LOOKUP == "per-detection":
        rows = []
        for label_id in label_ids:  # one round trip per detection
            rows += await query_labels(SQL_ONE, label_id)
    else:
        rows = await query_labels(SQL_BATCH, sorted(set(label_ids)))
    return {row["id"]: dict(row) for row in rows}


@tracer.start_as_current_span("render-result")
def render_result(detections: list[dict], labels: dict[int, dict]) -> bytes:
    trace.get_current_span().set_attribute("image.format", "png")
    canvas = Image.new("RGB", (640, 640))
    draw = ImageDraw.Draw(canvas)
    for det in detections:
        label = labels.get(det["label_id"], {"name": "?", "color": "#ff0000"})
        draw.rectangle(det["box"], outline=label["color"], width=2)
        draw.text((det["box"][0], det["box"][1] - 10), f'{label["name"]} {det["score"]:.2f}')
    out = BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()


async def upload_result(request_id: str, png: bytes) -> None:
    url = f"{RESULTS_URL}/{request_id}.png"
    with tracer.start_as_current_span("PUT /results", kind=SpanKind.CLIENT) as span:
        span.set_attribute("http.method", "PUT")
        span.set_attribute("http.url", url)
        span.set_attribute("server.address", "minio")
        response = await storage.put(url, content=png, headers={"content-type": "image/png"})
        span.set_attribute("http.status_code", response.status_code)
        response.raise_for_status()


async def insert_result(request_id: str, detections: list[dict]) -> None:
    with tracer.start_as_current_span("INSERT results", kind=SpanKind.CLIENT) as span:
        span.set_attribute("db.system", "postgresql")
        span.set_attribute("db.name", "annotations")
        span.set_attribute("db.statement", SQL_INSERT)
        span.set_attribute("db.operation", "INSERT")
        span.set_attribute("server.address", "labels-db")
        await pool.execute(SQL_INSERT, request_id, json.dumps(detections))


@app.post("/postprocess")
async def postprocess(request: Request):
    body = await request.json()
    detections = body["detections"]
    with tracer.start_as_current_span(
        "postprocess", context=extract(request.headers), kind=SpanKind.SERVER
    ) as span:
        span.set_attribute("http.method", request.method)
        span.set_attribute("http.route", "/postprocess")
        request_id = request.headers.get("x-request-id", "")
        span.set_attribute("request.id", request_id)
        span.set_attribute("detections.count", len(detections))

        labels = await lookup_labels([d["label_id"] for d in detections])
        png = render_result(detections, labels)
        if STORE_RESULTS:
            if STORE_CONCURRENTLY:
                await asyncio.gather(upload_result(request_id, png), insert_result(request_id, detections))
            else:
                await upload_result(request_id, png)
                await insert_result(request_id, detections)
        span.set_attribute("http.status_code", 200)
        return {
            "detections": [
                {**d, "label": labels.get(d["label_id"], {}).get("name")} for d in detections
            ],
            "rendered_bytes": len(png),
        }
