package io.pullsecrets.operator.reconciler;

import java.lang.ref.WeakReference;
import java.util.WeakHashMap;

/**
 * One shared instance per equal value, held weakly: a value goes from the pool once nothing else
 * holds it (a credential's old data digest after a refresh, a ServiceAccount's former list of
 * pull secrets). Values must be immutable and compare by value.
 */
final class Interner<T> {
  private final WeakHashMap<T, WeakReference<T>> pool = new WeakHashMap<>();

  synchronized T intern(T value) {
    WeakReference<T> known = pool.get(value);
    T shared = known == null ? null : known.get();
    if (shared != null) {
      return shared;
    }
    pool.put(value, new WeakReference<>(value));
    return value;
  }

  synchronized int size() {
    return pool.size();
  }
}
