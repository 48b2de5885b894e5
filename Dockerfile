# Build: docker build -t sls-case .   (docker-compose.yml uses this)
FROM rust:1.89-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs diesel.toml ./
COPY src src
COPY migrations migrations
COPY data data
RUN cargo build --release --locked --bin sls-case

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/sls-case --create-home sls-case
COPY --from=build /src/target/release/sls-case /usr/local/bin/sls-case
USER sls-case
WORKDIR /var/lib/sls-case
ENV SLS_BIND=0.0.0.0:8080 \
    SLS_DATA_DIR=/var/lib/sls-case \
    SLS_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["sls-case"]
CMD ["serve"]
