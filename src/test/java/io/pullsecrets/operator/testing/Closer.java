package io.pullsecrets.operator.testing;

import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Owns what a test opens (harnesses, API servers, clients, stubs, cluster objects to delete) and
 * closes it after the test, last opened first, even when the test or another close fails:
 *
 * <pre>
 * &#64;RegisterExtension final Closer closer = new Closer();
 * ...
 * h = closer.add(OperatorHarness.onMock()).start();
 * closer.add(() -&gt; client.rbac().clusterRoleBindings().withName(BINDING).delete());
 * </pre>
 *
 * The first failure is thrown after every close has run; later ones are attached to it as suppressed.
 */
public final class Closer implements AfterEachCallback, AutoCloseable {
  private final Deque<AutoCloseable> open = new ArrayDeque<>();

  /** Closes {@code c} after the test (before whatever was added earlier); returns it. */
  public synchronized <T extends AutoCloseable> T add(T c) {
    open.push(c);
    return c;
  }

  /** Closes {@code c} now, for a test that stops something midway; it is not closed again after the test. */
  public void closeNow(AutoCloseable c) {
    synchronized (this) {
      open.removeFirstOccurrence(c);
    }
    try {
      c.close();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    close();
  }

  @Override
  public void close() throws Exception {
    Throwable first = null;
    while (true) {
      AutoCloseable c;
      synchronized (this) {
        c = open.poll();
      }
      if (c == null) {
        break;
      }
      try {
        c.close();
      } catch (Exception | AssertionError e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first instanceof Exception e) {
      throw e;
    }
    if (first != null) {
      throw (AssertionError) first;
    }
  }
}
