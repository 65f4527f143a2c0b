# The connector image for a plain `docker build .`; the base image is the one metadata.yaml declares.
FROM docker.io/airbyte/python-connector-base:4.0.2@sha256:9fdb1888c4264cf6fee473649ecb593f56f58e5d0096a87ee0b231777e2e3e73

WORKDIR /airbyte/integration_code

# Only what the wheel is built from (pyproject.toml names the readme and force-includes the manifest).
COPY pyproject.toml README.md manifest.yaml ./
COPY source_facebook_ads ./source_facebook_ads
RUN pip install --no-cache-dir .

# The base image creates this user; Airbyte runs connectors without root.
USER airbyte

LABEL io.airbyte.name=airbyte/source-facebook-ads
LABEL io.airbyte.version=0.1.0

ENV AIRBYTE_ENTRYPOINT="source-facebook-ads"
ENTRYPOINT ["source-facebook-ads"]
