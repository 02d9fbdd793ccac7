package io.pullsecrets.operator.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pullsecrets.operator.testing.Cli;
import io.pullsecrets.operator.testing.Closer;
import io.pullsecrets.operator.testing.RealApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's ValidatingAdmissionPolicy that reserves the trusted namespaces' names ("Trusted
 * namespaces are trusted by name"), applied as printed to the real control plane: a tenant who may
 * create namespaces cannot create one with a trusted name, but can create others; a cluster admin
 * (system:masters) still can.
 */
@io.pullsecrets.operator.testing.OnRealControlPlane
class ReservedTrustedNamespacesTest {
  static final String POLICY = "reserve-trusted-namespaces";
  static final String TENANT_ROLE = "test-tenant-creates-namespaces";

  @RegisterExtension final Closer closer = new Closer();
  final RealApiServer api = closer.add(new RealApiServer());
  final Path kubeconfig = api.controlPlane.kubeconfig;

  @BeforeEach
  void setUp() {
    closer.add(() -> {
      Cli.kubectl(kubeconfig, "delete", "--ignore-not-found", "validatingadmissionpolicybinding", POLICY);
      Cli.kubectl(kubeconfig, "delete", "--ignore-not-found", "validatingadmissionpolicy", POLICY);
      Cli.kubectl(kubeconfig, "delete", "--ignore-not-found", "clusterrolebinding", TENANT_ROLE);
      Cli.kubectl(kubeconfig, "delete", "--ignore-not-found", "clusterrole", TENANT_ROLE);
    });
  }

  /** The YAML block of docs/tenancy-and-security.md that defines the policy. */
  static String readmePolicy() throws Exception {
    Matcher m = Pattern.compile("```yaml\\n((?:(?!```).)*?name: " + POLICY + "(?:(?!```).)*?)```", Pattern.DOTALL)
        .matcher(Files.readString(Path.of("docs/tenancy-and-security.md")));
    assertThat(m.find()).as("the ValidatingAdmissionPolicy " + POLICY + " of docs/tenancy-and-security.md").isTrue();
    return m.group(1);
  }

  Cli.Result asTenant(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--as=tenant";
    all[1] = "--as-group=tenants";
    System.arraycopy(args, 0, all, 2, args.length);
    return Cli.kubectl(kubeconfig, all);
  }

  @Test
  void aTenantWhoMayCreateNamespacesCannotCreateOneWithATrustedName() throws Exception {
    String policy = readmePolicy();
    assertThat(policy).contains("'pullsecret-system', 'platform'", "system:masters");
    Cli.kubectl(kubeconfig, "create", "clusterrole", TENANT_ROLE, "--verb=create", "--resource=namespaces").ok();
    Cli.kubectl(kubeconfig, "create", "clusterrolebinding", TENANT_ROLE, "--clusterrole=" + TENANT_ROLE, "--user=tenant").ok();
    // Server-side dry runs: authorized and admitted as a creation, nothing stored.
    // Without the policy, the tenant may create a namespace with a trusted name.
    await("RBAC lets the tenant create namespaces").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> asTenant("create", "namespace", "platform", "--dry-run=server").exitCode() == 0);

    Cli.kubectlStdin(kubeconfig, policy, "apply", "-f", "-").ok();
    // The API server compiles a new policy and binding shortly after they are stored.
    await("the policy refuses the tenant").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> asTenant("create", "namespace", "platform", "--dry-run=server").exitCode() != 0);
    Cli.Result refused = asTenant("create", "namespace", "pullsecret-system", "--dry-run=server");
    assertThat(refused.exitCode()).isNotZero();
    assertThat(refused.stderr()).contains("this namespace name is reserved: the pull secret operator trusts it");
    asTenant("create", "namespace", "team-z", "--dry-run=server").ok();
    // An administrator (system:masters) still creates it.
    Cli.kubectl(kubeconfig, "create", "namespace", "platform").ok();
  }
}
