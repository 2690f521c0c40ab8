# One image for every PTS function: FUNCTION_TARGET (and FUNCTION_SOURCE) pick which one
# `pts serve` runs. Build: docker build -t ghcr.io/pts-dev/pts:0.1.0 .
# syntax=docker/dockerfile:1

FROM python:3.11-slim AS build
COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app
# Dependencies first: this layer is reused until pyproject.toml or uv.lock change.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY shared ./shared
COPY migrations ./migrations
RUN uv sync --frozen --no-dev --no-editable

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin pts
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY functions ./functions
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PORT=8080
USER 10001
EXPOSE 8080
CMD ["pts", "serve"]
