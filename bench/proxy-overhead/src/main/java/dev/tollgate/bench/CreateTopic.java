package dev.tollgate.bench;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/** Creates the events topic on the bench's broker (which does not auto-create topics): {@code CreateTopic BOOTSTRAP TOPIC}. */
public final class CreateTopic {

  private CreateTopic() {}

  public static void main(String[] args) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]))) {
      admin.createTopics(List.of(new NewTopic(args[1], 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
  }
}
