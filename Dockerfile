# Multi-stage build: compile in the Rust image, run as an unprivileged user in a slim Debian image.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin latchkey \
 && install -Dm755 target/release/latchkey /out/latchkey

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/latchkey --create-home latchkey
COPY --from=build /out/latchkey /usr/local/bin/latchkey
COPY config/latchkey.toml /etc/latchkey/latchkey.toml
USER latchkey
WORKDIR /var/lib/latchkey
# Listen on all interfaces inside the container; data and the generated master key stay in the volume.
ENV LATCHKEY_CONFIG=/etc/latchkey/latchkey.toml \
    LATCHKEY_BIND=0.0.0.0:8080 \
    LATCHKEY_DATABASE_URL=sqlite:///var/lib/latchkey/data/latchkey.db \
    LATCHKEY_MASTER_KEY_FILE=/var/lib/latchkey/keys/master.key
VOLUME ["/var/lib/latchkey"]
EXPOSE 8080
# Prometheus metrics are off unless LATCHKEY_METRICS_BIND is set (e.g. 0.0.0.0:9464); publish that port only to
# the monitoring network, never with the public one.
ENTRYPOINT ["latchkey"]
CMD ["serve"]
