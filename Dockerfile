# Two stages: the first installs the dependencies into a virtual environment, the second
# holds that environment, the code and the migrations, and nothing that built them (no
# pip cache, no pip, no build files), and runs as a user without privileges.
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build
COPY pyproject.toml README.md ./
COPY app ./app
# The project is installed for its dependencies, then removed: the code runs from
# /srv/insight, where alembic.ini and the migrations sit beside it, through a small
# `insight` command. pip itself is not needed at run time, nor the libraries' own test
# suites (scipy's and numpy's, some 26 MB). The bytecode pip compiled stays: the code is
# read-only at run time, and compiling every module at each start would slow it.
RUN pip install . \
    && pip uninstall --yes insight \
    && printf '#!/bin/sh\nexec python -m app.cli "$@"\n' > /opt/venv/bin/insight \
    && chmod 0755 /opt/venv/bin/insight \
    && pip uninstall --yes pip setuptools \
    && find /opt/venv -depth -type d -path '*/site-packages/*/tests' -exec rm -rf {} +

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH PYTHONPATH=/srv/insight
# The home is the working directory: the embedded PostgreSQL (without INSIGHT_DATABASE_URL)
# and attachments on disk go under it, the code beside them stays root's, read-only.
RUN useradd --system --create-home --home-dir /srv/insight --shell /usr/sbin/nologin insight
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/insight
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
# Compiled once here: the insight user cannot write beside the code.
RUN python -m compileall -q app migrations

USER insight
EXPOSE 8000
CMD ["insight", "serve", "--host", "0.0.0.0", "--port", "8000", "--seed-demo"]
