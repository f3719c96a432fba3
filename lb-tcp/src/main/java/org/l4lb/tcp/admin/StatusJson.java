package org.l4lb.tcp.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * Writes GET /status as JSON. Its own class so that Jackson (about 370 classes, 2 to 3 MiB of
 * metaspace) loads on the first GET /status, not at start: a node that is only scraped for
 * /metrics never carries it.
 */
final class StatusJson {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StatusJson() {
    }

    static String write(StatusView view) throws JsonProcessingException {
        return MAPPER.writeValueAsString(view);
    }
}
