# The attribution job for the Flink Kubernetes Operator: the official Flink image plus the shaded
# job jar (Flink itself is provided by the image, exactly as on the tests' standalone cluster).
#   docker build -f deploy/kubernetes/images/attribution-job.Dockerfile -t tollgate/attribution-job:0.1.0-SNAPSHOT .
FROM flink:2.2.1-java17
COPY --chown=flink:flink attribution-job/target/attribution-job-0.1.0-SNAPSHOT-job.jar /opt/flink/usrlib/attribution-job.jar
