package io.pullsecrets.operator.testing;

import io.pullsecrets.operator.api.ProviderKind;
import io.pullsecrets.operator.api.Reasons;
import io.pullsecrets.operator.provider.Credential;
import io.pullsecrets.operator.provider.CredentialProvider;
import io.pullsecrets.operator.provider.ProviderException;
import io.pullsecrets.operator.provider.ProviderRequest;
import io.pullsecrets.operator.provider.staticsecret.StaticCredentialProvider;
import java.util.concurrent.atomic.AtomicInteger;

/** Providers that tests make to order: a kind and what a fetch does, or the static provider with its calls counted. */
public final class TestProviders {
  private TestProviders() {}

  /** What a fetch does. */
  public interface Fetch {
    Credential fetch(ProviderRequest request) throws ProviderException;
  }

  /** A provider of {@code kind} whose fetch is {@code fetch}. */
  public static CredentialProvider of(ProviderKind kind, Fetch fetch) {
    return new CredentialProvider() {
      @Override
      public ProviderKind kind() {
        return kind;
      }

      @Override
      public Credential fetch(ProviderRequest request) throws ProviderException {
        return fetch.fetch(request);
      }
    };
  }

  /** A provider that stands for the static kind and fetches with {@code fetch}. */
  public static CredentialProvider statics(Fetch fetch) {
    return of(ProviderKind.STATIC, fetch);
  }

  /** The static provider, counting its calls and failing (ProviderUnavailable) while {@link #failing} is set. */
  public static final class CountingStatic implements CredentialProvider {
    final StaticCredentialProvider real = new StaticCredentialProvider();
    public final AtomicInteger calls = new AtomicInteger();
    public volatile boolean failing;

    @Override
    public ProviderKind kind() {
      return real.kind();
    }

    @Override
    public Credential fetch(ProviderRequest request) throws ProviderException {
      calls.incrementAndGet();
      if (failing) {
        throw ProviderException.transientFailure(Reasons.PROVIDER_UNAVAILABLE, "the test's provider is down");
      }
      return real.fetch(request);
    }
  }
}
