# foodscan in one image: the API, a worker, or both (the default, on SQLite under /data).
#
#   docker build -t foodscan .
#   docker run -p 8000:8000 -e FOODSCAN_SECRET_KEY=… -v foodscan-data:/data foodscan
#
# Everything OCR needs comes inside the wheels: RapidOCR's Latin models in its own, Tesseract's
# engine in tesserocr's, its Russian, Polish, English and orientation data in foodscan's. No OS
# package, nothing downloaded at run time.
FROM python:3.11-slim-bookworm

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN pip install --no-cache-dir ".[s3,llm]" \
 && useradd --system --home /data --uid 10001 foodscan \
 && mkdir -p /data && chown foodscan /data

USER foodscan
ENV FOODSCAN_DATA_DIR=/data \
    FOODSCAN_HOST=0.0.0.0 \
    PYTHONUNBUFFERED=1
VOLUME /data
EXPOSE 8000

# Binding 0.0.0.0 needs FOODSCAN_SECRET_KEY: foodscan refuses to serve the network without one.
# Scale-out: `foodscan serve --no-worker` (API) and `foodscan worker` with FOODSCAN_DATABASE_URL.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["foodscan"]
CMD ["serve"]
