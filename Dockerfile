# Roadmap Radar: the collector, its scheduler and the dashboard in one image (see docker-compose.yml).
FROM python:3.11-slim

WORKDIR /app
# Dependencies first, so editing the code does not reinstall them.
COPY pyproject.toml README.md ./
COPY collector collector
COPY db db
COPY dashboard dashboard
RUN pip install --no-cache-dir .
COPY roadmap.yaml ./

# The roadmap is data beside the package, not inside it.
ENV RADAR_ROADMAP_PATH=/app/roadmap.yaml \
    PYTHONUNBUFFERED=1
EXPOSE 8501
# `radar up`: migrate, serve the dashboard at once, collect in the background if the database is empty,
# run the scheduler.
CMD ["radar", "up", "--address", "0.0.0.0", "--port", "8501"]
