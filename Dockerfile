# microcred in a container: the same lock as every other install (`make setup`), then `make report`.
#   docker build -t microcred .
#   docker run --name microcred-run microcred          # make report: figures/, tables/, report/
#   docker cp microcred-run:/microcred/report ./report-from-container
# Nothing to compile: the lock installs from binary wheels on Linux x86-64 and aarch64.
FROM python:3.11.15-slim-trixie

# make runs the targets; git lets `make setup` install the notebooks' git drivers in a checkout.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends make git \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home microcred \
 && install -d -o microcred -g microcred /microcred
USER microcred
WORKDIR /microcred

# The environment first, from the files `make setup` reads, so a change elsewhere reuses it.
COPY --chown=microcred Makefile pyproject.toml requirements.lock README.md ./
COPY --chown=microcred src/ src/
RUN make setup

COPY --chown=microcred . .
CMD ["make", "report"]
