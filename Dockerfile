# okta-iam for Cortex XSOAR: the okta-iam binary inside the Python image XSOAR runs
# integrations in. XSOAR starts this image with its Python loop as PID 1; the integration's
# code (the relay in the manifest) runs `okta-iam serve` from OKTA_IAM_BIN.
#
#   docker build -t okta-iam:0.1.0 .
#
# See docs/xsoar.md for loading the image onto a server or engine and for the pack.

# The runtime image: demisto/python3-deb (Debian 12 "bookworm", glibc 2.36). The binary is
# built on the same Debian release, so it needs no newer glibc than the image has;
# tests/glibc.rs checks the built binary against that version.
ARG BASE_IMAGE=demisto/python3-deb:3.12.13.11753038
ARG RUST_IMAGE=rust:1.95-slim-bookworm

FROM ${RUST_IMAGE} AS build
WORKDIR /src
# The whole repository but target/ and .git (.dockerignore).
COPY . .
# Symbols stripped: a smaller image; panics still name the command that failed.
ENV CARGO_PROFILE_RELEASE_STRIP=symbols
RUN cargo build --release --locked --bin okta-iam \
 && ./target/release/okta-iam --version

FROM ${BASE_IMAGE}
# Owned by root, executable by all (cargo's 0755): the demisto user runs it, cannot change it.
COPY --from=build /src/target/release/okta-iam /usr/local/bin/okta-iam
ENV OKTA_IAM_BIN=/usr/local/bin/okta-iam
# XSOAR runs integration containers as the image's demisto user (uid and gid 4000). The
# entrypoint and command stay the base image's: XSOAR supplies its own loop.
USER 4000:4000
