package io.pullsecrets.operator.provider.cloud;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Removes known secret values from text that came from a cloud (error messages, exception
 * text) before it reaches a condition, an event or a log, and caps its length. One per fetch:
 * every secret read or received during the fetch is {@link #add added}.
 */
public final class Redactor {
  private static final int MAX = 400;
  private final List<String> secrets = new ArrayList<>();

  /** Remembers a secret value; values shorter than 4 characters are ignored. */
  public synchronized <T extends CharSequence> T add(T secret) {
    if (secret != null && secret.length() >= 4) {
      secrets.add(secret.toString());
      secrets.sort(Comparator.comparingInt(String::length).reversed());
    }
    return secret;
  }

  /** The text with every remembered secret replaced, single-lined and capped; "" for null. */
  public synchronized String clean(String text) {
    if (text == null) {
      return "";
    }
    String out = text;
    for (String s : secrets) {
      out = out.replace(s, "<redacted>");
    }
    out = out.replaceAll("\\s+", " ").trim();
    return out.length() > MAX ? out.substring(0, MAX) + "..." : out;
  }
}
