# backproplab in a container: the whole app from one server, offline, as a non-root user.
#
#   docker build -t backproplab .
#   docker run -p 8000:8000 backproplab                  # then open http://localhost:8000/
#   docker run -p 8000:8000 backproplab backproplab --host 0.0.0.0 --port 8000 --workers 2
#
# Two stages: the first builds the project's wheel (hatchling puts templates/ and static/
# inside it, as app/templates and app/static); the second installs only that wheel and its
# dependencies, all binary wheels, so the image has no compiler, no build backend, no
# source tree and no pip cache.

FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# What the wheel is built from, and nothing else (.dockerignore keeps the rest out too).
COPY pyproject.toml README.md ./
COPY engine ./engine
COPY app ./app
COPY templates ./templates
COPY static ./static
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# --only-binary: every dependency (numpy, scipy, orjson, uvloop…) from a prebuilt wheel;
# if one ever needed compiling, the build fails here instead of pulling in a toolchain.
COPY --from=builder /wheels /tmp/wheels
RUN pip install --only-binary=:all: /tmp/wheels/*.whl \
 && rm -rf /tmp/wheels \
 && groupadd --gid 10001 lab \
 && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin lab
# By number: Kubernetes' runAsNonRoot can only verify a numeric user.
USER 10001:10001
WORKDIR /home/lab
EXPOSE 8000
# Python's urllib, so the image needs no curl; 127.0.0.1 is the container's own loopback.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4).status != 200)"]
# Inside a container the server must listen on all interfaces (0.0.0.0), or `docker run -p`
# cannot reach it; outside one, backproplab's default stays 127.0.0.1. Exec form: the
# server is PID 1 and gets `docker stop`'s SIGTERM itself.
CMD ["backproplab", "--host", "0.0.0.0", "--port", "8000"]
