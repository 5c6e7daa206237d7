#!/usr/bin/env bash
# Puts each service's jar and runtime dependencies in <module>/target/image/lib/: what the
# Dockerfiles here COPY and what deploy/compose/compose.yaml mounts. Run from anywhere.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
MODULES=(proxy-edge analytics-api deploy/fake-provider deploy/clickhouse)
mvn -B -q -DskipTests package
for m in "${MODULES[@]}"; do
  rm -rf "$m/target/image"
  mvn -B -q -f "$m/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory=target/image/lib
  cp "$m"/target/*-0.1.0-SNAPSHOT.jar "$m/target/image/lib/"
  echo "staged $m/target/image/lib ($(ls "$m/target/image/lib" | wc -l) jars)"
done
