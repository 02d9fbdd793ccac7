package io.pullsecrets.operator.spec;

import io.pullsecrets.operator.api.LabelSelectorRequirementSpec;
import io.pullsecrets.operator.api.LabelSelectorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Evaluates label selectors in the operator, with the semantics of the Kubernetes API
 * (matchLabels and matchExpressions: In, NotIn, Exists, DoesNotExist; all terms must hold).
 */
public final class LabelSelectors {
  private static final Pattern NAME = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)");
  private static final Pattern PREFIX = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private static final Pattern VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?");

  private LabelSelectors() {}

  /** A selector that cannot be evaluated; the message says which term and why. */
  public static final class InvalidSelectorException extends Exception {
    public InvalidSelectorException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Compiles a selector to a predicate over labels. A null selector matches nothing (the caller
   * decides what "absent" means); an empty one matches everything, as in Kubernetes.
   */
  public static Predicate<Map<String, String>> compile(LabelSelectorSpec selector, String field)
      throws InvalidSelectorException {
    if (selector == null) {
      return labels -> false;
    }
    List<Predicate<Map<String, String>>> terms = new ArrayList<>();
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        String key = e.getKey();
        String value = e.getValue() == null ? "" : e.getValue();
        checkKey(field, key);
        checkValue(field, key, value);
        terms.add(labels -> value.equals(labels.get(key)));
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirementSpec r : selector.getMatchExpressions()) {
        if (r == null) {
          throw new InvalidSelectorException(field + ": empty matchExpressions entry");
        }
        String key = r.getKey();
        checkKey(field, key);
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        String op = r.getOperator() == null ? "" : r.getOperator();
        switch (op) {
          case "In", "NotIn" -> {
            if (values.isEmpty()) {
              throw new InvalidSelectorException(field + ": operator " + op + " on key '" + key + "' needs at least one value");
            }
            for (String v : values) {
              checkValue(field, key, v);
            }
            Set<String> set = Set.copyOf(values);
            if (op.equals("In")) {
              terms.add(labels -> labels.containsKey(key) && set.contains(labels.get(key)));
            } else {
              terms.add(labels -> !labels.containsKey(key) || !set.contains(labels.get(key)));
            }
          }
          case "Exists", "DoesNotExist" -> {
            if (!values.isEmpty()) {
              throw new InvalidSelectorException(field + ": operator " + op + " on key '" + key + "' takes no values");
            }
            terms.add(op.equals("Exists") ? labels -> labels.containsKey(key) : labels -> !labels.containsKey(key));
          }
          default -> throw new InvalidSelectorException(
              field + ": unknown operator '" + op + "' on key '" + key + "' (use In, NotIn, Exists or DoesNotExist)");
        }
      }
    }
    return labels -> {
      Map<String, String> l = labels == null ? Map.of() : labels;
      for (Predicate<Map<String, String>> t : terms) {
        if (!t.test(l)) {
          return false;
        }
      }
      return true;
    };
  }

  private static void checkKey(String field, String key) throws InvalidSelectorException {
    if (key == null || key.isEmpty()) {
      throw new InvalidSelectorException(field + ": empty label key");
    }
    String name = key;
    int slash = key.indexOf('/');
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      name = key.substring(slash + 1);
      if (!PREFIX.matcher(prefix).matches()) {
        throw new InvalidSelectorException(field + ": invalid label key '" + abbreviate(key) + "'");
      }
    }
    if (!NAME.matcher(name).matches()) {
      throw new InvalidSelectorException(field + ": invalid label key '" + abbreviate(key) + "'");
    }
  }

  private static void checkValue(String field, String key, String value) throws InvalidSelectorException {
    if (!VALUE.matcher(value).matches()) {
      throw new InvalidSelectorException(field + ": invalid value '" + abbreviate(value) + "' for key '" + abbreviate(key) + "'");
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 70 ? s : s.substring(0, 67) + "...";
  }
}
