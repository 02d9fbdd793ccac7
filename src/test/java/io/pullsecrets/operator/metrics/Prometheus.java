package io.pullsecrets.operator.metrics;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/** Reads the Prometheus text format, and GETs the operator's HTTP endpoints. */
public final class Prometheus {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private Prometheus() {}

  public record Sample(String name, Map<String, String> labels, double value) {}

  public record Response(int status, String contentType, String body) {}

  public static Response get(int port, String path) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static HttpResponse<String> getSecure(HttpClient https, int port, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(java.net.URI.create("https://127.0.0.1:" + port + "/metrics")).timeout(java.time.Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return https.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A client that trusts the operator's CA bundle (and checks the certificate names 127.0.0.1). */
  public static HttpClient https(String bundle) throws Exception {
    java.security.KeyStore ts = java.security.KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    int i = 0;
    for (java.security.cert.X509Certificate c : io.pullsecrets.operator.webhook.TlsMaterial.certificates(bundle)) {
      ts.setCertificateEntry("ca" + i++, c);
    }
    javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ctx).connectTimeout(java.time.Duration.ofSeconds(5)).build();
  }

  public static List<Sample> parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String name;
      Map<String, String> labels = new LinkedHashMap<>();
      if (brace >= 0 && brace < space) {
        name = line.substring(0, brace);
        String body = line.substring(brace + 1, line.lastIndexOf('}'));
        int i = 0;
        while (i < body.length()) {
          int eq = body.indexOf('=', i);
          String key = body.substring(i, eq).trim();
          int start = eq + 2; // skip ="
          StringBuilder v = new StringBuilder();
          int j = start;
          while (body.charAt(j) != '"') {
            if (body.charAt(j) == '\\') {
              j++;
            }
            v.append(body.charAt(j));
            j++;
          }
          labels.put(key, v.toString());
          i = j + 1;
          if (i < body.length() && body.charAt(i) == ',') {
            i++;
          }
        }
      } else {
        name = line.substring(0, space);
      }
      samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1).trim())));
    }
    return samples;
  }

  /** The value of the one sample with this name whose labels include {@code labels}. */
  public static OptionalDouble value(String text, String name, Map<String, String> labels) {
    List<Sample> found = parse(text).stream()
        .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
        .toList();
    if (found.size() > 1) {
      throw new AssertionError("more than one sample " + name + labels + ": " + found);
    }
    return found.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(found.get(0).value());
  }

  public static boolean hasSeries(String text, String name, Map<String, String> labels) {
    return parse(text).stream().anyMatch(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()));
  }
}
