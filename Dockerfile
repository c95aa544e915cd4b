# vidstream: one image for every service (auth, upload, stream) and the one-shot
# migration job. compose.yaml picks the service with `vidstream serve --service ...`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed, unprivileged uid/gid so volume ownership is predictable across rebuilds.
# The data directory is created here, owned by that user, so a fresh named volume
# mounted on it inherits the ownership. The home directory is separate, so nothing
# a tool keeps in $HOME lands on the shared media volume.
RUN groupadd --system --gid 10001 vidstream \
    && useradd --system --uid 10001 --gid vidstream --create-home \
       --home-dir /home/vidstream --shell /usr/sbin/nologin vidstream \
    && install -d -o vidstream -g vidstream -m 0750 /var/lib/vidstream

WORKDIR /opt/vidstream

# Pinned dependencies first, in their own layer: code changes do not reinstall them.
COPY requirements/runtime.txt requirements/runtime.txt
RUN pip install --no-cache-dir --requirement requirements/runtime.txt

# Then the package itself, without letting pip resolve anything new; `pip check`
# fails the build if the lock is missing something the package needs.
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir --no-deps . \
    && pip check \
    && rm -rf src build

COPY --chmod=0755 docker/healthcheck.py /usr/local/bin/vidstream-healthcheck

USER 10001:10001
ENV HOME=/home/vidstream \
    VIDSTREAM_DATA_DIR=/var/lib/vidstream \
    VIDSTREAM_HOST=0.0.0.0
WORKDIR /var/lib/vidstream
EXPOSE 5000 5001 5002

# Checks port 5000 (the default `vidstream serve`); compose.yaml passes each
# service's own port.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["vidstream-healthcheck"]

CMD ["vidstream", "serve"]
