"""Load generator: uploads images to the ingestion service at a target rate (Poisson arrivals).

    RATE=1 python load_generator.py      # the normal run
    RATE=3 python load_generator.py      # the spiked run
"""

import asyncio
import os
import random
import uuid
from pathlib import Path

import httpx
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.propagate import inject
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

resource = Resource.create({SERVICE_NAME: "load-generator", SERVICE_VERSION: "1.0.3"})
provider = TracerProvider(resource=resource)
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))  # OTEL_EXPORTER_OTLP_ENDPOINT
trace.set_tracer_provider(provider)
tracer = trace.get_tracer("load-generator.trace", "1.0.3")

INGEST_URL = os.environ.get("INGEST_URL", "http://ingestion:8000/ingest")
RATE = float(os.environ.get("RATE", "1"))  # requests per second
DURATION_S = float(os.environ.get("DURATION_S", "120"))
IMAGES = sorted(Path(os.environ.get("IMAGE_DIR", "images")).glob("*.jpg"))


async def send_image(client: httpx.AsyncClient, n: int, image: Path) -> None:
    request_id = uuid.uuid4().hex
    data = image.read_bytes()
    with tracer.start_as_current_span("POST /ingest", kind=SpanKind.CLIENT) as span:
        span.set_attribute("http.method", "POST")
        span.set_attribute("http.url", INGEST_URL)
        span.set_attribute("server.address", "ingestion")
        span.set_attribute("request.id", request_id)
        span.set_attribute("loadgen.request_number", n)
        span.set_attribute("loadgen.target_rps", RATE)
        span.set_attribute("file.name", image.name)
        span.set_attribute("file.size", len(data))

        headers = {"x-request-id": request_id}
        inject(headers)  # traceparent
        response = await client.post(
            INGEST_URL, files={"image": (image.name, data, "image/jpeg")}, headers=headers
        )
        span.set_attribute("http.status_code", response.status_code)
        if response.status_code >= 400:
            span.set_status(Status(StatusCode.ERROR, response.text[:200]))


async def main() -> None:
    if not IMAGES:
        raise SystemExit("no *.jpg under IMAGE_DIR")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DURATION_S
    tasks = []
    async with httpx.AsyncClient(timeout=60) as client:
        n = 0
        while True:
            await asyncio.sleep(random.expovariate(RATE))
            if loop.time() >= deadline:
                break
            n += 1
            tasks.append(asyncio.create_task(send_image(client, n, random.choice(IMAGES))))
        await asyncio.gather(*tasks)
    provider.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
