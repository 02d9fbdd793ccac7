package io.pullsecrets.operator.testing;

/** One request as an API server saw it (the CRUD mock's recording, or the real server's audit log). */
public record ApiRequest(String method, String path, String body, String userAgent, boolean byOperator, long nanoTime) {
  public boolean isWrite() {
    return switch (method) {
      case "POST", "PUT", "PATCH", "DELETE" -> true;
      default -> false;
    };
  }
}
