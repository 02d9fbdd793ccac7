package io.pullsecrets.operator.reconciler;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;

/**
 * JSON patches that add or remove only the operator's own {@code imagePullSecrets} entry, each
 * guarded by a {@code test} op so that a concurrent edit makes the patch fail instead of being
 * lost ({@code imagePullSecrets} has no merge key, so a merge patch would replace the list).
 */
public final class ServiceAccountPatches {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ServiceAccountPatches() {}

  public static boolean hasEntry(ServiceAccount sa, String secretName) {
    return indexOf(sa, secretName) >= 0;
  }

  /** A patch that appends {@code {name: secretName}}; the list's other entries stay as they are. */
  public static String add(ServiceAccount sa, String secretName) {
    List<LocalObjectReference> current = sa.getImagePullSecrets();
    ArrayNode ops = MAPPER.createArrayNode();
    ObjectNode entry = MAPPER.createObjectNode().put("name", secretName);
    if (current == null || current.isEmpty()) {
      // The list is absent or empty: guard on the object's version and set the whole list.
      ops.add(op("test", "/metadata/resourceVersion").put("value", sa.getMetadata().getResourceVersion()));
      ops.add(op("add", "/imagePullSecrets").set("value", MAPPER.createArrayNode().add(entry)));
    } else {
      ops.add(op("test", "/imagePullSecrets").set("value", readTree(Serialization.asJson(current))));
      ops.add(op("add", "/imagePullSecrets/-").set("value", entry));
    }
    return ops.toString();
  }

  /**
   * A patch that removes every entry {@code {name: secretName}} (a list may name it more than
   * once), or null when there is none. Each removal is guarded by a test of that entry, highest
   * index first so that the indexes still to come stay valid; other entries keep their order.
   */
  public static String remove(ServiceAccount sa, String secretName) {
    List<LocalObjectReference> list = sa.getImagePullSecrets();
    if (indexOf(sa, secretName) < 0) {
      return null;
    }
    ArrayNode ops = MAPPER.createArrayNode();
    for (int i = list.size() - 1; i >= 0; i--) {
      if (list.get(i) != null && secretName.equals(list.get(i).getName())) {
        ops.add(op("test", "/imagePullSecrets/" + i).set("value", readTree(Serialization.asJson(list.get(i)))));
        ops.add(op("remove", "/imagePullSecrets/" + i));
      }
    }
    return ops.toString();
  }

  /**
   * One patch that makes several entries present ({@code adds}, appended in this order) and
   * absent ({@code removes}), or null when there is nothing to change. With only one add or only
   * removes it is the patch of {@link #add} or {@link #remove}. With adds it first tests the
   * current list (or, when there is none, the object's version), so a concurrent edit makes it
   * fail instead of being lost; removals are each guarded by a test of their entry, highest index
   * first, and come before the appends.
   */
  public static String change(ServiceAccount sa, List<String> adds, java.util.Set<String> removes) {
    List<LocalObjectReference> current = sa.getImagePullSecrets();
    boolean empty = current == null || current.isEmpty();
    ArrayNode ops = MAPPER.createArrayNode();
    if (!adds.isEmpty()) {
      if (empty) {
        ArrayNode list = MAPPER.createArrayNode();
        adds.forEach(name -> list.add(MAPPER.createObjectNode().put("name", name)));
        ops.add(op("test", "/metadata/resourceVersion").put("value", sa.getMetadata().getResourceVersion()));
        ops.add(op("add", "/imagePullSecrets").set("value", list));
        return ops.toString();
      }
      ops.add(op("test", "/imagePullSecrets").set("value", readTree(Serialization.asJson(current))));
    }
    if (!empty) {
      for (int i = current.size() - 1; i >= 0; i--) {
        if (current.get(i) != null && removes.contains(current.get(i).getName())) {
          ops.add(op("test", "/imagePullSecrets/" + i).set("value", readTree(Serialization.asJson(current.get(i)))));
          ops.add(op("remove", "/imagePullSecrets/" + i));
        }
      }
    }
    for (String name : adds) {
      ops.add(op("add", "/imagePullSecrets/-").set("value", MAPPER.createObjectNode().put("name", name)));
    }
    return ops.isEmpty() ? null : ops.toString();
  }

  private static int indexOf(ServiceAccount sa, String secretName) {
    List<LocalObjectReference> list = sa.getImagePullSecrets();
    if (list == null) {
      return -1;
    }
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) != null && secretName.equals(list.get(i).getName())) {
        return i;
      }
    }
    return -1;
  }

  private static ObjectNode op(String op, String path) {
    return MAPPER.createObjectNode().put("op", op).put("path", path);
  }

  private static com.fasterxml.jackson.databind.JsonNode readTree(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
