package io.pullsecrets.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.pullsecrets.operator.config.OperatorConfig;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar pullsecret-operator.jar}: connects with the current kubeconfig or in-cluster config. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    OperatorConfig config;
    try {
      config = OperatorConfig.parse(args, System.getenv());
    } catch (OperatorConfig.HelpRequested e) {
      System.out.print(e.getMessage());
      return;
    } catch (OperatorConfig.ConfigException e) {
      System.err.println("pullsecret-operator: " + e.getMessage());
      System.exit(2);
      return;
    }
    Logging.configure(config.logLevel(), config.logFormat());
    Logger log = LoggerFactory.getLogger(Main.class);
    log.info("starting: namespace={} trusted={} watch={}", config.namespace(), config.trustedNamespaces(),
        config.watchNamespaces().isEmpty() ? "all" : config.watchNamespaces());

    KubernetesClient client = new KubernetesClientBuilder().build();
    PullSecretOperator operator = new PullSecretOperator(client, config, PullSecretOperator.Options.defaults(client));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("stopping");
      operator.close();
      client.close();
      stopped.countDown();
    }, "shutdown"));
    operator.start();
    log.info("started; reconciling RegistryCredentials");
    stopped.await();
  }
}
