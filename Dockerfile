FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/insight

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install .

RUN useradd --system --home /srv/insight insight
USER insight
EXPOSE 8000
CMD ["insight", "serve", "--host", "0.0.0.0", "--port", "8000", "--seed-demo"]
