package io.pullsecrets.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.pullsecrets.operator.reconciler.RegistryCredentialReconciler.RefreshListener;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class MainTest {
  /** A listener that records the name of every callback it receives. */
  static RefreshListener recording(List<String> calls) {
    return (RefreshListener) Proxy.newProxyInstance(RefreshListener.class.getClassLoader(),
        new Class<?>[] {RefreshListener.class}, (proxy, method, args) -> {
          calls.add(method.getName());
          return null;
        });
  }

  @Test
  void bothListenersHearEveryCallback() throws Exception {
    List<String> metrics = new CopyOnWriteArrayList<>();
    List<String> theirs = new CopyOnWriteArrayList<>();
    RefreshListener both = Main.both(recording(metrics), recording(theirs));
    Set<String> callbacks = new TreeSet<>();
    for (Method m : RefreshListener.class.getMethods()) {
      if (Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      callbacks.add(m.getName());
      Object[] args = Arrays.stream(m.getParameterTypes()).map(MainTest::zero).toArray();
      m.invoke(both, args);
    }
    assertThat(callbacks).contains("refreshed", "synced", "deleted", "reconciled", "pullFailures");
    assertThat(new TreeSet<>(metrics)).isEqualTo(callbacks);
    assertThat(new TreeSet<>(theirs)).isEqualTo(callbacks);
    assertThat(metrics).hasSameSizeAs(callbacks);
    assertThat(theirs).hasSameSizeAs(callbacks);
  }

  /** null for an object parameter, the zero of a primitive one. */
  private static Object zero(Class<?> type) {
    if (type == boolean.class) {
      return false;
    }
    if (type == long.class) {
      return 0L;
    }
    if (type == int.class) {
      return 0;
    }
    return type.isPrimitive() ? java.lang.reflect.Array.get(java.lang.reflect.Array.newInstance(type, 1), 0) : null;
  }
}
