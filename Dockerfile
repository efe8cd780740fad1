# Nexgate's server and workers: one image, the command picks the process
# (`python -m nexgate serve | worker NAME | migrate`). See docker-compose.yml.
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock

COPY . .
RUN useradd --system --no-create-home nexgate
USER nexgate

EXPOSE 8080
CMD ["python", "-m", "nexgate", "serve"]
