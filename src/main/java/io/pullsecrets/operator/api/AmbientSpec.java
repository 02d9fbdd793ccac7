package io.pullsecrets.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Use the operator's own cloud identity. Allowed only in the operator's trusted namespaces. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AmbientSpec {
}
