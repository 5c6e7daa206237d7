# proxy-edge on the official Temurin JRE. Build context: the repository root, after
# deploy/kubernetes/images/stage.sh has put the module jar and its runtime dependencies in
# proxy-edge/target/image/lib/.
#   docker build -f deploy/kubernetes/images/proxy-edge.Dockerfile -t tollgate/proxy-edge:0.1.0-SNAPSHOT .
FROM eclipse-temurin:17-jre
RUN groupadd --gid 10001 tollgate && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin tollgate
COPY proxy-edge/target/image/lib/ /opt/tollgate/lib/
USER 10001:10001
EXPOSE 8080 8090
# The JVM expands the classpath wildcard itself: no shell in the entrypoint, so SIGTERM reaches Java.
ENTRYPOINT ["java", "-cp", "/opt/tollgate/lib/*", "dev.tollgate.edge.EdgeMain"]
CMD ["--config", "/etc/tollgate/config/tollgate.yaml"]
