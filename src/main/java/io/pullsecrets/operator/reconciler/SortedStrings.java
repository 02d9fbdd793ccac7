package io.pullsecrets.operator.reconciler;

import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SortedSet;

/**
 * An immutable sorted set of strings in natural order, held in one sorted array: what a credential's
 * last pass remembers of its target namespaces (5,000 of them per credential at the scale the
 * operator is sized for) at 4 bytes per name, where a TreeSet costs a 40-byte node per name.
 */
final class SortedStrings extends AbstractSet<String> implements SortedSet<String> {
  private static final SortedStrings EMPTY = new SortedStrings(new String[0], 0, 0);

  private final String[] items;
  private final int from;
  private final int to;

  private SortedStrings(String[] items, int from, int to) {
    this.items = items;
    this.from = from;
    this.to = to;
  }

  /** The same strings; {@code in} must be in natural order (no comparator). */
  static SortedSet<String> of(SortedSet<String> in) {
    if (in instanceof SortedStrings s) {
      return s;
    }
    if (in.comparator() != null) {
      throw new IllegalArgumentException("natural order only");
    }
    String[] items = in.toArray(new String[0]);
    return items.length == 0 ? EMPTY : new SortedStrings(items, 0, items.length);
  }

  /** Where {@code s} is or would be. */
  private int position(String s) {
    int i = Arrays.binarySearch(items, from, to, s);
    return i >= 0 ? i : -i - 1;
  }

  @Override
  public int size() {
    return to - from;
  }

  @Override
  public boolean contains(Object o) {
    return o instanceof String s && Arrays.binarySearch(items, from, to, s) >= 0;
  }

  @Override
  public Iterator<String> iterator() {
    return new Iterator<>() {
      private int next = from;

      @Override
      public boolean hasNext() {
        return next < to;
      }

      @Override
      public String next() {
        if (next >= to) {
          throw new NoSuchElementException();
        }
        return items[next++];
      }
    };
  }

  @Override
  public Comparator<? super String> comparator() {
    return null;
  }

  @Override
  public SortedSet<String> subSet(String fromElement, String toElement) {
    if (fromElement.compareTo(toElement) > 0) {
      throw new IllegalArgumentException("fromElement > toElement");
    }
    return new SortedStrings(items, position(fromElement), position(toElement));
  }

  @Override
  public SortedSet<String> headSet(String toElement) {
    return new SortedStrings(items, from, position(toElement));
  }

  @Override
  public SortedSet<String> tailSet(String fromElement) {
    return new SortedStrings(items, position(fromElement), to);
  }

  @Override
  public String first() {
    if (isEmpty()) {
      throw new NoSuchElementException();
    }
    return items[from];
  }

  @Override
  public String last() {
    if (isEmpty()) {
      throw new NoSuchElementException();
    }
    return items[to - 1];
  }
}
