# backproplab: one container that serves the whole app, offline.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/backproplab

COPY pyproject.toml README.md ./
COPY app ./app
COPY engine ./engine
COPY templates ./templates
COPY static ./static
RUN pip install . && useradd --create-home --uid 10001 lab

USER lab
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
  CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=2).status != 200)"

CMD ["backproplab", "--host", "0.0.0.0", "--port", "8000"]
