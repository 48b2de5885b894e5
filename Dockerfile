# Build: docker build -t sls-case .   (docker-compose.yml uses this)
#
# Dependencies are compiled in their own layer (cargo-chef): the layer is rebuilt only when Cargo.toml
# or Cargo.lock change, so a change to the service's own code recompiles the service alone.
FROM rust:1.95-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /src

# The recipe: the dependency graph, without the service's source.
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --recipe-path recipe.json --bin sls-case
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
    SLS_LOG_FORMAT=json \
    SLS_ENV=production
EXPOSE 8080
# Ready means the database answers with the schema this build expects (GET /readyz); `sls-case probe`
# asks it, so the image needs no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["sls-case", "probe"]
ENTRYPOINT ["sls-case"]
CMD ["serve"]
