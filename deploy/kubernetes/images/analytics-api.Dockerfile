# analytics-api on the official Temurin JRE. Build context: the repository root, after
# deploy/kubernetes/images/stage.sh (analytics-api/target/image/lib/).
#   docker build -f deploy/kubernetes/images/analytics-api.Dockerfile -t tollgate/analytics-api:0.1.0-SNAPSHOT .
FROM eclipse-temurin:17-jre
RUN groupadd --gid 10001 tollgate && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin tollgate
COPY analytics-api/target/image/lib/ /opt/tollgate/lib/
USER 10001:10001
EXPOSE 8081
ENTRYPOINT ["java", "-cp", "/opt/tollgate/lib/*", "dev.tollgate.analytics.AnalyticsMain"]
CMD ["--config", "/etc/tollgate/config/tollgate.yaml"]
